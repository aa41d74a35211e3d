"""A vectors figure built for real: every element and step in one short scene renders inside the
frame with no text over text, each step starts moving on its word, and the figure counts."""

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

SCRIPT = """# Vectors

## The plane

{1}A plane with its basis and v. {2}Draw w. {3}Add **v** and w. {4}v is one i hat and one j \
hat. {5}Double v. {6}Now stretch the plane. {7}The columns land here. {8}Two lines stay put. \
{9}Shade the square. {10}And back to the start.

```vectors
range: 5
basis
v = (1, 1) "v"
- draw w = (-1, 1)
- sum v w
- combine v
- scale v 2 "2v"
- apply [[1, 0.5], [0.5, 1]] "stretch"
- columns
- eigen
- area
- reset
```
"""


def _frames(path) -> list[np.ndarray]:
    """The video's frames in grey, below the scene title."""
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="gray").astype(np.int16)[70:]
                for f in container.decode(video=0)]


def _changed(frames: list[np.ndarray], a: int, b: int) -> int:
    """How many pixels differ clearly between frames a and b (the encoder's faint noise and a
    fade's small per-frame steps left out)."""
    return int((np.abs(frames[b] - frames[max(a, 0)]) > 40).sum())


def test_every_vectors_step_renders_clean_and_moves_on_its_word(tmp_path):
    script = tmp_path / "vectors.md"
    script.write_text(SCRIPT)
    fh("create", "vectors", "--topic", str(script), "--projects-dir", str(tmp_path / "p"),
       "-q", "low")
    project = tmp_path / "p" / "vectors"

    report = json.loads((project / "qc_report.json").read_text())
    layout = [c for c in report["checks"] if c["check"] == "layout"]
    assert [c["value"] for c in layout] == ["clean"], layout
    findings = json.loads(next((project / "media" / "scenes").glob(
        "scene_01-*.layout.json")).read_text())["findings"]
    assert findings == []  # mid-transition too
    shares = {c["scope"]: c["value"] for c in report["checks"] if c["check"] == "figure_share"}
    assert shares["scene_01"]["share"] > 0.9

    code = (project / "scenes" / "scene_01.py").read_text()
    assert "kit.figure({'kind': 'vectors'" in code and "v1.part('v')" in code  # **v** flashes

    # each step starts moving on the frame its word is spoken
    spoken = json.loads((project / "narration.json").read_text())["scenes"]["scene_01"][0]
    before = [re.sub(r"<[^>]+>", "", part) for part in
              re.split(r'<bookmark mark="s\d+"/>', spoken)[:-1]]
    starts = [len(" ".join(before[:k + 1]).split()) for k in range(len(before))]
    assert len(starts) == 10  # {1} .. {10}: the plane, then its nine steps
    entry = next(iter(VoiceCache(project / "media/voice/piper").entries().values()))
    words = entry.word_timings()
    frames = _frames(next((project / "media" / "scenes").glob("scene_01-*.mp4")))
    ops = ["show"] + [step["op"] for step in json.loads((project / "plan.json").read_text())[
        "plan"]["scenes"][0]["beats"][0]["visual"]["steps"]]
    for step, index in enumerate(starts, start=1):
        frame = round(words[index].start * FPS)  # within a frame of it, the step starts moving
        moving = _changed(frames, frame - 1, frame + 3)
        assert moving > 150, (step, ops[step - 1], words[index].word, frame, moving)
        if step > 1 and ops[step - 2] not in ("apply", "reset"):  # (a plane glides to the end)
            still = _changed(frames, frame - 4, frame - 1)  # and not before
            assert still < moving / 4, (step, ops[step - 1], words[index].word, frame, still)
