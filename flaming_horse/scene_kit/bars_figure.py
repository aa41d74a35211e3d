"""A bar chart figure: bars over their labels with their values written on top, a value axis
from zero, built from the data of a ``bars`` block:

    f = kit.figure({"kind": "bars", "bars": [{"label": "2", "value": 1}, ...],
                    "y_max": None, "y_label": "count", "x_label": None,
                    "steps": [{"op": "grow"}, {"op": "add", "values": {"7": 1}}]})
    self.play(*f.enter())          # axes and labels draw (bars at zero: a grow step follows)
    self.play(*f.step(1))         # the bars rise, their values counting up

Each bar's height follows a ValueTracker, so growing, setting and adding move the bars (and
count their values) rather than swapping pictures.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from manim import (
    BOLD, LEFT, UP, AnimationGroup, Create, FadeIn, Line, ManimColor, ValueTracker, VGroup, VMobject,
    interpolate_color, linear,
)

from flaming_horse.scene_kit import palette
from flaming_horse.scene_kit.chart_parts import Enter, fmt, label, relabel, ticks
from flaming_horse.scene_kit.figure import Figure
from flaming_horse.scene_kit.layout import Box, body_area
from flaming_horse.scene_kit.plot import nice_step

TICK_SIZE = 24
NAME_SIZE = 28  # bar labels
VALUE_SIZE = 26
AXIS_NAME_SIZE = 26
MAX_BAR = 1.3  # frame units: bars never get wider than this


class _Bar(VGroup):
    """One bar (a rectangle standing on the axis) and its value over it; ``value`` is its
    height, ``hot`` how much it is highlighted, ``pulse`` a highlight's swell (0 to 1)."""

    def __init__(self, chart: "BarsFigure", slot: int, value: float) -> None:
        self.chart = chart
        self.value = ValueTracker(float(value))
        self.hot = ValueTracker(0.0)
        self.pulse = ValueTracker(0.0)
        self.x = chart.slot_x(slot)
        self.rect = VMobject(stroke_width=0, fill_opacity=0.9)
        self.number = label("0", chart.value_size, palette.TEXT)
        super().__init__(self.rect, self.number)
        self.add_updater(lambda m: m.redraw())
        self.redraw()

    def redraw(self) -> None:
        chart = self.chart
        v = max(0.0, self.value.get_value())
        half = chart.bar_width / 2 * (1 + 0.18 * math.sin(math.pi * self.pulse.get_value()))
        top = chart.y0 + v * chart.unit
        corners = [[self.x - half, chart.y0, 0], [self.x + half, chart.y0, 0],
                   [self.x + half, top, 0], [self.x - half, top, 0], [self.x - half, chart.y0, 0]]
        self.rect.set_points_as_corners(np.array(corners, dtype=float))
        self.rect.set_fill(interpolate_color(ManimColor(palette.ACCENT), ManimColor(palette.ACCENT_2),
                                             self.hot.get_value()), opacity=0.9)
        shown = chart.values_shown.get_value()
        relabel(self.number, fmt(v, chart.digits), chart.value_size, palette.TEXT)
        if self.number.width > chart.slot * 0.95:
            self.number.scale_to_fit_width(chart.slot * 0.95)
        self.number.move_to([self.x, top + 0.1 + self.number.height / 2, 0])
        self.number.set_opacity(shown)


