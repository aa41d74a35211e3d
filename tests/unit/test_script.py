"""The Markdown script format: what compiles, and errors that name the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from flaming_horse.authoring.script import compile_script
from flaming_horse.authoring.storyboard import (
    BulletList, CodeListing, Comparison, EquationSteps, FunctionPlot, Recap, TitleCard,
)
from flaming_horse.errors import ScriptError

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.md"))

ALL_KINDS = """# All kinds

## One

::: title
Big title
Small subtitle
:::

Narration for the title.

Narration for the bullets, with **bold** and `code` marks.

- first
- second

Equations now.

$$ x^2 $$
$$ 2x $$

A plot.

```plot
function: sin(x) * exp(-x / 4)
x: -1, 6
y: -1.5, 1.5
label: f(x)
```

Some code.

```python
print("hi")
```

A comparison.

::: compare
Before | After
slow | fast
:::

A recap.

::: recap
- one
- two
:::

A beat without a visual.
"""


def test_every_visual_kind_compiles_with_ids_assigned():
    compiled = compile_script(ALL_KINDS)
    scene = compiled.plan.scenes[0]
    assert scene.id == "scene_01" and scene.class_name == "Scene01"
    kinds = [type(b.visual) for b in scene.beats]
    assert kinds == [TitleCard, BulletList, EquationSteps, FunctionPlot, CodeListing, Comparison,
                     Recap, type(None)]
    assert scene.beats[1].narration == (
        'Narration for the bullets, with <bookmark mark="h1"/>bold and code marks.')
    assert scene.beats[1].highlights == ["bold"]
    plot = scene.beats[3].visual
    assert plot.x_range == (-1.0, 6.0) and plot.y_range == (-1.5, 1.5)
    assert [f.latex for f in compiled.formulas] == ["x^2", "2x", "f(x)"]
    assert [f.line for f in compiled.formulas] == [19, 20, 28]
    assert scene.beats[5].visual == Comparison(left_title="Before", right_title="After",
                                               left=["slow"], right=["fast"])


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_shipped_examples_compile(path):
    plan = compile_script(path.read_text(), path.name).plan
    assert len(plan.scenes) >= 2


@pytest.mark.parametrize("body, line, words", [
    ("## S\n\nText.\n\n::: chart\nx\n:::\n", 7, "unknown directive '::: chart'"),
    ("## S\n\nText.\n\n$$ a + b\n", 7, "unclosed display math: no closing '$$'"),
    ("## S\n\nText with $$ inside.\n", 5, "misplaced '$$'"),
    ("## S\n\nText\nwith $$ inside.\n", 6, "unbalanced or misplaced '$$'"),
    ("## S\n\nText.\n\n```python\nx = 1\n", 7, "unclosed code fence"),
    ("## S\n\nText.\n\n::: recap\none\n", 7, "unclosed '::: recap' block"),
    ("## S\n\n$$ x $$\n", 5, "visual without narration"),
    ("## S\n\nText.\n\n- a\n\n$$ x $$\n", 9, "only one visual"),
    ("Text before any scene.\n", 3, "before the first '## Scene title'"),
    ("## S\n\nThe set $\\weird{x}$ here.\n", 5, "inline math with \\weird cannot be spoken"),
    ("## S\n\nText.\n\n```plot\nfunction: __import__('os')\n```\n", 8, "may only call"),
    ("## S\n\nText.\n\n```plot\nfunction: y * 2\n```\n", 8, "unknown name 'y'"),
    ("## S\n\nText.\n\n```plot\nfunction: x\nx: 3, 1\n```\n", 7, "min < max"),
    ("## S\n\nText.\n\n```klingon\nqapla\n```\n", 7, "unknown code language"),
    ("## S\n\n## T\n\nText.\n", 3, "has no narration"),
])
def test_bad_input_names_the_line(body, line, words):
    text = "# Title\n\n" + body
    with pytest.raises(ScriptError) as info:
        compile_script(text, "script.md")
    assert info.value.line == line
    assert words in info.value.message
    assert info.value.message.startswith(f"script.md:{line}:")


def test_missing_title_is_an_error():
    with pytest.raises(ScriptError, match="no '# Title'"):
        compile_script("## S\n\nText.\n")


# -- Markdown as people write it ---------------------------------------------------------------

def _scene(body: str, images=None):
    return compile_script("# T\n\n## S\n\n" + body, "script.md", images=images).plan.scenes[0]


def _steps(body: str) -> list[str]:
    return _scene("Intro.\n\n" + body).beats[0].visual.steps


@pytest.mark.parametrize("block", [
    "$$\na^2 + b^2\n  = c^2\n$$\n",
    "$$ a^2 + b^2\n= c^2 $$\n",
    "\\[\na^2 + b^2 = c^2\n\\]\n",
    "\\[ a^2 + b^2 = c^2 \\]\n",
    "```math\na^2 + b^2 = c^2\n```\n",
    "\\begin{equation}\na^2 + b^2 = c^2 % Pythagoras\n\\end{equation}\n",
])
def test_display_math_over_lines_is_one_formula(block):
    assert [" ".join(s.split()) for s in _steps(block)] == ["a^2 + b^2 = c^2"]


def test_aligned_rows_are_steps_that_continue_the_chain():
    steps = _steps("$$\n\\begin{aligned}\n(a+b)^2 &= (a+b)(a+b) \\\\[2pt]\n"
                   "&= a^2 + 2ab + b^2 \\label{e1}\n\\end{aligned}\n$$\n")
    assert steps == ["(a+b)^2 = (a+b)(a+b)", "(a+b)^2 = a^2 + 2ab + b^2"]
    rows = _steps("\\begin{align}\nx + y &= 3 \\\\\nx - y &= 1 \\nonumber\n\\end{align}\n")
    assert rows == ["x + y = 3", "x - y = 1"]


def test_a_long_chain_is_split_and_each_step_fits_the_frame():
    from flaming_horse.authoring.display_math import BODY_WIDTH, width

    chain = " = ".join(["(x+1)^2"] + [f"x^2 + {k}x + {k * k} - {k - 1}" for k in range(1, 13)])
    steps = _steps(f"$$ {chain} $$\n")
    assert len(steps) == 12
    assert all(s.startswith("(x+1)^2 = ") for s in steps)
    assert all(width(s) <= BODY_WIDTH for s in steps)
    assert _steps("$$ a = b = c $$\n") == ["a = b = c"]  # short chains stay whole


def test_relations_compose_or_fall_back_to_pairs():
    long = "x" * 40
    assert _steps(f"$$ a = b \\le c < {long} $$\n") == ["a = b", "a \\le c", f"a < {long}"]
    assert _steps(f"$$ a \\le b \\ge {long} $$\n") == ["a \\le b", f"b \\ge {long}"]


def test_blocks_in_a_row_are_steps_of_one_visual_and_matrices_stay_whole():
    steps = _steps("$$\nx = 1\n$$\n\n$$\n\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}\n$$\n")
    assert steps == ["x = 1", "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}"]


def test_a_scene_that_is_only_a_list_is_narrated_from_its_items():
    scene = _scene("- The **theorem** relates sides\n- It holds\n  for right triangles\n\n"
                   "- Proofs: many!\n")
    beat = scene.beats[0]
    assert beat.visual.items == ["The theorem relates sides", "It holds for right triangles",
                                 "Proofs: many!"]
    assert beat.narration == ('<bookmark mark="s1"/>The theorem relates sides. '
                              '<bookmark mark="s2"/>It holds for right triangles. '
                              '<bookmark mark="s3"/>Proofs: many!')


def test_numbered_lists_keep_their_numbers():
    visual = _scene("Steps.\n\n3. Measure\n4. Square\n9) Add\n").beats[0].visual
    assert visual == BulletList(items=["Measure", "Square", "Add"], start=3)
    assert _scene("Steps.\n\n- a\n- b\n").beats[0].visual.start is None


def test_quote_table_and_image_are_visuals():
    from flaming_horse.authoring.storyboard import Image, Quote, Table

    seen = []
    scene = _scene("A quote.\n\n> [!NOTE]\n> Geometry is *correct* reasoning\n> from bad figures.\n"
                   ">\n> \u2014 Henri Poincar\u00e9\n\nA table.\n\n| a | b \\| c |\n|:--|--:|\n"
                   "| 3 | 4 |\n| 5 |\n\nA picture.\n\n![A **right** triangle](img/tri.png \"t\")\n",
                   images=lambda source, line: seen.append((source, line)) or "media/x.png")
    quote, table, image = (b.visual for b in scene.beats)
    assert quote == Quote(text="Geometry is correct reasoning from bad figures.",
                          attribution="Henri Poincar\u00e9")
    assert table == Table(header=["a", "b | c"], rows=[["3", "4"], ["5", ""]],
                          align=["left", "right"])
    assert image == Image(source="img/tri.png", file="media/x.png", caption="A right triangle")
    assert seen == [("img/tri.png", 22)]


def test_markdown_around_the_script_is_read_as_markdown_means_it():
    text = ("---\ntitle: 'From front matter'\n---\n\n## S\n\n"
            "It costs \\$5, see [the docs](https://x.org) and <https://y.org>.<br>\n\n***\n\n"
            "\\[not maths] at the start of a paragraph.\n\n[ref]: https://x.org\n")
    plan = compile_script(text).plan
    assert plan.title == "From front matter"
    assert [b.narration for b in plan.scenes[0].beats] == [
        "It costs $5, see the docs and https://y.org.", "[not maths] at the start of a paragraph."]
    assert compile_script("# T\n\n## S\n\nWe know 2 * 3 * 4 = 24.\n").plan.scenes[0] \
        .beats[0].narration == "We know 2 * 3 * 4 = 24."


@pytest.mark.parametrize("body, line, words", [
    ("Text.\n\n$$ x $$ and more\n", 7, "text after the closing '$$'"),
    ("Text.\n\n$$\n\\frac{1}{2\n$$\n", 7, "do not balance"),
    ("Text.\n\n$$\nx\n", 7, "unclosed display math"),
    ("Text.\n\n![a](https://x.org/a.png)\n", 7, "builds never download"),
    ("Text.\n\n![a](a.pdf)\n", 7, "not a kind we can show"),
    ("Text.\n\n| a | b |\n| --- |\n| 1 | 2 |\n", 8, "header has 2 cells"),
    ("Text.\n\n| a | b |\n|---|---|\n", 7, "at least one row"),
    ("| a |\n|---|\n| 1 |\n", 5, "visual without narration"),
    ("- $\\oops$ grows\n", 5, "cannot be spoken"),
    ("### Sub\n\nText.\n", 5, "headings"),
])
def test_refusals_name_the_line_and_the_fix(body, line, words):
    with pytest.raises(ScriptError) as info:
        compile_script("# T\n\n## S\n\n" + body, "script.md")
    assert info.value.line == line
    assert info.value.hint
    if words:
        assert words in info.value.message


def test_setext_headings_and_hard_line_breaks():
    plan = compile_script("Title here\n==========\n\nScene one\n---------\n\nHello there,\\\n"
                          "world.\n\n---\n\nMore text.\n").plan
    assert plan.title == "Title here"
    assert [(s.title, [b.narration for b in s.beats]) for s in plan.scenes] == [
        ("Scene one", ["Hello there, world.", "More text."])]


def test_inline_math_is_spoken_in_words_and_money_is_money():
    beats = _scene("With $f(x) = x^2$ and \\(\\alpha \\le \\frac{1}{2}\\), "
                   "$\\int_0^1 x\\,dx$ costs $5 or $6.\n\n- $a_n$ grows\n- $A^{-1}$ exists\n"
                   "\n").beats
    assert beats[0].narration == ("With f of x equals x squared and alpha is at most 1 over 2, "
                                  "the integral from 0 to 1 of x d x costs $5 or $6.")
    assert beats[0].visual.items == ["$a_n$ grows", "$A^{-1}$ exists"]  # shown as written


def test_a_quote_loses_its_own_quote_marks_and_a_list_before_a_visual_is_narrated():
    scene = _scene('> \u201cTo be.\u201d\n\n- one\n- two\n\nNow text.\n\n$$ x $$\n')
    quote, bullets, text = scene.beats
    assert quote.visual.text == "To be." and quote.narration == "To be."
    assert bullets.narration.endswith("two.") and text.visual.steps == ["x"]


def test_obsidian_and_pandoc_marks_are_read_as_they_mean():
    from flaming_horse.stages.images import referenced

    text = ("# Title {#top}\n\n## Scene one ##\n\nHello <!-- hidden --> there, see "
            "[[Page|the page]] and [[Other]] with ==marks== %%note%% and &amp; ok^[a note].\n\n"
            "- [x] done item\n- [ ] open item\n\nA picture.\n\n![[pic.png|A caption]]\n\n"
            "Another.\n\n![Alt](pic2.png){width=50%}\n\nLast.\n\n![[pic3.png|300]]\n")
    plan = compile_script(text, images=lambda source, line: source).plan
    scene = plan.scenes[0]
    assert (plan.title, scene.title) == ("Title", "Scene one")
    assert scene.beats[0].narration == "Hello there, see the page and Other with marks and & ok."
    assert scene.beats[0].visual.items == ["done item", "open item"]
    assert [(b.visual.source, b.visual.caption) for b in scene.beats[1:]] == [
        ("pic.png", "A caption"), ("pic2.png", "Alt"), ("pic3.png", None)]
    assert referenced(text) == ["pic.png", "pic2.png", "pic3.png"]


def test_only_a_list_from_1_breaks_into_a_paragraph():
    beats = _scene("It happened in\n1999. That was the year.\n\nSteps:\n1. one\n2. two\n").beats
    assert beats[0].narration == "It happened in 1999. That was the year." and not beats[0].visual
    assert beats[1].narration == "Steps:" and beats[1].visual.items == ["one", "two"]


ARRAY = """Searching.

