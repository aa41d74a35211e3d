"""The chart blocks (```numberline, ```bars, ```distribution): what they compile to, the errors
that name their line, and the kit figures they build (inside the body area, no text over text,
every step moves something, probabilities computed)."""

from __future__ import annotations

import math

import pytest

from flaming_horse.authoring.figures import bars, distribution, numberline
from flaming_horse.authoring.script import compile_script
from flaming_horse.authoring.storyboard import anchor_steps
from flaming_horse.authoring.template import scene_source
from flaming_horse.errors import ScriptError

NUMBERLINE = """{1}The line. {2}b drops in, {3}an interval sweeps, {4}a ray, {5}a moves, {6}A.

```numberline
range: -3, 5
point 2 "a"
interval (0, 3] "A"
- point -1 b
- interval -2 to 1 closed-open "I"
- interval 3 to inf "x > 3"
- move a to 4.5
- highlight A
```
"""

BARS = """{1}Sums. {2}They grow, {3}seven gains two, {4}two becomes three, {5}seven lights up.

```bars
bars: 2=1, 3=2, 4=3, 5=4, 6=5, 7=6, 8=5, 9=4, 10=3, 11=2, 12=1
y: 0, 8 "ways"
x: "sum of two dice"
- grow
- add 7=2, 6
- set 2=3
- highlight 7
```
"""

DISTRIBUTION = """{1}The bell. {2}Its mean, {3}its spread, {4}one sigma either side, {5}two, {6}wider.

```distribution
normal: mean=0, sd=1
x: -4, 4 "z"
- mean
- sd
- shade -1 to 1
- shade -2 to 2 "95%"
- set sd=1.5
```
"""


def _figure(body: str):
    return compile_script("# T\n\n## S\n\n" + body, "script.md").plan.scenes[0].beats[0].visual


# -- what the blocks compile to ----------------------------------------------------------------
def test_a_numberline_block_is_a_figure_with_points_intervals_and_steps():
    figure = _figure(NUMBERLINE)
    assert isinstance(figure, numberline.Model) and anchor_steps(figure) == 6
    assert (figure.start, figure.end, figure.tick) == (-3, 5, None)
    assert figure.points == [numberline.Point(x=2, label="a")]
    assert figure.intervals == [numberline.Interval(low=0, high=3, low_open=True,
                                                    high_open=False, label="A")]
    assert figure.steps == [
        numberline.PointStep(x=-1, label="b"),
        numberline.IntervalStep(low=-2, high=1, low_open=False, high_open=True, label="I"),
        numberline.IntervalStep(low=3, high=None, low_open=False, high_open=True,
                                label="x > 3"),
        numberline.MoveStep(label="a", to=4.5), numberline.HighlightStep(label="A")]


def test_a_bars_block_is_a_figure_whose_steps_name_bars():
    figure = _figure(BARS)
    assert isinstance(figure, bars.Model) and anchor_steps(figure) == 5
    assert [(b.label, b.value) for b in figure.bars][:3] == [("2", 1), ("3", 2), ("4", 3)]
    assert (figure.y_max, figure.y_label, figure.x_label) == (8, "ways", "sum of two dice")
    assert figure.steps == [bars.GrowStep(), bars.AddStep(values={"7": 2, "6": 1}),
                            bars.SetStep(values={"2": 3}), bars.HighlightStep(labels=["7"])]


def test_a_distribution_block_is_a_figure_with_its_parameters_and_steps():
    figure = _figure(DISTRIBUTION)
    assert isinstance(figure, distribution.Model) and anchor_steps(figure) == 6
    assert (figure.family, figure.params) == ("normal", {"mean": 0, "sd": 1})
    assert (figure.x_min, figure.x_max, figure.x_label) == (-4, 4, "z")
    assert figure.steps[0] == distribution.MeanStep()
    assert figure.steps[2] == distribution.ShadeStep(low=-1, high=1)
    assert figure.steps[3].label == "95%" and figure.steps[4].params == {"sd": 1.5}


