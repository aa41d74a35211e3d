"""Labels placed where they touch nothing else: each candidate side of its anchor is tried and
the one whose box overlaps the figure least (then the nearest to the preferred side) wins."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from manim import Mobject

from flaming_horse.scene_kit.layout import Box, bounds

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1

# unit directions tried in order: preferred first, then around the compass
_COMPASS = [np.array([np.cos(a), np.sin(a), 0.0]) for a in np.linspace(0, 2 * np.pi, 16,
                                                                     endpoint=False)]


rect = bounds  # (x0, y0, x1, y1) of a mobject


def centre(mob: Mobject) -> np.ndarray:
    """The centre of ``mob``'s box (as manim's get_center, from one numpy pass)."""
    x0, y0, x1, y1 = bounds(mob)
    return np.array([(x0 + x1) / 2, (y0 + y1) / 2, 0.0])


def centre_on(mob: Mobject, point: np.ndarray) -> Mobject:
    """``mob`` moved so its box is centred on ``point`` (as move_to, without manim's per-axis
    bounding box: labels move on every frame)."""
    return mob.shift(np.asarray(point, dtype=float) - centre(mob))


def overlap(a: Rect, b: Rect) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


_TS = np.linspace(0, 1, 24)[None, :, None]  # sample points along each segment


def segment_array(segments: Sequence[tuple]) -> np.ndarray:
    """Segments (point pairs) as one (n, 2, 2) array of their x, y ends."""
    if not len(segments):
        return np.zeros((0, 2, 2))
    return np.array([[np.asarray(p, float)[:2], np.asarray(q, float)[:2]] for p, q in segments])


def segment_hits(r: Rect, segments: np.ndarray) -> float:
    """Summed over ``segments`` (a segment_array): the share of each one's sample points that
    lie inside rectangle r. One numpy pass: labels are placed on every frame of a motion."""
    if not len(segments):
        return 0.0
    pts = segments[:, None, 0, :] + _TS * (segments[:, None, 1, :] - segments[:, None, 0, :])
    inside = (pts[..., 0] > r[0]) & (pts[..., 0] < r[2]) & (pts[..., 1] > r[1]) \
        & (pts[..., 1] < r[3])
    return float(inside.mean(axis=1).sum())


def place(label: Mobject, anchor: np.ndarray, *, prefer: np.ndarray | None = None,
          avoid_rects: Sequence[Rect] = (), avoid_segments: Sequence[tuple] = (),
          gap: float = 0.12, box: Box | None = None) -> Mobject:
    """Move ``label`` next to ``anchor`` on the side that collides least with ``avoid_rects``
    (other labels, shapes' boxes) and ``avoid_segments`` (lines of the figure, as point pairs),
    staying inside ``box``; ``prefer`` (a direction, e.g. away from the figure's centre) breaks
    ties and is tried first."""
    anchor = np.asarray(anchor, dtype=float)
    prefer = prefer if prefer is not None and np.linalg.norm(prefer) > 1e-9 else np.array(
        [0.0, 1.0, 0.0])
    prefer = prefer / np.linalg.norm(prefer)
    x0, y0, x1, y1 = rect(label)
    half = np.array([(x1 - x0) / 2, (y1 - y0) / 2, 0.0])
    area = max((x1 - x0) * (y1 - y0), 1e-9)
    best, best_cost = None, None
    segments = avoid_segments if isinstance(avoid_segments, np.ndarray) \
        else segment_array(avoid_segments)
    for direction in sorted(_COMPASS, key=lambda d: -float(np.dot(d, prefer))):
        # push out far enough that the label's box clears the anchor by ``gap`` along ``direction``
        reach = abs(direction[0]) * half[0] + abs(direction[1]) * half[1]
        centre = anchor + direction * (reach + gap)
        r = (centre[0] - half[0], centre[1] - half[1], centre[0] + half[0], centre[1] + half[1])
        cost = sum(overlap(r, o) for o in avoid_rects) / area
        cost += segment_hits(r, segments)
        if box is not None:
            out = max(box.left - r[0], r[2] - box.right, box.bottom - r[1], r[3] - box.top, 0)
            cost += 10 * out
        cost += 0.05 * (1 - float(np.dot(direction, prefer)))  # prefer the wanted side
        if best_cost is None or cost < best_cost - 1e-9:
            best, best_cost = centre, cost
    return label.shift(best - np.array([(x0 + x1) / 2, (y0 + y1) / 2, 0.0]))
