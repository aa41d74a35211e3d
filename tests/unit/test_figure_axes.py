"""The ```axes block: what it compiles to, the errors that name their script line with a hint,
the scene code it emits, and the kit figure it builds (every step moves, labels clear)."""

from __future__ import annotations

import json

import pytest

from flaming_horse.authoring.figures import axes as axes_kind
from flaming_horse.authoring.figures.axes import AxesFigure, AxesStep
from flaming_horse.authoring.script import compile_script
from flaming_horse.authoring.storyboard import anchor_steps
from flaming_horse.errors import ScriptError

CALCULUS = """{1}A parabola and a line. {2}P sits on it {3}with its tangent.

```axes
x: -1, 4
y: -1, 9 "height"
f: x**2          "f(x) = x^2"
g: 2*x + 1
k: sqrt(x) + 4
- point P on f at 1
- tangent at P
- move P to 2
- secant P h=1
- shrink h to 0.05
- area between g and f from 0 to 1
- riemann f from 0 to 2 n=4 mid
- refine n=16
- draw k
```
"""


def _figure(body: str) -> AxesFigure:
    return compile_script(f"# T\n\n## S\n\n{body}", "script.md").plan.scenes[0].beats[0].visual


def test_an_axes_block_compiles_to_its_functions_and_steps():
    figure = _figure(CALCULUS)
    assert isinstance(figure, AxesFigure) and anchor_steps(figure) == 10
    assert figure.x_range == (-1, 4) and figure.y_range == (-1, 9)
    assert (figure.x_label, figure.y_label) == ("x", "height")
    assert [(f.name, f.expression, f.label) for f in figure.functions] == [
        ("f", "x**2", "f(x) = x^2"), ("g", "2*x + 1", None), ("k", "sqrt(x) + 4", None)]
    assert figure.steps == [
        AxesStep(op="point", point="P", function="f", x=1),
        AxesStep(op="tangent", point="P"),
        AxesStep(op="move", point="P", x=2),
        AxesStep(op="secant", point="P", h=1),
        AxesStep(op="shrink", point="P", h=0.05),
        AxesStep(op="area", function="g", other="f", start=0, end=1),
        AxesStep(op="riemann", function="f", start=0, end=2, n=4, rule="mid"),
        AxesStep(op="refine", n=16),
        AxesStep(op="draw", function="k")]


def test_the_short_forms_name_the_first_function_and_the_only_secant():
    figure = _figure("Text.\n\n```axes\nx: 0, 3\ny: -2, 2\ns: sin(x)\n- point Q at 1\n"
                     "- secant at Q h=-0.5\n- shrink Q h=-0.1\n- area under s from 0 to 1\n"
                     "```\n")
    assert figure.steps[0] == AxesStep(op="point", point="Q", function="s", x=1)
    assert figure.steps[1] == AxesStep(op="secant", point="Q", h=-0.5)
    assert figure.steps[2] == AxesStep(op="shrink", point="Q", h=-0.1)
    assert figure.steps[3] == AxesStep(op="area", function="s", start=0, end=1)


def test_the_model_holds_the_rules_so_its_json_form_is_checked_alike():
    figure = _figure(CALCULUS)
    as_json = json.dumps(figure.model_dump(mode="json", exclude_none=True))
    assert _figure(f"Text.\n\n```axes\n{as_json}\n```\n") == figure
    data = figure.model_dump(mode="json")
    data["steps"][2]["x"] = 7  # P moves past the x range
    with pytest.raises(ValueError, match=r"steps\[2\]: P's new x = 7 is outside the x range"):
        AxesFigure.model_validate(data)
    with pytest.raises(ScriptError) as info:
        _figure('Text.\n\n```axes\n{"x_range": [0, 1], "y_range": [0, 1],\n "functions": '
                '[{"name": "f", "expression": "x"}],\n "steps": [{"op": "tangent", '
                '"point": "P"}]}\n```\n')
    assert "no point 'P' has been placed" in info.value.message and info.value.hint


