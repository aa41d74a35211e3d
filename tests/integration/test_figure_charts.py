"""The chart figures rendered for real in one build: every element and step of a ```numberline,
a ```bars and a ```distribution block, a clean layout, each step moving on its word, and the
time the figures are on screen counted."""

from __future__ import annotations

import json
import re

import av
import numpy as np
import pytest

from flaming_horse_voice.cache import VoiceCache
from tests.helpers import fh

pytestmark = pytest.mark.slow

# One scene per figure, so each figure's first beat starts its scene's video; the anchored
# words are a sentence apart, so each step starts after a still moment.
SCRIPT = """# Charts

## Line

{1}Here is the line with a point. {2}Next, b drops in. {3}Then an interval sweeps across. \
{4}Later a ray runs right. {5}Now a slides along. {6}Finally, **A** flashes.

```numberline
range: -3, 5
point 2 "a"
interval (0, 3] "A"
- point -1 b
- interval -2 to 1 closed-open
- interval 4 to inf "x > 4"
- move a to 4.5
- highlight A
```

## Bars

{1}Here are the bars. {2}Next, they grow from nothing. {3}Then seven gains two. \
{4}Later two becomes three. {5}Finally, seven lights up.

```bars
bars: 2=1, 3=2, 4=3, 5=2, 6=1, 7=3
y: 0, 6 "count"
x: "sum"
- grow
- add 7=2, 6
- set 2=3
- highlight 7
```

## Curve

{1}Here is the bell curve with its mean. {2}Next, the spread. {3}Then one sigma either side. \
{4}Later, a right tail. {5}Finally, the curve widens.

```distribution
normal: mean=0, sd=1
x: -4, 4 "z"
mean
- sd
- shade -1 to 1
- shade 2 to inf "tail"
- set sd=1.5
```
"""
ANCHORS = {"scene_01": ["next", "then", "later", "now", "finally"],
           "scene_02": ["next", "then", "later", "finally"],
           "scene_03": ["next", "then", "later", "finally"]}


def _motion(path) -> tuple[np.ndarray, float]:
    """How many pixels of each frame changed by more than 12 grey levels from the one before
    (the encoder's noise stays under that), and the fps."""
    with av.open(str(path)) as container:
        fps = float(container.streams.video[0].average_rate)
        frames = [f.to_ndarray(format="gray").astype(np.float32)
                  for f in container.decode(video=0)]
    video = np.stack(frames)
    changed = (np.abs(np.diff(video, axis=0)) > 12).sum(axis=(1, 2))
    return np.concatenate([[0], changed]), fps


def test_chart_figures_render_clean_and_each_step_moves_on_its_word(tmp_path):
    script = tmp_path / "charts.md"
    script.write_text(SCRIPT)
    fh("create", "charts", "--topic", str(script), "--projects-dir", str(tmp_path / "p"),
       "-q", "low")
    project = tmp_path / "p" / "charts"
    report = json.loads((project / "qc_report.json").read_text())
    checks = {(c["scope"], c["check"]): c for c in report["checks"]}
    for scene in ANCHORS:
        assert checks[(scene, "layout")]["value"] == "clean", checks[(scene, "layout")]
    assert checks[("final", "figure_share")]["value"]["share"] > 0.8

    narration = json.loads((project / "narration.json").read_text())["scenes"]
    entries = list(VoiceCache(project / "media/voice/piper").entries().values())
    for scene, anchors in ANCHORS.items():
        spoken = narration[scene][0]
        assert [int(m) for m in re.findall(r'mark="s(\d+)"', spoken)] == \
            list(range(1, len(anchors) + 2))
        code = (project / "scenes" / f"{scene}.py").read_text()
        assert "kit.figure(" in code
        entry = next(e for e in entries if _same_text(e.text, spoken))
        words = entry.word_timings()
        motion, fps = _motion(next((project / "media" / "scenes").glob(f"{scene}-*.mp4")))
        moving = motion > 20
        at = 0
        for key in anchors:  # step 1 (the figure appearing) starts with the scene
            at = next(i for i in range(at, len(words)) if words[i].word.lower().startswith(key))
            frame = round(words[at].start * fps)
            assert not moving[frame - 3:frame - 1].any(), (scene, key,
                                                           motion[frame - 6:frame + 3])
            assert moving[frame:frame + 2].any(), (scene, key, motion[frame - 3:frame + 3])
    assert 'mark="h1"' in narration["scene_01"][0]  # **A** flashes its interval


def _same_text(text: str | None, spoken: str) -> bool:
    """Whether a voice clip says the narration ``spoken`` (its bookmarks dropped)."""
    plain = " ".join(re.sub(r"<[^>]+>", "", spoken).split())
    return bool(text) and " ".join(text.split())[:30] == plain[:30]
