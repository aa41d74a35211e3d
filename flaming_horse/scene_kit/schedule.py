"""When each step of a beat's visual starts: on its bookmark (the word it is anchored to) when it
has one, spread evenly between anchors otherwise. All in whole frames, on the scene's clock, so a
step starts on the frame nearest its word and the beat still ends with its audio.

    s = kit.schedule(tracker, 3, marks=["s1", None, "s3"])
    s.play(self, 0, FadeIn(rows[0]))
    ...
    s.finish(self)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from manim import Indicate, config, rate_functions

from flaming_horse.scene_kit import palette

from flaming_horse.scene_kit.timing import _beat_frames, _play_time, _wait_time


def _frame(seconds: float, fps: float) -> int:
    return int(round(seconds * fps))


def _eased(animations: Sequence[Any]) -> list[Any]:
    """Animations with manim's default pace (smooth) eased out instead: the step is visible from
    its first frame, on its word, then settles. One with its own pace keeps it: a pulse
    (Indicate goes there and back) or a steady motion (linear)."""
    from manim.animation.animation import prepare_animation

    prepared = [prepare_animation(a) for a in animations]
    for animation in prepared:
        if getattr(animation, "rate_func", None) is rate_functions.smooth:
            animation.rate_func = rate_functions.ease_out_cubic
    return prepared


def start_frames(total: int, steps: int, anchors: Sequence[int | None]) -> list[int]:
    """Start frame (from the beat's start) of each step: anchors where given, the rest spread
    linearly between their neighbours (the beat's start and end stand in at the edges)."""
    known = {-1: 0} | {i: min(max(a, 0), max(total - 1, 0)) for i, a in enumerate(anchors)
                       if a is not None}
    known.setdefault(steps, total)
    if 0 not in known:
        known[0] = 0  # an unanchored first step starts with the beat
    points = sorted(known.items())
    starts: list[int] = []
    for i in range(steps):
        if i in known:
            starts.append(known[i])
            continue
        (ia, fa), (ib, fb) = next((p, q) for p, q in zip(points, points[1:]) if p[0] < i < q[0])
        starts.append(fa + round((fb - fa) * (i - ia) / (ib - ia)))
    for i in range(1, steps):  # each step at least one frame after the one before
        starts[i] = max(starts[i], starts[i - 1] + 1)
    return starts


@dataclass
class Schedule:
    fps: float
    begin: int  # absolute frame where the beat started
    end: int  # absolute frame where the beat's audio ends
    starts: list[int]  # absolute start frame of each step
    runs: list[int]  # frames each step's animation takes
    marks: list[str | None]
    flashes: list[tuple[int, Any]] = field(default_factory=list)  # (absolute frame, mobject)
    played: list[float] = field(default_factory=list)  # renderer time each step really started

    def _now(self, scene: Any) -> int:
        return _frame(float(scene.renderer.time), self.fps)

    def _wait_until(self, scene: Any, frame: int) -> None:
        gap = frame - self._now(scene)
        if gap > 0:
            scene.wait(_wait_time(gap, self.fps))

    def _flash_until(self, scene: Any, frame: int, limit: int) -> None:
        """Flash each highlighted term due before ``frame``, on its word, if it is on screen;
        a flash ends by ``limit`` (the next step's start)."""
        while self.flashes and self.flashes[0][0] < frame:
            at, target = self.flashes.pop(0)
            if target not in scene.get_mobject_family_members():
                continue  # not shown (yet): nothing to point at
            self._wait_until(scene, at)
            run = max(1, min(round(0.6 * self.fps), limit - self._now(scene)))
            scene.play(Indicate(target, color=palette.ACCENT_2, scale_factor=1.08),
                       run_time=_play_time(run, self.fps))

    def play(self, scene: Any, step: int, *animations: Any) -> None:
        """Wait for step ``step``'s frame, then play its animations over its run frames."""
        self._flash_until(scene, self.starts[step], self.starts[step])
        self._wait_until(scene, self.starts[step])
        self.played.append(float(scene.renderer.time))
        log = getattr(scene, "_kit_timeline", None)
        if log is None:
            log = scene._kit_timeline = []
        log.append({"step": step, "mark": self.marks[step], "time": float(scene.renderer.time)})
        run = self.runs[step]
        start = self.starts[step]
        due = [at for at, _ in self.flashes if at < start + run]
        if due:  # a term is highlighted during this step: be quick, so the flash follows its word
            run = max(1, min(run, due[0] + round(0.3 * self.fps) - start))
        scene.play(*_eased(animations), run_time=_play_time(run, self.fps))
        following = self.starts[step + 1] if step + 1 < len(self.starts) else self.end
        self._flash_until(scene, start + run + 1, following)

    def finish(self, scene: Any) -> None:
        """Hold the picture until the beat's audio ends (to the nearest frame)."""
        self._flash_until(scene, self.end, self.end)
        self._wait_until(scene, self.end)


def schedule(tracker: Any, steps: int, *, marks: Sequence[str | None] | None = None,
             flashes: Sequence[tuple[str, Any]] = (), share: float = 0.4,
             max_run: float = 1.0) -> Schedule:
    """Plan ``steps`` animations over the beat of ``tracker`` (a manim-voiceover tracker).

    ``marks[i]`` names the bookmark step i waits for (None: spread evenly). Each animation takes
    ``share`` of the time to the next step, at most ``max_run`` seconds, at least one frame.
    ``flashes`` are (bookmark, mobject) pairs: the mobject is flashed when its word is spoken.
    """
    fps = float(config.frame_rate)
    scene = tracker.scene
    begin = _frame(float(scene.renderer.time), fps)
    total = _beat_frames(tracker, fps)
    marks = (list(marks or []) + [None] * steps)[:steps]
    times = getattr(tracker, "bookmark_times", {})
    anchors = [(_frame(times[m], fps) - begin) if m and m in times else None for m in marks]
    starts = start_frames(total, steps, anchors)
    runs = []
    for i, start in enumerate(starts):
        following = starts[i + 1] if i + 1 < steps else total
        runs.append(max(1, min(round((following - start) * share), round(max_run * fps))))
    due = sorted(((_frame(times[m], fps), target) for m, target in flashes if m in times),
                 key=lambda pair: pair[0])
    return Schedule(fps, begin, begin + total, [begin + s for s in starts], runs, marks,
                    flashes=due)