BAD = [
    ("x: -1, 4\ny: 0, 9\nf: x**2\n- point P on h at 1\n", 11, "unknown function 'h'"),
    ("x: -1, 4\ny: 0, 9\nf: y**2\n", 10, "unknown name 'y'"),
    ("x: -1, 4\ny: 0, 9\nf: x^2\n", 10, "write powers with **"),
    ("x: -1, 4\ny: 0, 9\nf: x = 2\n", 10, "not a valid expression"),
    ("x: -1, 4\ny: 0, 9\nf: __import__('os')\n", 10, "may only call abs"),
    ("x: -1, 4\ny: 0, 9\nf: x**2\n- point P on f at 5\n", 11,
     "point P's x = 5 is outside the x range -1 to 4"),
    ("x: 4, -1\ny: 0, 9\nf: x**2\n", 8, "needs min < max"),
    ("x: -1, 4\ny: 9, 9\nf: x**2\n", 9, "needs min < max"),
    ("x: -1, 4\ny: 0, 9\nf: x**2\n- riemann f from 0 to 2 n=0\n", 11, "use 1 to 64"),
    ("x: -1, 4\ny: 0, 9\nf: x**2\n- riemann f from 0 to 2 n=100\n", 11, "use 1 to 64"),
    ("x: -1, 4\ny: 0, 9\nf: x**2\n- riemann f from 0 to 2 n=4\n- refine n=65\n", 12,
     "use 1 to 64"),
    ("x: -1, 4\ny: 0, 9\nf: x**2\n- refine n=8\n", 11, "no rectangles to refine"),
    ("x: -1, 4\ny: 0, 9\nf: x**2\n- tangent at P\n", 11, "no point 'P' has been placed"),
    ("x: -1, 4\ny: 0, 9\nf: x**2\n- move P to 2\n", 11, "no point 'P' has been placed"),
    ("x: -1, 4\ny: -5, 5\nf: 1/x\n- point P on f at 0\n", 11, "f(0) is undefined"),
    ("x: -1, 4\ny: -5, 5\nf: log(x)\n- point P on f at -0.5\n", 11, "f(-0.5) is undefined"),
    ("x: -2, 2\ny: -9, 9\nf: 1/x\n- point P on f at -1\n- move P to 1\n", 12,
     "leaves the y range"),
    ("x: -1, 4\ny: -1, 9\nf: sqrt(x)\n- point P on f at 1\n- move P to -0.5\n", 12,
     "is undefined"),
    ("x: -1, 4\ny: 0, 9\nf: x**2\n- point P on f at 3.5\n", 11, "leaves the y range"),
    ("x: -1, 4\ny: 0, 9\nf: x**2\n- point P on f at 1\n- secant P h=0\n", 12, "h other than 0"),
    ("x: -1, 4\ny: 0, 9\nf: x**2\n- point P on f at 1\n- secant P h=1\n- shrink h to -0.1\n",
     13, "keeping its sign"),
    ("x: -1, 4\ny: 0, 9\nf: x**2\n- point P on f at 1\n- shrink h to 0.1\n", 12,
     "which secant?"),
    ("x: -1, 4\ny: 0, 9\nf: x**2\n- point P on f at 1\n- shrink P h to 0.1\n", 12,
     "no secant at P"),
    ("x: -1, 4\ny: 0, 9\nf: x**2\n- area f from 2 to 1\n", 11, "needs from < to"),
    ("x: -1, 4\ny: 0, 9\nf: x**2\n- jump P\n", 11, "unknown axes step 'jump'"),
    ("x: -1, 4\ny: 0, 9\nf: x**2\n- point P f 1\n", 11, "cannot read 'point P f 1'"),
    ("x: -1, 4\ny: 0, 9\nf: x**2\ng: x\n- point P on g at 1\n- draw g\n", 12,
     "not drawn yet"),
    ("x: -1, 4\ny: 0, 9\nf: x**2\n- point P on f at 1\n- point P on f at 2\n", 12,
     "already placed"),
    ("x: -1, 4\ny: 0, 9\nf: x**2\nf: x\n", 11, "a second function named 'f'"),
    ("x: -1, 4\nf: x**2\n", 7, "needs an 'y: min, max' line"),
    ("x: -1, 4\ny: 0, 9\n", 7, "needs a function line"),
    ("x: -1, 4\ny: 0, 9\nf: x**2\n- point P on f at 1\nf: x\n", 12, "after the steps"),
]


@pytest.mark.parametrize("lines, line, words", BAD)
def test_an_axes_figure_that_cannot_be_drawn_names_its_line(lines, line, words):
    with pytest.raises(ScriptError) as info:
        _figure(f"Text.\n\n```axes\n{lines}```\n")
    assert info.value.line == line, info.value.message
    assert words in info.value.message and info.value.hint


def test_the_scene_code_moves_each_step_over_most_of_its_time():
    from flaming_horse.authoring.template import _beat
    from flaming_horse.authoring.storyboard import Beat

    figure = _figure(CALCULUS)
    b = _beat(0, Beat(narration="x", visual=figure, highlights=["f", "P", "tangent", "zz"]),
              None, "".join(f'<bookmark mark="{m}"/>w ' for m in ("s1", "h1", "h2", "h3", "h4")))
    code = "\n".join(b.lines)
    assert "kit.figure({'kind': 'axes'" in code and "share=0.9, max_run=6.0" in code
    assert "'other': None" not in code  # unused fields left out
    assert "v1.part('f')" in code and "v1.part('P')" in code and "v1.part('tangent')" in code
    assert axes_kind.flash(figure, "v1", "zz") is None


def test_the_kit_figure_builds_every_step_and_keeps_its_labels_apart():
    from flaming_horse.scene_kit import figure as kit_figure
    from flaming_horse.scene_kit.labels import overlap, rect
    from flaming_horse.scene_kit.layout import body_area

    data = _figure(CALCULUS).model_dump(mode="json")
    fig = kit_figure(data)
    box = body_area()
    assert box.contains(fig)
    texts = [fig.x_name, fig.y_name, *fig.curve_labels.values(), *fig._tick_labels()]
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            assert overlap(rect(a), rect(b)) < 0.15 * min(a.width * a.height,
                                                          b.width * b.height)
    assert fig.enter()
    for k in range(1, len(data["steps"]) + 1):
        animations = fig.step(k)
        assert animations
        for animation in animations:
            animation._setup_scene(None)  # what a scene does as the step starts: parts join
            animation.begin()
            for alpha in (0.5, 1.0):
                animation.interpolate(alpha)
                fig.update(0)
            animation.finish()
    fig.update(0)
    assert fig.dots["P"] in fig.submobjects and fig.rects in fig.submobjects
    assert fig.xs["P"] == 2 and fig.hs["P"] == pytest.approx(0.05)
    assert fig.riemann["levels"] == [4, 8, 16] and fig.riemann["pos"] == 2
    assert fig._readout_values("tangent", "P") == ["4.00"]
    assert fig._readout_values("secant", "P") == ["4.05", "0.050"]
    assert fig._readout_values("area", 0) == ["1.67"]  # (2x + 1 - x^2) from 0 to 1
    assert fig._readout_values("riemann", 0)[0] == "16"
    assert box.contains(fig.names["P"])
    assert fig.curves["k"] in fig.submobjects and fig.part("k") is fig.curves["k"]
