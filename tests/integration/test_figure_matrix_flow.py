"""A real build of a mini-lesson with a matrix product, a table and a compiler pipeline: the
figures stay clean (no text off the frame or over text), each step starts moving on its word,
and the figures are on screen."""

from __future__ import annotations

import json
import re
from pathlib import Path

import av
import numpy as np
import pytest

from flaming_horse_voice.cache import VoiceCache
from tests.helpers import fh

pytestmark = pytest.mark.slow
FPS = 15

LESSON = """# Row times column

## Multiplying matrices

{1}To multiply A by B, {2}take the first row of A {3}and the first column of B.
{4}Multiply pairs and add them up. {5}The second row times the second column {6}fills the
corner.

```matrix
A: 1 2 | 3 4
B: 5 6 | 7 8
C: ? ? | ? ?
show: A × B = C
- row A 1
- column B 1
- multiply 1 1
- row A 2
- multiply 2 2
```

## Tokens

{1}A lexer turns text into a table. {2}Each token has a kind. {3}Look at the third row: the
equals sign is a **symbol**, a sign of its own. {4}The last entry needs more care, it is {5}an
integer.

```matrix
row: Token, Kind
row: x, name
row: =, symbol
row: 42, number
header: row
- column Kind
- row 3
- cell 4 2
- set 4 2 = integer
```

## The pipeline

{1}A compiler is a pipeline. {2}The **lexer** splits the text into tokens. {3}Then the
program flows from the source through the parser to the generator. {4}When the input is
wrong, {5}the parser sends it to the errors box instead.

```flow
direction: right
boxes: Source, Lexer, Parser, Generator, Errors
Lexer: splits text into tokens
Source -> Lexer -> Parser -> Generator
Parser -> Errors : bad input
- highlight Lexer
- trace Source Lexer Parser Generator
- reveal Errors
- highlight "Parser -> Errors" Errors
```
"""


def _frames(path) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.stack([f.to_ndarray(format="gray").astype(np.int16)
                         for f in container.decode(video=0)])


def _anchors(spoken: str) -> dict[int, int]:
    """Step number -> the index of the word its bookmark stands before (words as split by
    spaces, bookmarks left out)."""
    found = {}
    for mark, before in ((m.group(1), spoken[:m.start()])
                         for m in re.finditer(r'<bookmark mark="s(\d+)"/>', spoken)):
        found[int(mark)] = len(re.sub(r"<[^>]+>", " ", before).split())
    return found


def test_a_lesson_with_matrices_and_a_flow_builds_clean_and_moves_on_its_words(tmp_path):
    script = tmp_path / "lesson.md"
    script.write_text(LESSON)
    fh("create", "lesson", "--topic", str(script), "--projects-dir", str(tmp_path / "p"),
       "-q", "low")
    check_lesson(tmp_path / "p" / "lesson")


def check_lesson(project: Path) -> None:
    report = json.loads((project / "qc_report.json").read_text())
    layout = [c for c in report["checks"] if c["check"] == "layout"]
    assert len(layout) == 3 and all(c["value"] == "clean" for c in layout), layout
    shares = {c["scope"]: c["value"]["share"] for c in report["checks"]
              if c["check"] == "figure_share"}
    assert all(shares[f"scene_0{k}"] > 0.8 for k in (1, 2, 3)), shares
    assert shares["final"] > 0.8

    sources = [(project / "scenes" / f"scene_0{k}.py").read_text() for k in (1, 2, 3)]
    assert all("kit.figure(" in s for s in sources)
    assert "v1.part('cell 0 3 2')" in sources[1]  # **symbol** flashes its cell
    assert "v1.part('box Lexer')" in sources[2]  # **lexer** flashes its box

    spoken = json.loads((project / "narration.json").read_text())["scenes"]
    clips = {e.text: e for e in VoiceCache(project / "media/voice/piper").entries().values()}
    for k in (1, 2, 3):
        narration = spoken[f"scene_0{k}"][0]
        anchors = _anchors(narration)
        assert sorted(anchors) == [1, 2, 3, 4, 5, 6][:len(anchors)] and len(anchors) >= 5
        entry = next(e for text, e in clips.items() if text and text.split()[:3]
                     == re.sub(r"<[^>]+>", " ", narration).split()[:3])
        words = entry.word_timings()
        video = _frames(next((project / "media" / "scenes").glob(f"scene_0{k}-*.mp4")))
        moving = (np.abs(np.diff(video, axis=0)) > 12).sum(axis=(1, 2))  # [i]: i -> i + 1
        spoken_words = re.sub(r"<[^>]+>", " ", narration).split()
        assert [w.word for w in words] == spoken_words
        for step, at in sorted(anchors.items()):
            frame = round(words[at].start * FPS)
            if step > 1:  # still just before the word (the step before has settled) ...
                assert moving[frame - 2] < 30, (k, step, frame, moving[frame - 4:frame + 4])
            # ... and moving from the word on (frame - 1 -> frame is the first change)
            assert moving[frame - 1:frame + 2].max() > 60, (k, step, frame,
                                                           moving[frame - 4:frame + 4])
