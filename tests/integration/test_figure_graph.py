"""A graph figure rendered for real: every element and step of a ```graph block, a clean layout,
each step moving on its word, and the time the figure is on screen counted."""

from __future__ import annotations

import json
import re

import av
import numpy as np
import pytest

from flaming_horse_voice.cache import VoiceCache
from tests.helpers import fh

pytestmark = pytest.mark.slow

# every element (declared nodes, directed weighted edges, a tree from a root, a spring layout)
# and every step; the first paragraph's anchored words are far apart, so each step's start
# stands out from a still picture
SCRIPT = """# Graph

## A little tree

{1}Here is a small tree of roads. {2}First we visit the root. {3}Then its children wait in a \
queue. {4}Suddenly the left road lights up. {5}Meanwhile **B** sits two roads from the root. \
{6}Finally the path runs down the right side. {7}Afterwards the queue is empty again.

```graph
nodes: A B C D E
directed: yes
layout: tree from A
edges: A-B:2, A-C:5, B->D:1, C->E:3
- visit A
- queue B C
- highlight A-B
- label B=2
- path A C E
- queue
```

{1}A loop of three, {2}with a stack.

```graph
layout: spring
edges: X-Y, Y-Z, Z-X
- stack X Y
```
"""
ANCHORS = ["here", "first", "then", "suddenly", "meanwhile", "finally", "afterwards"]


def _motion(path) -> tuple[np.ndarray, float]:
    """Mean absolute change of each frame from the one before (grey levels), and the fps."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate)
        frames = [f.to_ndarray(format="gray").astype(np.float32)
                  for f in container.decode(video=0)]
    video = np.stack(frames)
    return np.concatenate([[0.0], np.abs(np.diff(video, axis=0)).mean(axis=(1, 2))]), fps


def test_a_graph_renders_clean_and_each_step_moves_on_its_word(tmp_path):
    script = tmp_path / "graph.md"
    script.write_text(SCRIPT)
    fh("create", "graph", "--topic", str(script), "--projects-dir", str(tmp_path / "p"),
       "-q", "low")
    project = tmp_path / "p" / "graph"
    report = json.loads((project / "qc_report.json").read_text())
    checks = {(c["scope"], c["check"]): c for c in report["checks"]}
    assert checks[("scene_01", "layout")]["value"] == "clean"
    assert checks[("final", "figure_share")]["value"]["share"] > 0.9

    spoken = json.loads((project / "narration.json").read_text())["scenes"]["scene_01"][0]
    assert [int(m) for m in re.findall(r'mark="s(\d+)"', spoken)] == list(range(1, 8))
    assert 'mark="h1"' in spoken  # **B** flashes its node
    scene_code = (project / "scenes" / "scene_01.py").read_text()
    assert "kit.figure(" in scene_code and "'kind': 'graph'" in scene_code

    entry = next(e for e in VoiceCache(project / "media/voice/piper").entries().values()
                 if "small tree" in (e.text or ""))  # the first beat: it starts the video
    words = entry.word_timings()
    motion, fps = _motion(next((project / "media" / "scenes").glob("scene_01-*.mp4")))
    moving = motion > 0.02
    at = 0
    for key in ANCHORS[1:]:  # step 1 (the figure appearing) starts with the scene
        at = next(i for i in range(at, len(words)) if words[i].word.lower().startswith(key))
        frame = round(words[at].start * fps)
        assert not moving[frame - 3:frame - 1].any(), (key, motion[frame - 6:frame + 3])
        assert moving[frame:frame + 2].any(), (key, motion[frame - 3:frame + 3])
