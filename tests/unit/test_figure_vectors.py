"""The ```vectors block: what it compiles to, the errors that name its line (each with a hint),
the scene code and highlights, and the kit figure it builds (inside its box, labels clear of
each other, every step animating)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from flaming_horse.authoring.figures import parse_block
from flaming_horse.authoring.figures import vectors as vectors_kind
from flaming_horse.authoring.figures.vectors import Model, Vector, VectorStep
from flaming_horse.authoring.script import compile_script
from flaming_horse.authoring.storyboard import anchor_steps
from flaming_horse.errors import ScriptError

LESSON = """{1}The plane. {2}A new vector {3}and a sum.

```vectors
range: 4
basis
v = (2, 1) "v"
- draw w = (-1, 2)
- sum v w
- combine v
- scale v 1.5 "1.5v"
- apply [[1, 1], [0, 1]] "shear"
- columns
- eigen
- area
- reset
- eigen [[2, 1], [1, 2]]
- apply [2 1; 1 2]
- reset
- apply [[0, -1], [1, 0]] "rotation"
- eigen
- reset
- apply [[1, 2], [0.5, 1]] "flat"
```
"""


def _figure(body: str):
    return compile_script("# T\n\n## S\n\n" + body, "script.md").plan.scenes[0].beats[0].visual


def test_a_vectors_block_is_a_figure_with_its_plane_vectors_and_steps():
    figure = _figure(LESSON.replace("range: 4", "range: 10"))
    assert isinstance(figure, Model) and anchor_steps(figure) == 1 + 16
    assert figure.range == 10 and figure.basis
    assert figure.vectors == [Vector(name="v", at=(2, 1), label="v")]
    assert figure.steps[:7] == [
        VectorStep(op="draw", vector="w", at=(-1, 2)),
        VectorStep(op="sum", of=["v", "w"], vector="v+w", label="v + w"),
        VectorStep(op="combine", vector="v"),
        VectorStep(op="scale", vector="v", factor=1.5, label="1.5v"),
        VectorStep(op="apply", matrix=((1, 1), (0, 1)), label="shear"),
        VectorStep(op="columns"), VectorStep(op="eigen")]
    assert figure.steps[8] == VectorStep(op="reset")
    assert figure.steps[9] == VectorStep(op="eigen", matrix=((2, 1), (1, 2)))
    assert figure.steps[10].matrix == ((2, 1), (1, 2))  # [a b; c d] reads as rows too
    assert figure.steps[-1].matrix == ((1, 2), (0.5, 1))  # a singular matrix is no error


def test_without_a_range_the_plane_fits_every_vector_at_every_step():
    figure = _figure(LESSON.replace("range: 4\n", ""))
    assert figure.range is None
    # [[2, 1], [1, 2]] sends v + w = (1, 3) to (5, 7): 7 up needs 9.33 across, half a unit more
    assert figure.plane_range == 10
    assert _figure("Text.\n\n```vectors\nv = (1, 1)\n```\n").plane_range == 3  # the least


def test_the_json_form_is_checked_like_the_script_form():
    data = {"basis": True, "vectors": [{"name": "v", "at": [2, 1]}],
            "steps": [{"op": "apply", "matrix": [[1, 1], [0, 1]]}, {"op": "eigen"}]}

    def fail(message, line, hint):
        return ScriptError(message, line=line, hint=hint)

    figure = parse_block("vectors", "```vectors", [json.dumps(data)], 7, fail)
    assert figure.steps[0].matrix == ((1, 1), (0, 1))
    data["steps"][0]["matrix"] = [[1, 1, 1], [0, 1]]
    with pytest.raises(ScriptError) as info:
        parse_block("vectors", "```vectors", [json.dumps(data)], 7, fail)
    assert info.value.hint
    data["steps"] = [{"op": "eigen"}]
    with pytest.raises(ScriptError, match="'eigen' needs a matrix"):
        parse_block("vectors", "```vectors", [json.dumps(data)], 7, fail)


@pytest.mark.parametrize("lines, line, words", [
    ("- apply [[1, 2, 3], [0, 1]]\n", 8, "is 2x3, not a 2x2 matrix"),
    ("- apply [[1, 2], [0, 1], [1, 1]]\n", 8, "is 3x2, not a 2x2 matrix"),
    ("- apply [[1, x], [0, 1]]\n", 8, "'x' is not a number"),
    ("- apply [[1, 1], [0, 1]\n", 8, "missing a ']'"),
    ("- apply (1, 1)\n", 8, "expected a matrix"),
    ("- apply\n", 8, "'apply' needs a matrix"),
    ("v = (1, 1)\n- scale u 2\n", 9, "unknown vector 'u' (drawn: v)"),
    ("v = (1, 1)\n- sum v q\n", 9, "unknown vector 'q'"),
    ("basis\n- combine v\n", 9, "unknown vector 'v' (drawn: i, j)"),
    ("range: 0\n", 8, "range 0 cannot be drawn"),
    ("range: -2\n", 8, "range -2 cannot be drawn"),
    ("range: 2\nv = (3, 1)\n", 9, "'v' reaches (3, 1), off the plane"),
    ("range: 4\nv = (1, 3.5)\n", 9, "off the plane (x from -4 to 4, y from -3 to 3)"),
    ("range: 3\nbasis\n- apply [[4, 0], [0, 1]]\n", 10, "i-hat reaches (4, 0)"),
    ("v = (1, 1)\n- draw w = (2, 1)\n- scale w 40\n", 10, "too far out to draw"),
    ("v = (100, 1)\n", 8, "too far out to draw"),
    ("- eigen\n", 8, "'eigen' needs a matrix"),
    ("- apply [[1, 1], [0, 1]]\n- reset\n- eigen\n", 10, "'eigen' needs a matrix"),
    ("v = (1, 1)\n- reset\n", 9, "'reset' with no matrix applied"),
    ("- apply [[2, 0], [0, 2]]\n- reset\n- reset\n", 10, "'reset' with no matrix applied"),
    ("- jump\n", 8, "unknown vectors step 'jump'"),
    ("v = (1, 1)\nv = (2, 2)\n", 9, "'v' is already drawn"),
    ("v = (1, 1)\n- draw v = (2, 2)\n", 9, "'v' is already drawn"),
    ("basis\ni = (1, 1)\n", 9, "is a basis vector"),
    ("basis\n- scale i 2\n", 9, "i-hat and j-hat stay as they are"),
    ("- draw w = 1, 2\n", 8, "a vector is 'name = (x, y)'"),
    ("v = (1, 2, 3)\n", 8, "expected 2 coordinates"),
    ("v = (1, 1)\n- sum v\n", 9, "'sum' adds two vectors"),
    ("v = (1, 1)\n- scale v\n", 9, "'scale' takes a vector and a factor"),
    ("v = (1, 1)\n- scale v twice\n", 9, "'twice' is not a factor"),
    ("v = (1, 1)\n- combine\n", 9, "'combine' takes one vector"),
    ("- area now\n", 8, "'area' takes nothing after it"),
    ("basis\n- columns\n", 9, "apply a matrix first"),
    ("basis\n- apply [[1, 1], [0, 1]]\n- reset\n- columns\n", 11, "apply a matrix first"),
    ("- apply [[1, 1], [0, 1]]\n- columns\n", 9, "add a 'basis' line"),
    ("- apply [[1, 1], [0, 1]]\nrange: 3\n", 9, "after the steps"),
    ("hello\n", 8, "vectors lines are"),
    ('v = (1, 1) "a very long label"\n', 8, "a label is 1 to 12 characters"),
    ("range: 3\nrange: 4\n", 9, "a second 'range:' line"),
])
def test_a_plane_that_cannot_be_drawn_names_its_line(lines, line, words):
    with pytest.raises(ScriptError) as info:
        compile_script(f"# T\n\n## S\n\nText.\n\n```vectors\n{lines}```\n", "script.md")
    assert info.value.line == line and info.value.hint, (info.value.line, info.value.message)
    assert words in info.value.message, info.value.message


def test_scene_code_builds_the_kit_figure_and_highlights_flash_its_parts():
    figure = _figure(LESSON.replace("range: 4\n", ""))

    class Beat:  # what emit writes into, as the template's _Beat
        var, lines, played = "v1", [], []

        def schedule(self, steps, **options):
            self.lines.append(f"s = kit.schedule(tracker, {steps}, {options})")

        def play(self, *anims):
            self.played.append(anims)

        def loop(self, target, over, *anims):
            self.lines.append(f"for {target} in {over}: {anims}")

    b = Beat()
    vectors_kind.emit(figure, b)
    assert b.lines[0].startswith("v1 = kit.figure({'kind': 'vectors'")
    assert "kit.schedule(tracker, 17," in b.lines[1] and b.played == [("*v1.enter()",)]
    assert vectors_kind.flash(figure, "v1", "v") == "v1.part('v')"
    assert vectors_kind.flash(figure, "v1", "W") == "v1.part('w')"
    assert vectors_kind.flash(figure, "v1", "v + w") == "v1.part('v+w')"
    assert vectors_kind.flash(figure, "v1", "i-hat") == "v1.part('i')"
    assert vectors_kind.flash(figure, "v1", "\u0135") == "v1.part('j')"
    assert vectors_kind.flash(figure, "v1", "matrix") == "v1.part('card')"
    assert vectors_kind.flash(figure, "v1", "banana") is None


def test_the_kit_figure_stays_in_its_box_with_labels_clear_and_every_step_moves():
    from flaming_horse import scene_kit as kit
    from flaming_horse.scene_kit.inspect import off_frame, overlaps
    from flaming_horse.scene_kit.vectors_figure import _eigen, extent

    figure = _figure(LESSON.replace("range: 4\n", ""))
    data = figure.model_dump(mode="json")
    assert extent(data) == pytest.approx(7 * 4 / 3)  # the kit's auto range matches the model's
    f = kit.figure(data)
    box = kit.body_area()
    assert set(f.parts) >= {"i", "j", "v", "w", "v+w", "card"}
    def run(anims):
        for anim in anims:
            anim.begin()
            for alpha in (0.0, 0.5, 1.0):
                anim.interpolate(alpha)
                assert not off_frame([f]) and not overlaps([f]), (alpha, overlaps([f]))
            anim.finish()
        assert box.contains(f)

    run(f.enter())
    before = f.parts["v"][0].get_center().copy()
    for k in range(1, len(data["steps"]) + 1):
        shot = f.copy()
        run(f.step(k))
        changed = any(a.points.shape != b.points.shape or not np.allclose(a.points, b.points) or
                      a.get_fill_opacity() != b.get_fill_opacity()
                      for a, b in zip(shot.family_members_with_points(),
                                      f.family_members_with_points())) \
            or len(shot.family_members_with_points()) != len(f.family_members_with_points())
        assert changed, f"step {k} ({data['steps'][k - 1]['op']}) moved nothing"
    assert not np.allclose(before, f.parts["v"][0].get_center())  # v ends on the flat line
    assert f.notes == ["flat", "det = 0: the plane collapses onto a line", "shaded area = 0"]
    assert _eigen(np.array([[0.0, -1.0], [1.0, 0.0]]))[0] is None  # a rotation: none real
    assert _eigen(np.array([[2.0, 0.0], [0.0, 2.0]]))[0] == 2.0  # every direction
    values, directions = _eigen(np.array([[1.0, 1.0], [0.0, 1.0]]))
    assert values == [1.0] and np.allclose(abs(directions[0]), [1, 0])  # a shear: one line


def test_every_example_with_a_vectors_block_compiles():
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "examples" / "matrix.md"
    plan = compile_script(example.read_text(), str(example)).plan
    kinds = [b.visual.kind for s in plan.scenes for b in s.beats if b.visual is not None]
    assert kinds.count("vectors") >= 4
