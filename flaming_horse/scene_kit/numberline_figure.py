"""A number line figure: the line with its ticks and numbers, named points on it and intervals
along it (closed ends filled, open ends hollow, unbounded ends arrows), built from the data of
a ``numberline`` block:

    f = kit.figure({"kind": "numberline", "start": -3, "end": 5, "tick": None,
                    "points": [{"x": 2, "label": "a"}], "intervals": [],
                    "steps": [{"op": "move", "label": "a", "to": 4}]})
    self.play(*f.enter())          # the line draws, the points drop onto it
    self.play(*f.step(1))         # a travels to 4

A point drops onto the line, an interval sweeps from its left end to its right, a moved point
travels along the line; every label is placed where it touches no other text.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from manim import (
    BOLD, DOWN, LEFT, RIGHT, UP, AnimationGroup, Circle, Create, Dot, FadeIn, Indicate, Line,
    Triangle, ValueTracker, VGroup, VMobject, linear,
)

from flaming_horse.scene_kit import palette
from flaming_horse.scene_kit.chart_parts import (
    SERIES, Enter, clash, fmt, label, polyline, rects, ripple, settle, ticks,
)
from flaming_horse.scene_kit.figure import Figure
from flaming_horse.scene_kit.labels import place
from flaming_horse.scene_kit.layout import Box, body_area
from flaming_horse.scene_kit.plot import nice_step

NUMBER_SIZE = 32
POINT_SIZE = 38
INTERVAL_SIZE = 34
LANE = 0.8  # height between interval lanes (lane 0 is on the line)
TIP = 0.3  # length of the arrow heads at the line's ends
OVERHANG = 0.45  # the line runs this far past its first and last tick
DROP = 0.9  # a new point falls from this high onto the line


class _Point(VGroup):
    """A dot on the line and its name above it; ``x`` moves it, ``rise`` lifts and fades it
    (1: not yet shown)."""

    def __init__(self, fig: "NumberLineFigure", x: float, name: str | None) -> None:
        self.fig = fig
        self.x = ValueTracker(float(x))
        self.rise = ValueTracker(1.0)
        self.dot = Dot(radius=0.15, color=palette.ACCENT_2)
        self.label = label(name, POINT_SIZE, palette.ACCENT_2, BOLD) if name else None
        super().__init__(self.dot, *([self.label] if self.label is not None else []))
        self.add_updater(lambda m: m.redraw())

    def redraw(self) -> None:
        rise = self.rise.get_value()
        self.dot.move_to(self.fig.n2p(self.x.get_value()) + UP * DROP * rise)
        self.set_opacity(1 - rise)
        if self.label is not None:
            self.fig.place(self.label, self.dot.get_center(), self)

    def appear(self):
        return self.rise.animate(rate_func=linear).set_value(0.0)


class _Interval(VGroup):
    """A thick stretch of the line (raised into lane ``lane`` when it would cover another), its
    end marks and its label; ``sweep`` (0 to 1) is how much of it is drawn, left to right."""

    def __init__(self, fig: "NumberLineFigure", spec: dict[str, Any], lane: int,
                 color: str) -> None:
        self.fig, self.spec, self.hue = fig, spec, color
        self.sweep = ValueTracker(0.0)
        self.y = fig.y + lane * LANE
        low, high = spec.get("low"), spec.get("high")
        self.left = fig.n2x(low) if low is not None else fig.line_left + TIP * 0.8
        self.right = fig.n2x(high) if high is not None else fig.line_right - TIP * 0.8
        self.bar = VMobject(stroke_color=color, stroke_width=12)
        self.marks = VGroup(self._mark(low, bool(spec.get("low_open")), LEFT),
                            self._mark(high, bool(spec.get("high_open")), RIGHT))
        self.label = label(spec["label"], INTERVAL_SIZE, color, BOLD) if spec.get("label") \
            else None
        super().__init__(self.bar, self.marks, *([self.label] if self.label is not None else []))
        self.add_updater(lambda m: m.redraw())

    def _mark(self, end: float | None, is_open: bool, side: np.ndarray):
        where = np.array([self.left if side[0] < 0 else self.right, self.y, 0.0])
        if end is None:  # unbounded: an arrow head over the line's own
            head = Triangle(color=self.hue, fill_opacity=1, stroke_width=0)
            head.rotate(-np.pi / 2 if side[0] > 0 else np.pi / 2)
            head.stretch_to_fit_width(TIP).stretch_to_fit_height(TIP * 1.1)
            end_x = self.fig.line_right if side[0] > 0 else self.fig.line_left
            return head.move_to([end_x - side[0] * TIP / 2, self.y, 0])
        if is_open:
            ring = Circle(radius=0.16, color=self.hue, stroke_width=6, fill_opacity=1,
                          fill_color=palette.BACKGROUND).move_to(where)
            ring.hollow = True
            return ring
        return Dot(radius=0.17, color=self.hue).move_to(where)

    @property
    def segment(self) -> tuple[np.ndarray, np.ndarray]:
        return np.array([self.left, self.y, 0.0]), np.array([self.right, self.y, 0.0])

    def redraw(self) -> None:
        u = self.sweep.get_value()
        now = self.left + (self.right - self.left) * u
        polyline([[self.left, self.y, 0.0], [now, self.y, 0.0]] if u > 1e-3 else [], self.bar)
        self.bar.set_stroke(self.hue, width=12, opacity=1)
        self.marks[0].set_opacity(1.0 if u > 1e-3 else 0.0)
        self.marks[1].set_opacity(1.0 if u > 0.995 else 0.0)
        for mark in self.marks:  # an open end stays hollow
            if getattr(mark, "hollow", False):
                mark.set_fill(palette.BACKGROUND)
        if self.label is not None:
            mid = np.array([(self.left + self.right) / 2, self.y, 0.0])
            self.fig.place(self.label, mid, self, self.right - self.left)
            self.label.set_opacity(u)

    def appear(self):
        return self.sweep.animate(rate_func=linear).set_value(1.0)


class NumberLineFigure(Figure):
    """The line (``axis``: line and ticks), its ``numbers``, and its points and intervals as
    parts named by their labels (``part("a")``)."""

    def __init__(self, data: dict[str, Any], box: Box | None = None) -> None:
        super().__init__(data)
        self.box = box = box or body_area()
        self.lo, self.hi = float(data["start"]), float(data["end"])
        step = float(data.get("tick") or nice_step(self.hi - self.lo, 10))
        self.x0, self.x1 = box.left + OVERHANG + 0.3, box.right - OVERHANG - 0.3
        self.line_left, self.line_right = self.x0 - OVERHANG, self.x1 + OVERHANG
        specs = [("point", p) for p in data.get("points", [])] + \
            [("interval", i) for i in data.get("intervals", [])] + \
            [(s["op"], s) for s in data.get("steps", []) if s["op"] in ("point", "interval")]
        lanes = self._lanes([s for kind, s in specs if kind == "interval"])
        self.y = box.center[1] - 0.2 - (max(lanes, default=0) * LANE) / 2
        line = Line([self.line_left, self.y, 0], [self.line_right, self.y, 0],
                    color=palette.AXES, stroke_width=5)
        line.add_tip(tip_length=TIP, tip_width=TIP)
        line.add_tip(tip_length=TIP, tip_width=TIP, at_start=True)
        values = ticks(self.lo, self.hi, step)
        marks = VGroup(*[Line(self.n2p(v) + DOWN * 0.16, self.n2p(v) + UP * 0.16,
                              color=palette.AXES, stroke_width=4) for v in values])
        self.axis = VGroup(line, marks)
        self.numbers = self._numbers(values)
        self.add(self.axis, self.numbers)
        self.texts: list[Any] = list(self.numbers)  # every label, for placing the others
        self.axis_line = (np.array([self.line_left, self.y, 0]),
                          np.array([self.line_right, self.y, 0]))
        self.header: list[VGroup] = []
        self.made: list[VGroup] = []  # each point or interval, in the order of ``specs``
        for kind, spec in specs:
            if kind == "point":
                part: VGroup = _Point(self, spec["x"], spec.get("label"))
            else:
                part = _Interval(self, spec, lanes.pop(0), SERIES[len(self._intervals())
                                                                    % len(SERIES)])
            self.made.append(part)
            if part.label is not None:
                self.texts.append(part.label)
                self.parts[spec["label"]] = part
        self.header = self.made[:len(data.get("points", [])) + len(data.get("intervals", []))]
        self.later = iter(self.made[len(self.header):])

    # -- geometry ------------------------------------------------------------------------------
    def n2x(self, value: float) -> float:
        return self.x0 + (float(value) - self.lo) / (self.hi - self.lo) * (self.x1 - self.x0)

    def n2p(self, value: float) -> np.ndarray:
        return np.array([self.n2x(value), self.y, 0.0])

    def _lanes(self, intervals: list[dict[str, Any]]) -> list[int]:
        """Lane of each interval: the lowest where it covers no earlier interval."""
        taken: list[list[tuple[float, float]]] = []
        found = []
        for spec in intervals:
            a = spec["low"] if spec.get("low") is not None else -np.inf
            b = spec["high"] if spec.get("high") is not None else np.inf
            lane = next((k for k, used in enumerate(taken)
                         if all(b < c or a > d for c, d in used)), len(taken))
            if lane == len(taken):
                taken.append([])
            taken[lane].append((a, b))
            found.append(lane)
        return found

    def _numbers(self, values: list[float]) -> VGroup:
        texts = [label(fmt(v), NUMBER_SIZE, palette.MUTED) for v in values]
        spacing = (self.x1 - self.x0) / max(len(values) - 1, 1)
        widest = max((t.width for t in texts), default=0)
        every = 1
        while widest + 0.2 > spacing * every:
            every += 1
        shown = VGroup()
        for k, (v, text) in enumerate(zip(values, texts)):
            if k % every == 0:
                shown.add(text.next_to(self.n2p(v), DOWN, buff=0.3))
        return shown

    def place(self, text, anchor: np.ndarray, owner: VGroup, spread: float = 0.0) -> None:
        """Put ``owner``'s label ``text`` over ``anchor`` (or up to ``spread`` either side of
        it, or beside it) where it touches no other shown text and no line of the figure."""
        shown = set(self.get_family())
        others = rects([t for t in self.texts if t is not text and t in shown], pad=0.1)
        segments = [self.axis_line, *(p.segment for p in self._intervals()
                                      if p is not owner and p in shown)]
        shift = max(spread * 0.35, text.width * 0.6)
        above = [np.array([anchor[0] + f * shift, anchor[1] + 0.22 + text.height / 2, 0.0])
                 for f in (0, -1, 1, -0.5, 0.5)]
        settle(text, above, avoid_rects=others, avoid_segments=segments, box=self.box, at=True)
        if clash(text, others, segments, self.box) > 1e-6:  # no room over it: anywhere near
            place(text, anchor, prefer=UP, avoid_rects=others, avoid_segments=segments,
                  gap=0.16, box=self.box)

    def _intervals(self) -> list[VGroup]:
        return [p for p in self.made if isinstance(p, _Interval)]

    # -- steps ---------------------------------------------------------------------------------
    def enter(self):
        draw = AnimationGroup(Create(self.axis), FadeIn(self.numbers), lag_ratio=0.3)
        if not self.header:
            return [Enter(self, draw)]
        parts = AnimationGroup(*[p.appear() for p in self.header], lag_ratio=0.4)
        return [Enter(self, AnimationGroup(draw, parts, lag_ratio=0.6), parts=self.header)]

    def do(self, step: dict[str, Any]):
        op = step["op"]
        if op in ("point", "interval"):
            part = next(self.later)
            if op == "interval":
                return [Enter(self, part.appear(), parts=[part])]
            ring, spread = ripple(self.n2p(step["x"]), palette.ACCENT_2)
            return [Enter(self, part.appear(), spread, parts=[part], passing=[ring])]
        part = self.parts[step["label"]]
        if op == "move":
            return [Enter(self, part.x.animate(rate_func=linear).set_value(float(step["to"])))]
        flash = Indicate(part, color=palette.TEXT, scale_factor=1.3)  # highlight
        if isinstance(part, _Point):
            ring, spread = ripple(part.dot.get_center(), palette.ACCENT_2)
            return [Enter(self, flash, spread, passing=[ring])]
        return [flash]


def build(data: dict[str, Any], box: Box | None = None) -> NumberLineFigure:
    return NumberLineFigure(data, box)
