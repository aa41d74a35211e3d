"""A geometry figure built for real: every element and step in one short scene renders inside
the frame with no text over text (mid-step too), each step starts moving on its word, and the
figure counts."""

from __future__ import annotations

import json
import re

import av
import numpy as np
import pytest

from flaming_horse_voice.cache import VoiceCache
from tests.helpers import fh

pytestmark = pytest.mark.slow
FPS = 15

SCRIPT = """# Geometry

## A construction

{1}A right triangle. {2}Build a square. {3}Count nine. {4}Stretch the leg. {5}Mark its \
middle. {6}Equal halves. {7}Circle the middle. {8}Sweep an arc. {9}Shade a part. {10}Join \
B. {11}Call it M. {12}Light up **AC**.

```geometry
points: A=(0,0), B=(3,0), C=(3,2)
polygon A B C
right-angle B
angle A degrees
label AB "a"
- square on AB grid "a²"
- count square on AB
- move C to (3, 4)
- point D=(1.5, 2)
- ticks AD DC
- circle D 1
- arc D B A
- shade A B D
- segment B D
- label D "M"
- highlight AC, square on AB
```
"""


def _frames(path) -> np.ndarray:
    """The grey frames below the scene title."""
    with av.open(str(path)) as container:
        return np.stack([f.to_ndarray(format="gray").astype(np.int16)[70:]
                         for f in container.decode(video=0)])


def _changed(a: np.ndarray, b: np.ndarray) -> int:
    """Pixels that changed clearly (the encoder's faint noise left out)."""
    return int((np.abs(b - a) > 25).sum())


def test_every_geometry_step_renders_clean_and_moves_on_its_word(tmp_path):
    script = tmp_path / "geometry.md"
    script.write_text(SCRIPT)
    fh("create", "geometry", "--topic", str(script), "--projects-dir", str(tmp_path / "p"),
       "-q", "low")
    project = tmp_path / "p" / "geometry"

    report = json.loads((project / "qc_report.json").read_text())
    layout = [c for c in report["checks"] if c["check"] == "layout"]
    assert [c["value"] for c in layout] == ["clean"], layout
    findings = json.loads(next((project / "media" / "scenes").glob(
        "scene_01-*.layout.json")).read_text())["findings"]
    assert findings == []  # mid-step too
    shares = {c["scope"]: c["value"] for c in report["checks"] if c["check"] == "figure_share"}
    assert shares["scene_01"]["share"] > 0.9

    code = (project / "scenes" / "scene_01.py").read_text()
    assert "kit.figure({'kind': 'geometry'" in code and "v1.part('AC')" in code  # **AC** flashes

    # each step starts moving on the frame its word is spoken
    spoken = json.loads((project / "narration.json").read_text())["scenes"]["scene_01"][0]
    before = [re.sub(r"<[^>]+>", "", part) for part in
              re.split(r'<bookmark mark="s\d+"/>', spoken)[:-1]]
    starts = [len(" ".join(before[:k + 1]).split()) for k in range(len(before))]
    assert len(starts) == 12  # {1} .. {12}: the figure, then its eleven steps
    entry = next(iter(VoiceCache(project / "media/voice/piper").entries().values()))
    words = entry.word_timings()
    frames = _frames(next((project / "media" / "scenes").glob("scene_01-*.mp4")))
    for step, index in enumerate(starts, start=1):
        frame = round(words[index].start * FPS)  # the step's first frame (within one)
        moved = _changed(frames[frame - 1], frames[frame + 2])  # it moves on its word,
        still = _changed(frames[frame - 3], frames[frame - 1]) if frame >= 3 else 0  # not before
        assert moved > 30 and still < moved / 4, (step, words[index].word, frame, moved, still)