@pytest.mark.parametrize("head, family, params", [
    ("normal", "normal", {"mean": 0, "sd": 1}),
    ("normal: 100, 15", "normal", {"mean": 100, "sd": 15}),
    ("normal: mu=2, sigma=0.5", "normal", {"mean": 2, "sd": 0.5}),
    ("uniform: a=1, b=4", "uniform", {"a": 1, "b": 4}),
    ("exponential: rate=0.5", "exponential", {"rate": 0.5}),
    ("binomial: n=12, p=0.25", "binomial", {"n": 12, "p": 0.25}),
    ("binomial: p=0.3", "binomial", {"n": 10, "p": 0.3}),
])
def test_each_distribution_and_its_defaults(head, family, params):
    figure = _figure(f"D.\n\n```distribution\n{head}\nshade -inf to 1\nmean\n- sd\n```\n")
    assert (figure.family, figure.params) == (family, params)
    assert figure.shades == [distribution.Shade(low=None, high=1, low_open=True)]
    assert figure.markers == ["mean"] and figure.steps == [distribution.SdStep()]


def test_the_scene_code_builds_the_figure_from_its_data_and_steps_on_the_words():
    plan = compile_script("# T\n\n## S\n\n" + NUMBERLINE + "\n" + BARS + "\n" + DISTRIBUTION,
                          "script.md").plan
    scene = plan.scenes[0]
    source = scene_source(plan, scene, [b.narration for b in scene.beats])
    compile(source, "scene_01.py", "exec")
    assert source.count("kit.figure(") == 3
    assert "'kind': 'numberline'" in source and "'kind': 'distribution'" in source
    assert "marks=['s1', 's2', 's3', 's4', 's5', 's6']" in source  # each step on its word


def test_a_highlighted_term_flashes_its_part():
    line, chart, curve = _figure(NUMBERLINE), _figure(BARS), _figure(DISTRIBUTION)
    assert numberline.flash(line, "v1", "a") == "v1.part('a')"
    assert numberline.flash(line, "v1", "x > 3") == "v1.part('x > 3')"
    assert numberline.flash(line, "v1", "-1") == "v1.part('b')"  # the point at -1
    assert numberline.flash(line, "v1", "nothing") is None
    assert bars.flash(chart, "v1", "7") == "v1.part('7')"
    assert bars.flash(chart, "v1", "13") is None
    assert distribution.flash(curve, "v1", "standard deviation") == "v1.part('sd')"
    assert distribution.flash(curve, "v1", "mean") == "v1.part('mean')"
    assert distribution.flash(curve, "v1", "95%") == "v1.part('shade 2')"
    assert distribution.flash(curve, "v1", "normal") == "v1.part('curve')"
    assert distribution.flash(curve, "v1", "median") is None


