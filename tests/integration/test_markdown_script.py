"""Markdown as people write it builds into a video: display math over several lines, \\[ \\],
an aligned derivation, a 12-step chain of equalities, a scene that is only a list, numbered lists,
a quote, a table, an image and an array figure; every scene stays inside the frame (0 layout
findings)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.helpers import events, fh

CHAIN = " = ".join(["(x+1)^2"] + [f"x^2 + 2x + 1 + {k} - {k}" for k in range(1, 13)])

SCRIPT = f"""---
title: Markdown as people write it
---

## Display math

The theorem, then the hypotenuse.

$$
a^2 + b^2 = c^2
$$

\\[
c = \\sqrt{{a^2 + b^2}}
\\]

Expanding a square, row by row.

$$
\\begin{{aligned}}
(a+b)^2 &= (a+b)(a+b) \\\\
        &= a^2 + 2ab + b^2
\\end{{aligned}}
$$

A chain of twelve equalities.

$$
{CHAIN}
$$

## Recap

- Formulas can span lines
- Long chains become steps

## Blocks

The steps, in order.

1. Measure
2. Square
3. Add

> Geometry is the art of correct reasoning from incorrectly drawn figures.
>
> \u2014 Henri Poincar\u00e9

Some values of $a^2 + b^2$.

| a | b | c |
|:--|:-:|--:|
| 3 | 4 | 5 |
| 5 | 12 | 13 |
| $a$ | $b$ | $\\sqrt{{a^2 + b^2}}$ |

A picture of them.

![A test card](pictures/card.png)

## Searching

{{1}}A sorted array, {{2}}its middle, {{3}}compared, {{4}}the left half gone, {{5}}a new middle,
and {{6}}found.

```array
values: 3, 8, 15, 21, 34, 55, 89
pointers: lo=0, hi=6
- point mid=3
- compare mid
- discard lo..mid
- point lo=4, mid=5
- found mid
```
"""


def _picture(path: Path, pattern: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"{pattern}=size=320x240", "-frames:v", "1", str(path)], check=True)


def test_markdown_as_people_write_it_builds_inside_the_frame(tmp_path):
    talk = tmp_path / "talk"  # the script and its picture, where the user keeps them
    talk.mkdir()
    (talk / "script.md").write_text(SCRIPT)
    _picture(talk / "pictures" / "card.png", "testsrc")
    created = fh("create", "md", "--topic", str(talk / "script.md"), "--projects-dir",
                 str(tmp_path / "projects"), "-q", "low")
    project = tmp_path / "projects" / "md"
    assert "copied pictures/card.png into the project" in " ".join(created.stdout.split())
    assert (project / "pictures" / "card.png").read_bytes() == \
        (talk / "pictures" / "card.png").read_bytes()

    plan = json.loads((project / "plan.json").read_text())["plan"]
    assert plan["title"] == "Markdown as people write it"
    maths, recap, blocks, search = plan["scenes"]
    assert search["beats"][0]["visual"]["kind"] == "array"
    assert "*v1.point(lo=4, mid=5)" in (project / "scenes" / "scene_04.py").read_text()
    steps = [b["visual"]["steps"] for b in maths["beats"]]
    assert steps[0] == ["a^2 + b^2 = c^2", "c = \\sqrt{a^2 + b^2}"]
    assert steps[1] == ["(a+b)^2 = (a+b)(a+b)", "(a+b)^2 = a^2 + 2ab + b^2"]
    assert len(steps[2]) == 12 and all(s.startswith("(x+1)^2 = ") for s in steps[2])
    assert recap["beats"][0]["narration"].endswith("Long chains become steps.")
    assert blocks["beats"][2]["narration"] == "Some values of a squared plus b squared."
    kinds = [b["visual"]["kind"] for b in blocks["beats"]]
    assert kinds == ["bullets", "quote", "table", "image"]
    assert blocks["beats"][0]["visual"]["start"] == 1
    image = blocks["beats"][3]["visual"]
    assert (project / image["file"]).is_file() and image["file"].startswith("media/images/")

    report = json.loads((project / "qc_report.json").read_text())
    layout = [c for c in report["checks"] if c["check"] == "layout"]
    assert len(layout) == 4 and all(c["value"] == "clean" for c in layout), layout
    # figure_share: text and formulas only is 0; the array figure is on screen nearly throughout
    figures = {c["scope"]: c["value"] for c in report["checks"] if c["check"] == "figure_share"}
    assert figures["scene_01"]["share"] == 0.0 and figures["scene_02"]["share"] == 0.0
    assert figures["scene_04"]["share"] > 0.8 and 0 < figures["final"]["share"] < 0.5
    assert {c["check"] for c in report["checks"] if c["scope"] == "final"} >= {
        "held_share", "figure_share"}
    assert (project / "final_video.mp4").stat().st_size > 0

    # a changed picture (same name) re-plans and re-renders its scene only
    rendered = len(events(project, "rendered"))
    _picture(project / "pictures" / "card.png", "smptebars")
    fh("build", str(project), "--quality", "low")
    again = [e["scene"] for e in events(project, "rendered")[rendered:]]
    assert again == ["scene_03"]
    new = json.loads((project / "plan.json").read_text())["plan"]["scenes"][2]["beats"][3]
    assert new["visual"]["file"] != image["file"]
