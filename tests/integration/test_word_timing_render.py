"""Visuals land on the spoken word: checked on rendered frames, and in a hand-written scene."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import av
import numpy as np
import pytest

from flaming_horse_voice.cache import VoiceCache
from tests.helpers import fh

pytestmark = pytest.mark.slow
FPS = 15

FRUIT = """# Fruit

## Fruit

First comes the apple, a little later the **banana** arrives, and at the very end the cherry.

- Apple
- Banana
- Cherry
"""

HANDMADE = '''
import json
from manim import *
from manim_voiceover_plus import VoiceoverScene
from flaming_horse_voice import get_speech_service


class Handmade(VoiceoverScene):
    def construct(self):
        self.set_speech_service(get_speech_service("."))
        with self.voiceover(text='Here is a circle, <bookmark mark="sq"/>and here is a square.') as tracker:
            self.play(Create(Circle()), run_time=0.5)
            self.wait_until_bookmark("sq")
            reached = self.renderer.time
            self.play(Create(Square()), run_time=0.5)
        with open("reached.json", "w") as handle:
            json.dump({"sq": reached, "duration": tracker.duration}, handle)
'''


def _row_boxes(items: list[str]) -> list[tuple[int, int, int, int]]:
    """Pixel boxes (x0, y0, x1, y1) where each bullet row ends up at 854x480."""
    from manim import config, tempconfig

    from flaming_horse import scene_kit as kit

    with tempconfig({"pixel_width": 854, "pixel_height": 480, "frame_rate": FPS}):
        kit.configure()
        rows = kit.bullet_list(items).rows
        fw, fh_ = config.frame_width, config.frame_height
        boxes = []
        for row in rows:
            x0 = int((row.get_left()[0] + fw / 2) / fw * 854)
            x1 = int((row.get_right()[0] + fw / 2) / fw * 854)
            y0 = int((fh_ / 2 - row.get_top()[1]) / fh_ * 480)
            y1 = int((fh_ / 2 - row.get_bottom()[1]) / fh_ * 480)
            boxes.append((x0, y0, x1 + 1, y1 + 1))
    return boxes


def _frames(path) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.stack([f.to_ndarray(format="gray").astype(np.float32)
                         for f in container.decode(video=0)])


def bullets_appear_on_their_words(project, words, truth=None):
    """Each fruit bullet of scene 1 appears on the frame (±1) where its word starts in
    ``words`` (the times the render was given), and, with ``truth`` (exact word times), those
    times are within 200 ms of it. Returns the rendered file."""
    rendered = next((project / "media" / "scenes").glob("scene_01-*.mp4"))
    video = _frames(rendered)
    for key, (x0, y0, x1, y1) in zip(["apple", "banana", "cherry"],
                                     _row_boxes(["Apple", "Banana", "Cherry"])):
        said = next(w.start for w in words if w.word.lower().startswith(key))
        if truth is not None:
            exact = next(w.start for w in truth if w.word.lower().startswith(key))
            assert abs(said - exact) < 0.2, (key, said, exact)
        brightness = video[:, y0:y1, x0:x1].mean(axis=(1, 2))
        appears = int(np.argmax(brightness > brightness[0] + 2.0))
        assert brightness[appears] > brightness[0] + 2.0, f"{key} never appears"
        assert abs(appears - round(said * FPS)) <= 1, (key, appears, said * FPS)
    return rendered


def test_each_bullet_appears_on_the_frame_its_word_is_spoken(tmp_path):
    script = tmp_path / "fruit.md"
    script.write_text(FRUIT)
    fh("create", "fruit", "--topic", str(script), "--projects-dir", str(tmp_path / "p"))
    project = tmp_path / "p" / "fruit"
    spoken = json.loads((project / "narration.json").read_text())["scenes"]["scene_01"][0]
    assert spoken.count('mark="s') == 3  # anchored automatically to apple, banana, cherry
    assert spoken.count('mark="h1"') == 1  # **banana** is highlighted
    entry = next(iter(VoiceCache(project / "media/voice/piper").entries().values()))
    assert entry.timing == "piper-alignment"
    words = entry.word_timings()
    rendered = bullets_appear_on_their_words(project, words)
    # the highlighted term flashes in the accent colour within half a second of its word
    x0, y0, x1, y1 = _row_boxes(["Apple", "Banana", "Cherry"])[1]
    banana = round(next(w.start for w in words if w.word.lower().startswith("banana")) * FPS)
    with av.open(str(rendered)) as container:
        rgb = [f.to_ndarray(format="rgb24")[y0:y1, x0:x1].astype(int)
               for f in container.decode(video=0)]
    orange = [int(((c[..., 0] > 180) & (c[..., 2] < 140) & (c[..., 0] - c[..., 2] > 80)).sum())
              for c in rgb]
    assert max(orange[:banana]) == 0
    assert max(orange[banana:banana + FPS // 2 + 2]) > 20


def test_handwritten_scene_uses_bookmarks_with_our_piper_service_and_no_whisper(tmp_path):
    assert importlib.util.find_spec("whisper") is None  # no transcription model involved
    (tmp_path / "handmade.py").write_text(HANDMADE)
    proc = subprocess.run([sys.executable, "-m", "manim", "render", "-ql", "--media_dir",
                           str(tmp_path / "media"), "handmade.py", "Handmade"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert list((tmp_path / "media").rglob("Handmade.mp4"))
    reached = json.loads((tmp_path / "reached.json").read_text())
    entry = next(iter(VoiceCache(tmp_path / "media/voice/piper").entries().values()))
    word_and = next(w for w in entry.word_timings() if w.word == "and")
    assert abs(reached["sq"] - word_and.start) <= 1 / FPS
    assert len(VoiceCache(tmp_path / "media/voice/piper").entries()) == 1  # spoken once
    assert not (tmp_path / "log").exists()  # not a project: the cache, and no log of ours