# -- what is refused, and where ----------------------------------------------------------------
@pytest.mark.parametrize("fence, lines, line, words", [
    # number lines
    ("numberline", "range: 5, -3\n", 8, "the first number must be the smaller"),
    ("numberline", "range: 2, 2\n", 8, "the first number must be the smaller"),
    ("numberline", "range: -3, 5\npoint 7 \"a\"\n", 9, "the point 7 is off the line"),
    ("numberline", "range: -3, 5\n- point -4 a\n", 9, "the point -4 is off the line"),
    ("numberline", "range: -3, 5\ninterval 3 to 1\n", 9, "runs backwards"),
    ("numberline", "range: -3, 5\n- interval 0 to 9\n", 9, "the end 9 is off the line"),
    ("numberline", "range: -3, 5\n- interval inf to 1\n", 9, "cannot be the left end"),
    ("numberline", "range: -3, 5\n- move a to 1\n", 9, "no point named 'a' to move"),
    ("numberline", "range: -3, 5\npoint 1 a\n- move a to 6\n", 10, "6 is off the line"),
    ("numberline", "range: -3, 5\npoint 1 a\n- highlight b\n", 10, "nothing named 'b'"),
    ("numberline", "range: -3, 5\npoint 1 a\n- point 2 a\n", 10, "the name 'a' is taken"),
    ("numberline", "range: -3, 5, 0.01\n", 8, "too many ticks"),
    ("numberline", "point 1 a\n", 7, "needs a 'range:' line"),
    ("numberline", "range: -3, 5\n- jump a\n", 9, "unknown number line step 'jump'"),
    ("numberline", "range: -3, 5\n- interval 1 to 2 half\n", None, None),  # 'half': a label
    ("numberline", "range: -3, 5\n- move a 4\n", 9, "is not 'move name to x'"),
    ("numberline", "range: -3, 5\nline: 3\n", 9, "is not a number line line"),
    ("numberline", "range: -3, five\n", 8, "'five' is not a number"),
    # bar charts
    ("bars", "bars: a=1, b=-2\n", 8, "bars are 0 or more"),
    ("bars", "bars: a=1\n- add a=-3\n", 9, "would be -2"),
    ("bars", "bars: a=1, b=2\n- set c=4\n", 9, "there is no bar 'c'"),
    ("bars", "bars: a=1, b=2\n- highlight c\n", 9, "there is no bar 'c'"),
    ("bars", "bars: a=1\ny: 0, 4\n- set a=5\n", 10, "over the top of the scale"),
    ("bars", "bars: a=5\ny: 4\n", 8, "over the top of the scale"),
    ("bars", "bars: a=1\ny: 1, 4\n", 9, "the value axis starts at 1"),
    ("bars", "bars: a=1\n- set a=2\n- grow\n", 10, "'grow' must be the first step"),
    ("bars", "bars: a=1, a=2\n", 8, "named twice"),
    ("bars", "bars: a\n", 8, "is not label=value"),
    ("bars", "y: 4\n", 7, "needs a 'bars:' line"),
    ("bars", "bars: " + ", ".join(f"b{i}=1" for i in range(25)) + "\n", 8, "too many"),
    ("bars", "bars: a=1\n- shrink a\n", 9, "unknown bar chart step 'shrink'"),
    ("bars", "bars: a=1\ncolour: red\n", 9, "is not a bar chart line"),
    # distributions
    ("distribution", "normal: mean=0, sd=0\n", 8, "must be above 0"),
    ("distribution", "normal: 0, 1\n- set sd=-1\n", 9, "must be above 0"),
    ("distribution", "binomial: n=10, p=1.5\n", 8, "p is a probability"),
    ("distribution", "binomial: n=10, p=0.5\n- set p=-0.1\n", 9, "p is a probability"),
    ("distribution", "binomial: n=500, p=0.5\n", 8, "n must be a whole number from 1 to 40"),
    ("distribution", "binomial: n=2.5, p=0.5\n", 8, "n must be a whole number"),
    ("distribution", "poisson: 3\n", 8, "unknown distribution 'poisson'"),
    ("distribution", "normal\nshade 2 to -2\n", 9, "runs backwards"),
    ("distribution", "normal\n- shade 1 to 0\n", 9, "runs backwards"),
    ("distribution", "normal\nx: -3, 3\n- shade -4 to 0\n", 10, "-4 is off the axis"),
    ("distribution", "normal\nx: 3, -3\n", 9, "the first number must be the smaller"),
    ("distribution", "uniform: a=2, b=1\n", 8, "needs a < b"),
    ("distribution", "exponential: rate=0\n", 8, "the rate must be above 0"),
    ("distribution", "normal\n- set rate=2\n", 9, "'rate' is not a parameter"),
    ("distribution", "normal: sd=1, rate=2\n", 8, "'rate' is not a parameter"),
    ("distribution", "normal\n- mean\n- mean\n", 10, "the mean is marked already"),
    ("distribution", "normal\n- shade 1 to 2 open\n- shade 2 to 3\n- shade 3 to 4\n"
     "- shade 4 to 5\n- shade 5 to 6\n", 13, "more than 4 shaded ranges"),
    ("distribution", "mean\n", 7, "needs the distribution first"),
    ("distribution", "normal\nuniform\n", 9, "a second distribution"),
    ("distribution", "normal\n- spread\n", 9, "unknown distribution step 'spread'"),
])
def test_a_chart_that_cannot_be_drawn_names_its_line_with_a_hint(fence, lines, line, words):
    script = f"# T\n\n## S\n\nText.\n\n```{fence}\n{lines}```\n"
    if line is None:
        compile_script(script, "script.md")  # accepted
        return
    with pytest.raises(ScriptError) as info:
        compile_script(script, "script.md")
    assert info.value.line == line, info.value.message
    assert words in info.value.message and info.value.hint


