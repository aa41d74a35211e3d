"""The ```geometry block: what it compiles to, the errors that name its line (each with a hint),
the scene code and highlights, and the kit figure it builds (fitted to its box at one scale,
labels clear of each other and of the frame, parts following a moved point)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from flaming_horse.authoring.figures import geometry as geometry_kind
from flaming_horse.authoring.figures.geometry import Element, Model, Step
from flaming_horse.authoring.script import compile_script
from flaming_horse.authoring.storyboard import anchor_steps
from flaming_horse.errors import ScriptError

LESSON = """{1}A triangle. {2}A square {3}and another. {4}Count. {5}Look at **AC**, the side **c**.

```geometry
points: A=(0,0), B=(4,0), C=(4,3)
polygon A B C
right-angle B
label AB "b"
label AC "c"
- square on BC grid "a²"
- draw square on AB grid
- count square on BC
- highlight AC, square on AB
- square on CA
- point D=(2, 1.5)
- segment B D
- ticks AD DB
- circle D A
- arc D A C
- angle A "θ"
- angle C A B degrees
- shade A B D
- label D "M"
- move C to (4, 4)
- count square on AB
```
"""


def _figure(body: str):
    return compile_script("# T\n\n## S\n\n" + body, "script.md").plan.scenes[0].beats[0].visual


def test_a_geometry_block_is_a_figure_with_its_points_elements_and_steps():
    figure = _figure(LESSON)
    assert isinstance(figure, Model) and anchor_steps(figure) == 1 + 16
    assert figure.points == {"A": (0, 0), "B": (4, 0), "C": (4, 3)}
    assert figure.elements == [
        Element(shape="polygon", points=["A", "B", "C"]),
        Element(shape="right_angle", points=["A", "B", "C"]),  # 'right-angle B' in its polygon
        Element(shape="label", points=["A", "B"], text="b"),
        Element(shape="label", points=["A", "C"], text="c")]
    draw = [s.element for s in figure.steps if s.op == "draw"]
    assert draw[:2] == [Element(shape="square", points=["B", "C"], grid=True, text="a²"),
                        Element(shape="square", points=["A", "B"], grid=True)]
    assert draw[2:6] == [Element(shape="square", points=["C", "A"]),
                         Element(shape="segment", points=["B", "D"]),
                         Element(shape="ticks", sides=[("A", "D"), ("D", "B")], marks=1),
                         Element(shape="circle", points=["D", "A"])]
    assert draw[6:] == [Element(shape="arc", points=["D", "A", "C"]),
                        Element(shape="angle", points=["C", "A", "B"], text="θ"),
                        Element(shape="angle", points=["C", "A", "B"], degrees=True),
                        Element(shape="shade", points=["A", "B", "D"]),
                        Element(shape="label", points=["D"], text="M")]
    assert figure.steps[2] == Step(op="count", side=["B", "C"])
    assert figure.steps[3] == Step(op="highlight", targets=["AC", "square on AB"])
    assert figure.steps[5] == Step(op="point", point="D", at=(2, 1.5))
    assert figure.steps[-2] == Step(op="move", point="C", at=(4, 4))


def test_short_forms_read_alike():
    one = _figure("T.\n\n```geometry\npoints: P=(0,0), Q=(2,0), R=(0,2), O=(5,5)\n"
                  "triangle PQR\ncircle O 1.5\nangle P\nticks PQ PR\nticks QR QR\n```\n")
    assert one.elements[0] == Element(shape="polygon", points=["P", "Q", "R"])
    assert one.elements[1] == Element(shape="circle", points=["O"], radius=1.5)
    assert one.elements[2] == Element(shape="angle", points=["R", "P", "Q"])
    assert [e.marks for e in one.elements[3:]] == [1, 2]  # each group one more mark
    primes = _figure("T.\n\n```geometry\npoints: A=(0,0), A'=(2,0), B=(1,2)\n"
                     "segment AA'\n- highlight A'A\n```\n")
    assert primes.elements[0].points == ["A", "A'"] and primes.steps[0].targets == ["A'A"]


@pytest.mark.parametrize("lines, line, words", [
    ("points: A=(0,0), B=(1,0)\nsegment A D\n", 9, "unknown point 'D'"),
    ("points: A=(0,0), B=(1,0), C=(0,1)\npolygon A B X\n", 9, "unknown point 'X'"),
    ("points: A=(0,0), B=(1,0), C=(0,1)\npolygon ABX\n", 9, "unknown point 'X'"),
    ("points: A=(0,0), B=(1,1), C=(2,2)\npolygon A B C\n", 9, "lie on one line"),
    ("points: A=(0,0), B=(0,0), C=(2,2)\npolygon A B C\n", 9, "are the same point"),
    ("points: A=(0,0), B=(1,0), C=(0,1)\npolygon A B A\n", 9, "names a point twice"),
    ("points: O=(0,0)\ncircle O 0\n", 9, "radius must be more than 0"),
    ("points: O=(0,0)\ncircle O -2\n", 9, "radius must be more than 0"),
    ("points: O=(0,0), A=(0,0)\ncircle O A\n", 9, "radius 0"),
    ("points: A=(0,0), B=(2,0), C=(1,3)\npolygon A B C\nright-angle B\n", 10,
     "not a right angle"),
    ("points: A=(0,0), B=(2,0), C=(5,3)\nticks AB BC\n", 9, "tick marks say the sides are equal"),
    ("points: A=(0,0), B=(2,0)\nangle A\n", 9, "needs a polygon with the vertex A"),
    ("points: A=(0,0), B=(2,0)\nsegment A B\n- highlight square on AB\n", 10,
     "'square on AB' is not drawn yet"),
    ("points: A=(0,0), B=(2,0)\nsegment A B\n- count square on AB\n", 10,
     "no square on AB to count"),
    ("points: A=(0,0), B=(2,0)\nsquare on AB\n- count AB\n", 10, "has no grid to count"),
    ("points: A=(0,0), B=(2.5,0)\nsquare on AB grid\n- count AB\n", 10,
     "only a whole side"),
    ("points: A=(0,0), B=(2,0), C=(0,2)\npolygon A B C\n- move C to (x, 4)\n", 10,
     "'x' is not a number"),
    ("points: A=(0,0), B=(2,0), C=(0,2)\npolygon A B C\n- move C to 4\n", 10,
     "expected 2 coordinates"),
    ("points: A=(0,0), B=(2,0), C=(0,2)\npolygon A B C\n- move Z to (1, 1)\n", 10,
     "unknown point 'Z'"),
    ("points: A=(0,0), B=(2,0), C=(0,2)\npolygon A B C\n- move C to (1, 0)\n", 10,
     "breaks it"),
    ("points: A=(0,0), B=(2,0), C=(0,2)\npolygon A B C\n- point C=(1, 1)\n", 10,
     "already a point C"),
    ("points: A=(0,0), B=(2,0)\n- spin A\n", 9, "unknown geometry step 'spin'"),
    ("points: A=(0,0), B=(2,0)\nhexagon A B\n", 9, "unknown geometry element 'hexagon'"),
    ("points: A=(0,0), B=(2,0)\nlabel AB \"a\n", 9, "unclosed quote"),
    ("points: A=(0,0), B=(2,0)\nlabel AB\n", 9, "a label needs its text"),
    ("points: A=0,0\n", 8, "points are written 'A=(0, 0)"),
    ("segment A B\npoints: A=(0,0), B=(2,0)\n", 8, "an element before the 'points:' line"),
    ("- draw segment A B\n", 8, "a step before the 'points:' line"),
    ("colour: red\n", 8, "unknown geometry line 'colour:'"),
])
def test_a_construction_that_cannot_be_drawn_names_its_line(lines, line, words):
    with pytest.raises(ScriptError) as info:
        compile_script(f"# T\n\n## S\n\nText.\n\n```geometry\n{lines}```\n", "script.md")
    assert info.value.line == line and info.value.hint, (info.value.line, info.value.message)
    assert words in info.value.message, info.value.message
    with pytest.raises(ScriptError, match="needs a 'points:' line"):
        compile_script("# T\n\n## S\n\nText.\n\n```geometry\n```\n", "script.md")


def test_the_json_form_is_checked_like_the_script_form():
    from flaming_horse.authoring.llm.author import visual_markdown

    figure = _figure(LESSON)
    assert _figure("T.\n\n" + "\n".join(visual_markdown(figure)) + "\n") == figure
    bad = ('{"points": {"A": [0, 0], "B": [1, 0]},\n "elements": [{"shape": "segment", '
           '"points": ["A", "Z"]}]}')
    with pytest.raises(ScriptError) as info:
        _figure(f"T.\n\n```geometry\n{bad}\n```\n")
    assert "unknown point 'Z'" in info.value.message and info.value.hint
    step = ('{"points": {"A": [0, 0], "B": [1, 0]},\n "elements": [{"shape": "segment", '
            '"points": ["A", "B"]}],\n "steps": [{"op": "move", "point": "A", "at": [1, 0]}]}')
    with pytest.raises(ScriptError) as info:
        _figure(f"T.\n\n```geometry\n{step}\n```\n")
    assert "steps[0]: moving A to (1, 0) breaks it" in info.value.message and info.value.hint


def test_scene_code_builds_the_kit_figure_and_highlights_flash_its_parts():
    figure = _figure(LESSON)

    class Beat:  # what emit writes into, as the template's _Beat
        var, lines, played = "v1", [], []

        def schedule(self, steps, **options):
            self.lines.append(f"s = kit.schedule(tracker, {steps}, {options})")

        def play(self, *anims):
            self.played.append(anims)

        def loop(self, target, over, *anims):
            self.lines.append(f"for {target} in {over}: {anims}")

    b = Beat()
    geometry_kind.emit(figure, b)
    assert b.lines[0].startswith("v1 = kit.figure({'kind': 'geometry'")
    assert "kit.schedule(tracker, 17," in b.lines[1] and b.played == [("*v1.enter()",)]
    assert geometry_kind.flash(figure, "v1", "AC") == "v1.part('AC')"
    assert geometry_kind.flash(figure, "v1", "CA") == "v1.part('CA')"
    assert geometry_kind.flash(figure, "v1", "c") == "v1.part('AC')"  # the label's side
    assert geometry_kind.flash(figure, "v1", "a²") == "v1.part('square on BC')"
    assert geometry_kind.flash(figure, "v1", "square on AB") == "v1.part('square on AB')"
    assert geometry_kind.flash(figure, "v1", "banana") is None


def test_a_plan_with_figures_is_read_without_manim():
    """The checks a script's figures share with the kit (figure_rules) are plain Python: reading
    a plan (every `build`, `status`) must not pay manim's import, 0.6 s."""
    from tests.unit.test_figure_matrix_flow import PIPELINE

    flow = f"# Flow\n\n## Steps\n\n{{1}}The **Parser** reads tokens.\n\n```flow\n{PIPELINE}```\n"
    code = textwrap.dedent("""
        import json, sys
        from flaming_horse.authoring.script import compile_script
        from flaming_horse.authoring.storyboard import Plan
        kinds = set()
        for name, text in json.loads(sys.argv[1]).items():
            plan = compile_script(text, name).plan
            Plan.model_validate(plan.model_dump(mode="json"))
            kinds |= {b.visual.kind for s in plan.scenes for b in s.beats
                      if getattr(b.visual, "kind", None)}
        loaded = sorted(m for m in sys.modules if m == "manim" or m.startswith("manim."))
        print(json.dumps([sorted(kinds), loaded]))
    """)
    scripts = {p.name: p.read_text() for p in sorted(Path("examples").glob("*.md"))}
    scripts["flow.md"] = flow
    out = subprocess.run([sys.executable, "-c", code, json.dumps(scripts)], capture_output=True,
                         text=True, check=True).stdout
    kinds, manim_modules = json.loads(out)
    assert {"geometry", "graph", "flow"} <= set(kinds), kinds  # the kinds whose rules are shared
    assert manim_modules == []