class BarsFigure(Figure):
    """``axes`` (value axis with ticks and faint grid lines, the base line), ``names`` (the
    bar labels), ``titles`` (axis names) and the bars as parts named by their labels."""

    def __init__(self, data: dict[str, Any], box: Box | None = None) -> None:
        super().__init__(data)
        self.box = box = box or body_area()
        bars = data["bars"]
        steps = data.get("steps", [])
        states = _states(bars, steps)
        highest = max(max(s.values()) for s in states)
        y_max = data.get("y_max")
        step = nice_step(y_max or highest or 1.0, 5)
        top = float(y_max) if y_max else step * max(1, math.ceil((highest or 1.0) / step - 1e-9))
        values = [v for s in states for v in s.values()]
        self.digits = next((d for d in (0, 1) if all(abs(v * 10 ** d - round(v * 10 ** d))
                                                      < 1e-9 for v in values)), 2)
        tick_values = [v for v in ticks(0, top, step)]
        tick_texts = [label(fmt(v), TICK_SIZE, palette.MUTED) for v in tick_values]
        left = box.left + max(t.width for t in tick_texts) + 0.35
        if data.get("y_label"):
            left += 0.55
        bottom = box.bottom + 0.55 + (0.55 if data.get("x_label") else 0)
        self.x0, self.x1 = left, box.right - 0.15
        self.y0, y1 = bottom, box.top - 0.5
        self.unit = (y1 - self.y0) / top
        self.slot = (self.x1 - self.x0) / len(bars)
        self.bar_width = min(MAX_BAR, self.slot * 0.72)
        self.value_size = VALUE_SIZE
        # axes: value axis, ticks, grid, base line
        axis = Line([self.x0, self.y0, 0], [self.x0, y1 + 0.15, 0], color=palette.AXES,
                    stroke_width=3)
        base = Line([self.x0, self.y0, 0], [self.x1, self.y0, 0], color=palette.AXES,
                    stroke_width=3)
        grid = VGroup(*[Line([self.x0, self.y0 + v * self.unit, 0],
                             [self.x1, self.y0 + v * self.unit, 0], color=palette.AXES,
                             stroke_width=1.5, stroke_opacity=0.3) for v in tick_values if v])
        for v, text in zip(tick_values, tick_texts):
            text.next_to([self.x0, self.y0 + v * self.unit, 0], LEFT, buff=0.15)
        self.axes = VGroup(grid, axis, base)
        self.ticks = VGroup(*tick_texts)
        self.names = VGroup(*[self._name(bar["label"], i) for i, bar in enumerate(bars)])
        self.titles = VGroup()
        if data.get("y_label"):
            title = label(data["y_label"], AXIS_NAME_SIZE, palette.MUTED).rotate(math.pi / 2)
            if title.height > y1 - self.y0:
                title.scale_to_fit_height(y1 - self.y0)
            self.titles.add(title.move_to([box.left + title.width / 2 + 0.02,
                                           (self.y0 + y1) / 2, 0]))
        if data.get("x_label"):
            title = label(data["x_label"], AXIS_NAME_SIZE, palette.MUTED)
            if title.width > self.x1 - self.x0:
                title.scale_to_fit_width(self.x1 - self.x0)
            self.titles.add(title.move_to([(self.x0 + self.x1) / 2,
                                           box.bottom + title.height / 2 + 0.02, 0]))
        grows = bool(steps) and steps[0]["op"] == "grow"
        self.values_shown = ValueTracker(0.0 if grows else 1.0)
        self.bars = VGroup(*[_Bar(self, i, 0.0 if grows else bar["value"])
                             for i, bar in enumerate(bars)])
        self.target = dict(states[0])  # the values as the last step made leaves them
        for bar, spec in zip(self.bars, bars):
            self.parts[spec["label"]] = bar
        self.add(self.axes, self.ticks, self.names, self.titles, self.bars)

    def slot_x(self, index: int) -> float:
        return self.x0 + self.slot * (index + 0.5)

    def _name(self, text: str, index: int):
        size = NAME_SIZE
        mob = label(text, size, palette.TEXT, BOLD)
        while mob.width > self.slot * 0.92 and size > palette.MIN_FONT_SIZE:
            size -= 2
            mob = label(text, size, palette.TEXT, BOLD)
        if mob.width > self.slot * 0.92:
            mob.scale_to_fit_width(self.slot * 0.92)
        return mob.move_to([self.slot_x(index), self.y0 - 0.12 - mob.height / 2, 0])

    def _bar(self, name: str) -> _Bar:
        return self.parts[name]  # type: ignore[return-value]

    # -- steps ---------------------------------------------------------------------------------
    def enter(self):
        return [Enter(self, AnimationGroup(
            Create(self.axes), FadeIn(self.ticks), FadeIn(self.names, shift=0.15 * UP),
            FadeIn(self.titles), FadeIn(self.bars), lag_ratio=0.25))]

    def do(self, step: dict[str, Any]):
        op = step["op"]
        if op == "grow":
            rises = [bar.value.animate(rate_func=linear).set_value(self.target[name])
                     for name, bar in self.parts.items()]
            return [Enter(self, self.values_shown.animate(rate_func=linear).set_value(1.0),
                          AnimationGroup(*rises, lag_ratio=0.6 / max(len(rises), 1)))]
        if op in ("set", "add"):
            moves = []
            for name, amount in step["values"].items():
                self.target[name] = amount + (self.target[name] if op == "add" else 0.0)
                moves.append(self._bar(name).value.animate(rate_func=linear)
                             .set_value(self.target[name]))
            return [Enter(self, *moves)]
        anims = []  # highlight
        for name in step["labels"]:
            bar = self._bar(name)
            bar.pulse.set_value(0.0)
            anims += [bar.hot.animate(rate_func=lambda t: min(1.0, 2.5 * t)).set_value(1.0),
                      bar.pulse.animate(rate_func=linear).set_value(1.0)]
        return [Enter(self, *anims)]


def _states(bars: list[dict[str, Any]], steps: list[dict[str, Any]]) -> list[dict[str, float]]:
    """The bars' values at the start and after each step."""
    now = {b["label"]: float(b["value"]) for b in bars}
    states = [dict(now)]
    for step in steps:
        if step["op"] in ("set", "add"):
            for name, amount in step["values"].items():
                now[name] = float(amount) + (now[name] if step["op"] == "add" else 0.0)
            states.append(dict(now))
    return states


def build(data: dict[str, Any], box: Box | None = None) -> BarsFigure:
    return BarsFigure(data, box)