def test_a_rule_broken_in_json_is_caught_by_the_model_too():
    """The LLM author fills the same models: the rules hold without the parser."""
    with pytest.raises(ValueError, match=r"steps\[0\]: no point named 'q'"):
        numberline.Model(start=0, end=1, steps=[numberline.MoveStep(label="q", to=0.5)])
    with pytest.raises(ValueError, match=r"bars\[0\]: .* bars are 0 or more"):
        bars.Model(bars=[bars.Bar(label="a", value=-1)])
    with pytest.raises(ValueError, match=r"params: the standard deviation"):
        distribution.Model(family="normal", params={"mean": 0, "sd": -2})
    with pytest.raises(ValueError, match="takes mean and sd"):
        distribution.Model(family="normal", params={"mean": 0})
    for model in (numberline.Model, bars.Model, distribution.Model):
        schema = model.model_json_schema()
        assert all("description" in p for k, p in schema["properties"].items() if k != "kind")


# -- the kit figures ---------------------------------------------------------------------------
class _NullScene:
    def remove(self, *mobjects):
        pass

    def add(self, *mobjects):
        pass

    def get_mobject_family_members(self):
        return []


def _play(anims, fig=None) -> list:
    """Run animations to their end, as a scene would (without drawing); with ``fig``, the
    figure's points and opacities half way through."""
    middle = []
    for anim in anims:
        anim._setup_scene(_NullScene())
        anim.begin()
    for anim in anims:
        anim.interpolate(0.5)
    if fig is not None:
        fig.update(0)
        middle = _look(fig)
    for anim in anims:
        anim.interpolate(1.0)
        anim.finish()
        anim.clean_up_from_scene(_NullScene())
    return middle


def _look(fig) -> list:
    return [(m.points.copy(), round(m.get_fill_opacity() + m.get_stroke_opacity(), 3))
            for m in fig.family_members_with_points()]


def _same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(
        p.shape == q.shape and not (p - q).any() and o == u for (p, o), (q, u) in zip(a, b))


def _clear(fig) -> None:
    """No two texts overlap, everything shown lies in the body area, text is readable."""
    from manim import Text

    from flaming_horse.scene_kit import palette
    from flaming_horse.scene_kit.inspect import _visible, overlaps
    from flaming_horse.scene_kit.layout import body_area, effective_font_size

    fig.update(0)
    assert overlaps([fig]) == []
    shown = [m for m in fig.family_members_with_points() if _visible(m)]
    box = body_area()
    for mob in shown:
        (x0, y0, _), (x1, y1, _) = mob.get_corner([-1, -1, 0]), mob.get_corner([1, 1, 0])
        assert box.left - 1e-3 <= x0 and x1 <= box.right + 1e-3, mob
        assert box.bottom - 1e-3 <= y0 and y1 <= box.top + 1e-3, mob
    for text in (t for t in fig.get_family() if isinstance(t, Text) and _visible(t)):
        assert effective_font_size(text) >= palette.MIN_FONT_SIZE - 0.5


def _texts(fig) -> list[str]:
    from manim import Text

    from flaming_horse.scene_kit.inspect import _visible

    return [t.original_text for t in fig.get_family() if isinstance(t, Text) and _visible(t)]