```array
values: 3, 8, 15, 21, 34, 55, 89
pointers: lo=0, hi=6
- point mid=3
- compare mid
- discard lo..mid
- point lo=4, mid=5
- swap 0 1
- set mid 99
- found mid
```
"""


def test_an_array_block_is_a_figure_whose_steps_follow_the_pointers():
    from flaming_horse.authoring.figures.array import ArrayFigure, ArrayStep
    from flaming_horse.authoring.storyboard import anchor_steps

    figure = _scene(ARRAY).beats[0].visual
    assert isinstance(figure, ArrayFigure) and anchor_steps(figure) == 8
    assert figure.values == ["3", "8", "15", "21", "34", "55", "89"]  # as first shown
    assert figure.pointers == {"lo": 0, "hi": 6}
    assert figure.steps == [
        ArrayStep(op="point", pointers={"mid": 3}), ArrayStep(op="compare", cells=[3]),
        ArrayStep(op="discard", cells=[0, 1, 2, 3]),
        ArrayStep(op="point", pointers={"lo": 4, "mid": 5}), ArrayStep(op="swap", cells=[0, 1]),
        ArrayStep(op="set", cells=[5], value="99"), ArrayStep(op="found", cells=[5])]


@pytest.mark.parametrize("lines, line, words", [
    ("values: 1, 2\n- discard 0..5\n", 9, "index 5 is past the array's end"),
    ("values: 1, 2\npointers: lo=0\n- compare mid\n", 10, "'mid' is neither a cell index"),
    ("values: 1, 2\n- jump 1\n", 9, "unknown array step 'jump'"),
    ("pointers: lo=0\nvalues: 1, 2\n", 8, "'pointers:' before the 'values:' line"),
    ("values: 1, 2\n- swap 1\n", 9, "'swap' takes two cells"),
    ("values: 1, 2\n- discard 1..0\n", 9, "runs backwards"),
    ("values: 1, , 2\n", 8, "values separated by commas"),
    ("- point a=1\n", 8, "a step before the 'values:' line"),
    ("pointers: hi=7\n", 8, None),
])
def test_an_array_that_cannot_be_drawn_names_its_line(lines, line, words):
    with pytest.raises(ScriptError) as info:
        compile_script(f"# T\n\n## S\n\nText.\n\n```array\n{lines}```\n", "script.md")
    assert info.value.line == line and info.value.hint
    if words:
        assert words in info.value.message
    with pytest.raises(ScriptError, match="needs a 'values:' line"):
        compile_script("# T\n\n## S\n\nText.\n\n```array\n```\n", "script.md")
