"""An axes figure built by the real pipeline: every element and step of the ```axes block in one
short scene, its layout clean, a figure on screen, and each step starting on its word (seen in
the rendered frames: the part a step draws or moves starts changing on the frame its word is
spoken)."""

from __future__ import annotations

import json

import av
import numpy as np
import pytest

from flaming_horse_voice.cache import VoiceCache
from tests.helpers import fh

pytestmark = pytest.mark.slow
FPS = 15
W, H = 854, 480

SCRIPT = """# Axes

## Every step

{1}Two functions, f and g. {2}Place P on f. {3}Tangent at P. {4}Travel P further. {5}Secant \
with h one. {6}Shrink h now. {7}Shade between them. {8}Rectangles under f. {9}Refine to eight. \
{10}Draw k, above **f**.

```axes
x: -1, 4
y: -1, 9 "height"
f: x**2          "f(x) = x^2"
g: 2*x + 1
k: sqrt(x) + 6
- point P on f at 1
- tangent at P
- move P to 1.8
- secant P h=1
- shrink h to 0.1
- area between g and f from 0 to 1
- riemann f from 2.5 to 3 n=2 mid
- refine n=8
- draw k
```
"""
WORDS = ["place", "tangent", "travel", "secant", "shrink", "shade", "rectangles", "refine",
         "draw"]  # the anchor words of steps 2 to 10


def _frames(path) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.stack([f.to_ndarray(format="rgb24").astype(np.int16)
                         for f in container.decode(video=0)])


def _geometry(script) -> dict[str, tuple[int, int, int, int]]:
    """Pixel boxes (x0, y0, x1, y1) where a step first changes the picture, from the figure
    built as the scene builds it."""
    from manim import config, tempconfig

    from flaming_horse import scene_kit as kit
    from flaming_horse.authoring.script import compile_script
    from flaming_horse.scene_kit.axes_figure import LINE_GAP, PAD

    figure = compile_script(script, "s.md").plan.scenes[0].beats[0].visual
    with tempconfig({"pixel_width": W, "pixel_height": H, "frame_rate": FPS}):
        kit.configure()
        fig = kit.figure(figure.model_dump(mode="json"))
        fw, fh_ = config.frame_width, config.frame_height

        def pixels(a, b, c, d):
            return (int((a + fw / 2) / fw * W), int((fh_ / 2 - d) / fh_ * H),
                    int((c + fw / 2) / fw * W) + 1, int((fh_ / 2 - b) / fh_ * H) + 1)

        def box(x0, y0, x1, y1):
            (a, b, _), (c, d, _) = fig.c2p(x0, y0), fig.c2p(x1, y1)
            return pixels(a, b, c, d)

        def row(i):  # readout line i
            panel = fig.panel_bg
            top = panel.get_top()[1] - PAD - i * (fig.line_height + LINE_GAP)
            left = panel.get_left()[0] + PAD
            return pixels(left, top - fig.line_height, left + 1.5, top)  # its first words

        return {"point": box(0.97, 0.9, 1.03, 1.1),  # P lands at (1, 1) and leaves it
                "tangent": row(0), "secant": row(1), "area": row(2), "sum": row(3),
                "split": box(2.6, 1.0, 2.65, 3.0),  # where refining adds a rectangle's side
                "q": box(2.75, 7.6, 2.85, 8.1),  # the secant's second point, before it shrinks
                "k": box(0.0, 5.9, 0.1, 6.4)}  # where k starts


def _onset(active: np.ndarray, word: int) -> int | None:
    """The frame near ``word`` where a still region starts changing."""
    for frame in range(max(word - 2, 1), min(word + 4, len(active))):
        if active[frame] and not active[frame - 1]:
            return frame
    return None


def test_every_axes_step_moves_on_its_word(tmp_path):
    script = tmp_path / "axes.md"
    script.write_text(SCRIPT)
    fh("create", "axes", "--topic", str(script), "--projects-dir", str(tmp_path / "p"), "-q",
       "low")
    project = tmp_path / "p" / "axes"
    report = json.loads((project / "qc_report.json").read_text())
    checks = {(c["scope"], c["check"]): c for c in report["checks"]}
    assert checks[("scene_01", "layout")]["value"] == "clean"
    assert checks[("final", "figure_share")]["value"]["share"] > 0.9
    spoken = json.loads((project / "narration.json").read_text())["scenes"]["scene_01"][0]
    assert all(f'mark="s{k}"' in spoken for k in range(1, 11)) and 'mark="h1"' in spoken

    entry = next(iter(VoiceCache(project / "media/voice/piper").entries().values()))
    words = entry.word_timings()
    said = {key: round(next(w.start for w in words if w.word.lower().strip(".,").startswith(key))
                       * FPS) for key in WORDS}
    video = _frames(next((project / "media" / "scenes").glob("scene_01-*.mp4")))
    boxes = _geometry(SCRIPT)

    def active(name: str) -> np.ndarray:
        x0, y0, x1, y1 = boxes[name]
        part = video[:, y0:y1, x0:x1]
        # A readout line fades in over a third of its step: its brightest pixels gain about 33
        # levels a frame, its anti-aliased edges less, so the encoder alone can keep all but a few
        # of them under 30 for a frame or two (seen in CI). Its rows count a change from 20.
        level = 20 if name in ("tangent", "secant", "area", "sum") else 30
        changed = (np.abs(np.diff(part, axis=0)).max(axis=-1) > level).mean(axis=(1, 2))
        return np.concatenate([[False], changed > 0.04])  # encoding noise stays under this

    regions = {"place": "point", "tangent": "tangent", "travel": "point", "secant": "secant",
               "shrink": "q", "shade": "area", "rectangles": "sum", "refine": "split",
               "draw": "k"}
    starts = {key: _onset(active(name), said[key]) for key, name in regions.items()}
    late = {key: None if start is None else start - said[key] for key, start in starts.items()}
    assert all(d is not None and -1 <= d <= 2 for d in late.values()), str(late)  # frames