def _run(f, anims, check):
    for anim in anims:
        anim._setup_scene(None)  # the parts a step reveals join the figure as it starts
        anim.begin()
        for alpha in (0.0, 0.5, 1.0):
            anim.interpolate(alpha)
            f.update(0)
            check()
        anim.finish()
        f.update(0)
        check()


def test_the_kit_figure_fits_its_box_labels_stay_clear_and_parts_follow_a_moved_point():
    from flaming_horse import scene_kit as kit
    from flaming_horse.scene_kit.inspect import off_frame, overlaps, text_mobjects

    data = _figure(LESSON).model_dump(mode="json")
    f = kit.figure(data)
    box = kit.body_area()
    for name in ("A", "AB", "BA", "ABC", "square on BC", "square on CA", "square on AC",
                 "right-angle B", "angle A", "angle CAB", "circle D", "arc AC", "shade ABD",
                 "BD"):
        assert f.part(name) is not None
    with pytest.raises(KeyError):
        f.part("XY")

    def check():
        assert not off_frame([f]) and not overlaps([f]), overlaps([f])
        for text in text_mobjects([f]):
            assert box.contains(text, tol=0.02), text

    _run(f, f.enter(), check)
    for k in range(1, len(data["steps"]) + 1):
        before = f.part("C").get_center().copy()
        _run(f, f.step(k), check)
        if data["steps"][k - 1]["op"] == "move":
            c = f.part("C").get_center()
            assert not np.allclose(before, c)
            for side in ("AC", "BC", "square on BC"):  # what is on C follows it
                corners = f.part(side)[0].get_anchors()
                assert min(np.linalg.norm(corners - c, axis=1)) < 1e-6, side
    # the counted square on AB (4 x 4) shows its count; the move left BC at 4, uncounted
    texts = [t.original_text for t in text_mobjects([f])]
    assert "16" in texts and "M" in texts and "θ" in texts and "45°" in texts, texts
    assert not any(t.startswith("a² =") for t in texts)  # BC's count was reset by the move
    assert "a²" in texts
