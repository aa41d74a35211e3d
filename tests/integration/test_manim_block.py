"""A ```manim block is the user's code for one beat: it renders as written, inside the beat's
voiceover (timed by ``tracker``), and a line of it that fails is named by its script line."""

from __future__ import annotations

import json

import pytest

from tests.helpers import events, fh

pytestmark = pytest.mark.slow

SCRIPT = """# Raw manim

## Circles

A circle is drawn, then a dot runs around it while this sentence is spoken.

```manim
circle = Circle(radius=1.5, color=BLUE)
dot = Dot(circle.point_from_proportion(0), color=YELLOW)
self.play(Create(circle), FadeIn(dot), run_time=1)
self.play(MoveAlongPath(dot, circle), run_time=max(1.0, tracker.duration - 1.5))
```

Then the list takes its place.

- The circle is gone
"""


def test_a_manim_block_renders_and_a_failing_line_names_the_script(tmp_path):
    script = tmp_path / "raw.md"
    script.write_text(SCRIPT)
    fh("create", "raw", "--topic", str(script), "--projects-dir", str(tmp_path / "p"), "-q", "low")
    project = tmp_path / "p" / "raw"
    source = (project / "scenes" / "scene_01.py").read_text()
    assert "# script.md line 8: manim block" in source and "MoveAlongPath(dot, circle)" in source
    assert "# author:" not in source  # the user's code: trusted, not boxed
    assert all(not e.get("boxed") for e in events(project, "render"))
    report = json.loads((project / "qc_report.json").read_text())
    assert report["passed"]
    layout = [c for c in report["checks"] if c["check"] == "layout"]
    assert layout and all(c["value"] == "clean" for c in layout)

    broken = SCRIPT.replace("self.play(MoveAlongPath", "self.play(Spin(dot))\nself.play(MoveAlongPath")
    (project / "script.md").write_text(broken)
    failed = fh("build", str(project), check=False)
    assert failed.returncode == 1
    assert "NameError" in failed.stderr and "Spin" in failed.stderr
    assert "script.md line 11: the failing line of that scene's manim block" in \
        " ".join(failed.stderr.split())
