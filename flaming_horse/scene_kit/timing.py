"""Split a beat's audio duration into whole-frame run times, so picture and audio end together.

Manim renders ``play(run_time=r)`` as ceil(r * fps) frames and a static ``wait(w)`` as
floor(w * fps) frames, and float error makes exact multiples of 1/fps land either way. So run
times are (k - 0.5) / fps and waits (k + 0.5) / fps: exactly k frames each, whichever way.

Given a manim-voiceover tracker, the beat also keeps a clock on the scene of where the audio
*should* end (the sum of clip durations so far) and ends on the frame nearest to it. Rounding
therefore never accumulates: the scene lasts the sum of its clips to within half a frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from manim import config


@dataclass(frozen=True)
class Timing:
    """Run times for ``steps`` animations spread over one beat, in seconds (all > 0).

    Play step 1, then ``wait(pause)`` and play the next, ..., then ``wait(rest)`` after the last.
    """

    steps: int
    run: float  # run_time of each animation
    pause: float  # wait between two animations
    rest: float  # wait after the last animation, to the end of the beat
    frames: int  # frames the whole beat takes
    fps: float

    @property
    def total(self) -> float:
        """The beat's length in seconds as rendered (whole frames)."""
        return self.frames / self.fps


def _play_time(frames: int, fps: float) -> float:
    return 1 / fps if frames == 1 else (frames - 0.5) / fps


def _wait_time(frames: int, fps: float) -> float:
    return (frames + 0.5) / fps


def split_frames(frames: int, steps: int, *, share: float = 0.4,
                 max_run_frames: int | None = None) -> tuple[int, int, int]:
    """(run, pause, rest) frame counts: ``steps`` equal slots, each animation taking ``share``.

    All three are >= 1. When ``frames`` < 2 * steps the beat is too short to honour that and the
    result runs over (by at most 2 * steps frames); otherwise steps*run + (steps-1)*pause + rest
    == frames exactly.
    """
    if steps <= 0:
        return 0, 0, max(frames, 1)
    slot = frames // steps
    if slot < 2:
        return 1, 1, 1
    run = max(1, round(slot * share))
    if max_run_frames is not None:
        run = min(run, max(1, max_run_frames))
    run = min(run, slot - 1)
    pause = slot - run
    rest = frames - steps * run - (steps - 1) * pause
    return run, pause, rest


def _beat_frames(tracker: Any, fps: float) -> int:
    """Frames from now to the frame nearest the ideal end of ``tracker``'s audio."""
    scene = tracker.scene
    now = float(scene.renderer.time)
    clock = getattr(scene, "_kit_clock", None)
    if clock is not None and clock[0] is tracker:
        start = clock[1]
    else:
        previous_end = getattr(scene, "_kit_audio_end", None)
        start = float(tracker.start_t)
        if previous_end is not None and abs(previous_end - start) < 1.5 / fps:
            start = previous_end
        scene._kit_clock = (tracker, start)
    end = start + float(tracker.duration)
    scene._kit_audio_end = end
    return round(end * fps) - round(now * fps)


def timing(beat: Any, steps: int, *, share: float = 0.4, max_run: float = 1.0) -> Timing:
    """Spread ``steps`` animations over a beat.

    ``beat`` is a voiceover tracker (preferred: keeps the scene clock) or a duration in seconds.
    ``share`` is the part of each step's slot spent animating; ``max_run`` caps one animation.
    """
    fps = float(config.frame_rate)
    if isinstance(beat, (int, float)):
        frames = math.floor(float(beat) * fps + 1e-6)
    else:
        frames = _beat_frames(beat, fps)
    run, pause, rest = split_frames(frames, steps, share=share,
                                    max_run_frames=max(1, round(max_run * fps)))
    used = steps * run + max(steps - 1, 0) * pause + rest
    return Timing(steps=steps, run=_play_time(max(run, 1), fps),
                  pause=_wait_time(max(pause, 1), fps), rest=_wait_time(rest, fps),
                  frames=used, fps=fps)
