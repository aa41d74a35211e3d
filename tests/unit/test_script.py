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
    ("## S\n\nCost is $5 or $6.\n", 5, "inline '$...$' math"),
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
