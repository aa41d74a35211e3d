"""What the chart figures (number lines, bar charts, distributions) share: number and label
text, ticks, and ``Enter``, the animation that adds a step's new parts to a figure on the step's
first frame.

A step's animations are made before the schedule waits for the step's word, so a part added to
the figure then would show during that wait; ``Enter`` adds it when the animation starts:

    part = self._point(...)                       # made, not yet in the figure
    return [Enter(self, FadeIn(part), parts=[part])]

Moving parts follow ``ValueTracker``s through an updater that redraws them (a bar's height, a
point's place, a curve's parameters), so a step animates the trackers and everything drawn from
them moves along.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Iterable, Sequence

import numpy as np
from manim import (
    NORMAL, AnimationGroup, Circle, Mobject, Text, UpdateFromAlphaFunc, VMobject, linear,
)

from flaming_horse.scene_kit import palette
from flaming_horse.scene_kit.glyphs import face
from flaming_horse.scene_kit.labels import (
    Rect, centre, centre_on, overlap, place, rect, segment_array, segment_hits,
)
from flaming_horse.scene_kit.layout import tag_font

SERIES = (palette.ACCENT, palette.GOOD, "#C792EA", palette.ACCENT_2)  # one colour per interval


def fmt(value: float, digits: int = 2) -> str:
    """``value`` as it is read aloud on a chart: 3, -1.5, 0.25 (a true minus sign)."""
    text = f"{round(float(value), digits):.{digits}f}".rstrip("0").rstrip(".")
    if text in ("-0", "", "-"):
        text = "0"
    return text.replace("-", "\u2212")


def percent(p: float) -> str:
    """A probability as the chart shows it: 68.3%, 0.1%, 100%."""
    value = max(0.0, min(1.0, float(p))) * 100
    if value >= 99.95 and p < 1:
        return ">99.9%"
    if 0 < value < 0.05:
        return "<0.1%"
    return f"{fmt(value, 1)}%"


@lru_cache(maxsize=512)
def _text(content: str, size: float, color: str, weight: str) -> Text:
    return tag_font(Text(content, font=palette.FONT, font_size=size, color=color,
                         weight=weight), size)


def label(content: str, size: float = palette.LABEL_SIZE, color: str = palette.TEXT,
          weight: str = NORMAL) -> Text:
    """A kit text (its font size recorded for QC); the same text is made once, then copied, so
    a label redrawn on every frame (a count going up) costs a copy."""
    return _text(str(content), float(size), color, weight).copy()


def ticks(lo: float, hi: float, step: float) -> list[float]:
    """The multiples of ``step`` from ``lo`` to ``hi`` (zero included)."""
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    return [round(k * step, 10) + 0.0 for k in range(first, last + 1)]


def rects(mobs: Iterable[Mobject | None], pad: float = 0.0) -> list[Rect]:
    """The boxes of the visible mobjects among ``mobs``, grown by ``pad`` on every side (for
    labels.place to avoid)."""
    found = []
    for mob in mobs:
        if mob is not None and any(max(m.get_fill_opacity(), m.get_stroke_opacity()) > 0.05
                                   for m in mob.family_members_with_points()):
            x0, y0, x1, y1 = rect(mob)
            found.append((x0 - pad, y0 - pad, x1 + pad, y1 + pad))
    return found


def polyline(points: Sequence[np.ndarray] | np.ndarray, mob: VMobject | None = None) -> VMobject:
    """``mob`` (or a new VMobject) drawn through ``points`` with straight pieces; fewer than two
    points give an empty path."""
    mob = mob if mob is not None else VMobject()
    pts = np.asarray(points, dtype=float)
    if len(pts) >= 2:
        mob.set_points_as_corners(pts)
    else:
        mob.clear_points()
    return mob


class Enter(AnimationGroup):
    """``animations`` played on ``figure``'s parts; ``parts`` join the figure (and the figure the
    scene) as the animation starts, not when it is made, ``passing`` parts (a ripple) join it
    for the animation only (then the figure's ``restack()``, if it has one, orders its parts). The figure's updaters keep running, so parts drawn from trackers
    move while the trackers do."""

    def __init__(self, figure: Mobject, *animations, parts: Sequence[Mobject] = (),
                 passing: Sequence[Mobject] = (), **kwargs) -> None:
        super().__init__(*animations, group=figure, suspend_mobject_updating=False, **kwargs)
        self.figure = figure
        self.parts = [*parts, *passing]
        self.passing = list(passing)  # parts that leave the figure again at the end

    def _setup_scene(self, scene) -> None:
        for part in self.parts:
            if part not in self.figure.submobjects:
                self.figure.add(part)
                part.update(0)  # drawn from its trackers before the first frame
        restack = getattr(self.figure, "restack", None)
        if restack is not None:
            restack()
        if scene is not None and self.figure not in scene.get_mobject_family_members():
            scene.add(self.figure)
        super()._setup_scene(scene)

    def clean_up_from_scene(self, scene) -> None:
        super().clean_up_from_scene(scene)
        self.figure.remove(*self.passing)


def clash(text: Mobject, avoid_rects: Sequence[Rect] = (), avoid_segments: Sequence = (),
          box=None) -> float:
    """How much ``text`` touches: the share of it other boxes cover, the share of sample points
    of each segment inside it, and how far it pokes out of ``box``."""
    r = rect(text)
    area = max((r[2] - r[0]) * (r[3] - r[1]), 1e-9)
    cost = sum(overlap(r, o) for o in avoid_rects) / area
    cost += segment_hits(r, avoid_segments if isinstance(avoid_segments, np.ndarray)
                         else segment_array(avoid_segments))
    if box is not None:
        cost += 10 * max(box.left - r[0], r[2] - box.right, box.bottom - r[1], r[3] - box.top, 0)
    return cost


def settle(text: Mobject, anchors: Sequence[np.ndarray], *, avoid_rects: Sequence[Rect] = (),
           avoid_segments: Sequence = (), box=None, prefer: np.ndarray | None = None,
           gap: float = 0.1, at: bool = False) -> Mobject:
    """Put ``text`` by the first of ``anchors`` where it touches nothing (labels.place around
    each; ``at``: centred on it), else where it touches least."""
    best: tuple[float, np.ndarray] | None = None
    avoid_segments = segment_array(avoid_segments) \
        if not isinstance(avoid_segments, np.ndarray) else avoid_segments
    for anchor in anchors:
        if at:
            centre_on(text, anchor)
        else:
            place(text, anchor, prefer=prefer, avoid_rects=avoid_rects,
                  avoid_segments=avoid_segments, gap=gap, box=box)
        cost = clash(text, avoid_rects, avoid_segments, box)
        if cost < 1e-6:
            return text
        if best is None or cost < best[0]:
            best = (cost, centre(text))
    if best is not None:
        centre_on(text, best[1])
    return text


def segments(points: np.ndarray, pieces: int = 48) -> list[tuple[np.ndarray, np.ndarray]]:
    """A path through ``points`` as at most ``pieces`` straight segments (for avoiding it)."""
    pts = np.asarray(points, dtype=float)
    if len(pts) < 2:
        return []
    index = np.unique(np.linspace(0, len(pts) - 1, min(pieces, len(pts) - 1) + 1).astype(int))
    return [(pts[a], pts[b]) for a, b in zip(index, index[1:])]


def dashed(start: np.ndarray, end: np.ndarray, mob: VMobject, dash: float = 0.12) -> VMobject:
    """``mob`` redrawn as a dashed line from ``start`` to ``end`` (one path of many pieces, so
    it can be redrawn every frame)."""
    start, end = np.asarray(start, float), np.asarray(end, float)
    length = float(np.linalg.norm(end - start))
    mob.clear_points()
    if length < 1e-6:
        return mob
    count = max(1, int(length / (2 * dash)))
    for k in range(count):
        a = start + (end - start) * (2 * k * dash / length)
        b = start + (end - start) * (min(length, (2 * k + 1) * dash) / length)
        mob.start_new_path(a)
        mob.add_line_to(b)
    return mob


def relabel(mob: Text, content: str, size: float = palette.LABEL_SIZE,
            color: str = palette.TEXT, weight: str = NORMAL) -> Text:
    """``mob`` becomes the label ``content`` (what it says and its recorded font size too),
    keeping its centre, so a label redrawn every frame stays the same mobject. Unchanged words
    cost nothing (most frames of a motion redraw a label that says the same); changed words are
    laid out from glyphs made once (``glyphs``), not by Pango anew."""
    content = str(content)
    key = (content, float(size), color, weight)
    if getattr(mob, "kit_label", None) == key:
        return mob
    face(*key[1:]).write(mob, content)
    mob.kit_label = key
    return mob


def ripple(at: np.ndarray, color: str, start: float = 0.15, end: float = 1.1):
    """A ring that spreads from ``at`` and fades: (the ring, its animation). It marks where a
    small part arrives, so the step shows even where the part itself is small; the ring ends
    invisible (give it to ``Enter(..., passing=[ring])`` to take it off afterwards)."""
    ring = Circle(radius=start, color=color, stroke_width=12).move_to(at)
    ring.set_stroke(opacity=0.0)
    base = ring.copy()

    def spread(mob: Mobject, alpha: float) -> None:
        mob.become(base.copy().scale(1 + (end / start - 1) * alpha))
        mob.set_stroke(color, width=12, opacity=1 - alpha)

    return ring, UpdateFromAlphaFunc(ring, spread, rate_func=linear)
