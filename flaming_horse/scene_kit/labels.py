"""Labels placed where they touch nothing else: each candidate side of its anchor is tried and
the one whose box overlaps the figure least (then the nearest to the preferred side) wins."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from manim import Mobject

from flaming_horse.scene_kit.layout import Box

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1

# unit directions tried in order: preferred first, then around the compass
_COMPASS = [np.array([np.cos(a), np.sin(a), 0.0]) for a in np.linspace(0, 2 * np.pi, 16,
                                                                     endpoint=False)]


def rect(mob: Mobject) -> Rect:
    (x0, y0, _), (x1, y1, _) = mob.get_corner([-1, -1, 0]), mob.get_corner([1, 1, 0])
    return float(x0), float(y0), float(x1), float(y1)


def overlap(a: Rect, b: Rect) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _segment_hits(r: Rect, p: np.ndarray, q: np.ndarray, samples: int = 24) -> float:
    """How much of segment p-q passes through rectangle r (share of sample points)."""
    ts = np.linspace(0, 1, samples)
    pts = p[None, :2] + ts[:, None] * (q - p)[None, :2]
    inside = (pts[:, 0] > r[0]) & (pts[:, 0] < r[2]) & (pts[:, 1] > r[1]) & (pts[:, 1] < r[3])
    return float(inside.mean())


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
    half = np.array([label.width / 2, label.height / 2, 0.0])
    best, best_cost = None, None
    for direction in sorted(_COMPASS, key=lambda d: -float(np.dot(d, prefer))):
        # push out far enough that the label's box clears the anchor by ``gap`` along ``direction``
        reach = abs(direction[0]) * half[0] + abs(direction[1]) * half[1]
        centre = anchor + direction * (reach + gap)
        r = (centre[0] - half[0], centre[1] - half[1], centre[0] + half[0], centre[1] + half[1])
        area = max(label.width * label.height, 1e-9)
        cost = sum(overlap(r, o) for o in avoid_rects) / area
        cost += sum(_segment_hits(r, np.asarray(p, float), np.asarray(q, float))
                    for p, q in avoid_segments)
        if box is not None:
            out = max(box.left - r[0], r[2] - box.right, box.bottom - r[1], r[3] - box.top, 0)
            cost += 10 * out
        cost += 0.05 * (1 - float(np.dot(direction, prefer)))  # prefer the wanted side
        if best_cost is None or cost < best_cost - 1e-9:
            best, best_cost = centre, cost
    label.move_to(best)
    return label