@pytest.mark.parametrize("body", [
    NUMBERLINE, BARS, DISTRIBUTION,
    "U.\n\n```distribution\nuniform: a=1, b=4\nshade 2 to 3\nmean\n- sd\n- set b=6\n```\n",
    "E.\n\n```distribution\nexponential: 0.5\n- shade 2 to inf\n- mean\n- set rate=1\n```\n",
    "B.\n\n```distribution\nbinomial: n=10, p=0.5\n- shade [4, 6]\n- mean\n- sd\n"
    "- set p=0.3, n=14\n```\n",
    "N.\n\n```numberline\nrange: 0, 100, 10\n- interval -inf to 40 open\n"
    "- interval 20 to 60\n- interval 50 to 80\n- point 50 \"half way\"\n```\n",
    "C.\n\n```bars\nbars: \"Monday\"=3.5, Tuesday=2, Wednesday=0\n- set Wednesday=4.25\n```\n",
])
def test_each_step_moves_something_and_leaves_the_layout_clear(body):
    from flaming_horse.scene_kit import figure as kit_figure

    data = _figure(body).model_dump(mode="json")
    fig = kit_figure(data)
    _play(fig.enter())
    _clear(fig)
    for k in range(1, len(data["steps"]) + 1):
        before = _look(fig)
        middle = _play(fig.step(k), fig)
        assert not _same(before, middle), f"step {k} does not move"
        _clear(fig)


def test_a_shaded_probability_is_computed_and_follows_the_parameters():
    from flaming_horse.scene_kit import figure as kit_figure

    data = _figure(DISTRIBUTION).model_dump(mode="json")
    fig = kit_figure(data)
    _play(fig.enter())
    for k in range(1, 5):
        _play(fig.step(k))
    fig.update(0)
    assert "68.3%" in _texts(fig) and "95%" in _texts(fig)  # computed / as labelled
    _play(fig.step(5))  # sd=1.5: the same range holds less
    fig.update(0)
    within = math.erf(1 / (1.5 * math.sqrt(2)))
    assert f"{within * 100:.1f}%" in _texts(fig) and "\u03c3 = 1.5" in " ".join(_texts(fig))


def test_binomial_shades_count_whole_outcomes():
    from flaming_horse.scene_kit.distribution_figure import pmf

    fig_data = _figure("B.\n\n```distribution\nbinomial: n=10, p=0.5\n- shade (3, 6]\n```\n")
    from flaming_horse.scene_kit import figure as kit_figure

    fig = kit_figure(fig_data.model_dump(mode="json"))
    _play(fig.enter())
    _play(fig.step(1))
    fig.update(0)
    expected = sum(pmf(10, 0.5, k) for k in (4, 5, 6))
    assert f"{expected * 100:.1f}%" in _texts(fig)


def test_bars_count_up_as_they_grow():
    from flaming_horse.scene_kit import figure as kit_figure

    fig = kit_figure(_figure(BARS).model_dump(mode="json"))
    _play(fig.enter())
    assert fig.part("7").value.get_value() == 0  # before 'grow' the bars stand at zero
    _play(fig.step(1))
    fig.update(0)
    assert fig.part("7").value.get_value() == 6 and fig.part("7").rect.height > 0
    _play(fig.step(2))
    fig.update(0)
    assert fig.part("7").number.original_text == "8"
    _play(fig.step(4))
    assert fig.part("7").hot.get_value() == 1  # highlighted: the accent colour


def test_a_moved_point_travels_along_the_line_with_its_name():
    from flaming_horse.scene_kit import figure as kit_figure

    fig = kit_figure(_figure(NUMBERLINE).model_dump(mode="json"))
    _play(fig.enter())
    a = fig.part("a")
    start = a.dot.get_center()[0]
    for k in range(1, 5):
        _play(fig.step(k))
    fig.update(0)
    assert a.dot.get_center()[0] == pytest.approx(fig.n2x(4.5))
    assert a.dot.get_center()[0] > start and abs(a.label.get_center()[0] - fig.n2x(4.5)) < 0.6
