"""A distribution figure: a density curve (bars for the binomial) on axes, its parameters written
by it, shaded probabilities with their values, and mean / standard deviation marks, built from
the data of a ``distribution`` block:

    f = kit.figure({"kind": "distribution", "family": "normal",
                    "params": {"mean": 0, "sd": 1}, "x_min": None, "x_max": None,
                    "x_label": None, "shades": [], "markers": [],
                    "steps": [{"op": "shade", "low": -1, "high": 1, "low_open": False,
                               "high_open": False, "label": None},
                              {"op": "set", "params": {"sd": 2}}]})
    self.play(*f.enter())          # axes, then the curve drawn left to right
    self.play(*f.step(1))         # the shade sweeps from -1 to 1, its probability counting up
    self.play(*f.step(2))         # the curve flattens; the shade and its value follow

The parameters are ValueTrackers and every part is redrawn from them, so changing one morphs
the curve, moves the marks and recomputes the probabilities.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
from manim import (
    BOLD, LEFT, UP, AnimationGroup, Create, FadeIn, Line, ValueTracker, VGroup, VMobject, linear,
)

from flaming_horse.scene_kit import palette
from flaming_horse.scene_kit.chart_parts import (
    SERIES, Enter, clash, dashed, fmt, label, percent, polyline, rects, relabel,
    ripple, segments, settle, ticks,
)
from flaming_horse.scene_kit.figure import Figure
from flaming_horse.scene_kit.layout import Box, body_area
from flaming_horse.scene_kit.plot import nice_step

SAMPLES = 241
TICK_SIZE = 24
PARAM_SIZE = 30
MARK_SIZE = 34
SHADE_SIZE = 26
AXIS_NAME_SIZE = 26
HEADROOM = 1.25  # the value axis reaches this many times the highest peak


# -- the distributions ---------------------------------------------------------------------------
def _normal_cdf(x: float, mean: float, sd: float) -> float:
    return 0.5 * (1 + math.erf((x - mean) / (sd * math.sqrt(2))))


def pmf(n: int, p: float, k: int) -> float:
    if not 0 <= k <= n:
        return 0.0
    return math.comb(n, k) * p ** k * (1 - p) ** (n - k)


def density(family: str, q: dict[str, float]) -> Callable[[np.ndarray], np.ndarray]:
    """The density of a continuous family as a numpy function."""
    if family == "normal":
        mean, sd = q["mean"], q["sd"]
        return lambda x: np.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))
    if family == "uniform":
        a, b = q["a"], q["b"]
        return lambda x: np.where((x >= a) & (x <= b), 1 / (b - a), 0.0)
    rate = q["rate"]
    return lambda x: np.where(x >= 0, rate * np.exp(-rate * np.maximum(x, 0)), 0.0)


def cdf(family: str, q: dict[str, float], x: float) -> float:
    if x == math.inf:
        return 1.0
    if x == -math.inf:
        return 0.0
    if family == "normal":
        return _normal_cdf(x, q["mean"], q["sd"])
    if family == "uniform":
        return min(1.0, max(0.0, (x - q["a"]) / (q["b"] - q["a"])))
    return 1 - math.exp(-q["rate"] * x) if x > 0 else 0.0


def _ks(n: int, low: float | None, high: float | None, low_open: bool,
        high_open: bool) -> list[int]:
    """The counts k a binomial shade takes in."""
    return [k for k in range(n + 1)
            if (low is None or k > low or (k == low and not low_open))
            and (high is None or k < high or (k == high and not high_open))]


def mean_sd(family: str, q: dict[str, float]) -> tuple[float, float]:
    if family == "normal":
        return q["mean"], q["sd"]
    if family == "uniform":
        return (q["a"] + q["b"]) / 2, (q["b"] - q["a"]) / math.sqrt(12)
    if family == "exponential":
        return 1 / q["rate"], 1 / q["rate"]
    n, p = round(q["n"]), q["p"]
    return n * p, math.sqrt(n * p * (1 - p))


def peak(family: str, q: dict[str, float]) -> float:
    if family == "normal":
        return 1 / (q["sd"] * math.sqrt(2 * math.pi))
    if family == "uniform":
        return 1 / (q["b"] - q["a"])
    if family == "exponential":
        return q["rate"]
    n = round(q["n"])
    return max(pmf(n, q["p"], k) for k in range(n + 1))


def _states(data: dict[str, Any]) -> list[dict[str, float]]:
    now = {k: float(v) for k, v in data["params"].items()}
    states = [dict(now)]
    for step in data.get("steps", []):
        if step["op"] == "set":
            now.update({k: float(v) for k, v in step["params"].items()})
            states.append(dict(now))
    return states


def _view(data: dict[str, Any], states: list[dict[str, float]]) -> tuple[float, float]:
    """The x axis: as given, else wide enough for the curve at every step and every shade."""
    family = data["family"]
    if data.get("x_min") is not None and data.get("x_max") is not None:
        return float(data["x_min"]), float(data["x_max"])
    if family == "normal":
        lo = min(s["mean"] - 3.5 * s["sd"] for s in states)
        hi = max(s["mean"] + 3.5 * s["sd"] for s in states)
    elif family == "uniform":
        lo, hi = min(s["a"] for s in states), max(s["b"] for s in states)
        lo, hi = lo - 0.25 * (hi - lo), hi + 0.25 * (hi - lo)
    elif family == "exponential":
        hi = max(5 / s["rate"] for s in states)
        lo = -0.06 * hi
    else:
        lo, hi = -0.6, max(round(s["n"]) for s in states) + 0.6
    ends = [e for s in [*data.get("shades", []), *data.get("steps", [])] if "low" in s
            for e in (s["low"], s["high"]) if e is not None]
    lo, hi = min([lo, *ends]), max([hi, *ends])
    if data.get("x_min") is not None:
        lo = float(data["x_min"])
    if data.get("x_max") is not None:
        hi = float(data["x_max"])
    return lo, hi


# -- the parts -----------------------------------------------------------------------------------
class _Curve(VGroup):
    """The density curve (a path) or the binomial's bars (a group of rectangles)."""

    def __init__(self, fig: "DistributionFigure") -> None:
        self.fig = fig
        self.path = VMobject(stroke_color=palette.ACCENT_2, stroke_width=5)
        self.bars = VMobject(stroke_color=palette.ACCENT_2, stroke_width=2,
                             fill_color=palette.ACCENT_2, fill_opacity=0.8)
        super().__init__(self.path, self.bars)
        self.add_updater(lambda m: m.redraw())
        self.redraw()

    def redraw(self) -> None:
        fig = self.fig
        if not fig.changed(self):
            return
        if fig.family == "binomial":
            self.path.clear_points()
            q = fig.now()
            n = round(q["n"])
            self.bars.clear_points()
            for k in range(n + 1):
                fig.add_box(self.bars, k - 0.4, k + 0.4, pmf(n, q["p"], k))
        else:
            self.bars.clear_points()
            polyline(fig.curve_points(), self.path)


class _Params(VGroup):
    """The parameters, written where the curve is not."""

    def __init__(self, fig: "DistributionFigure") -> None:
        self.fig = fig
        self.text = label(fig.param_text(), PARAM_SIZE, palette.TEXT)
        super().__init__(self.text)
        self.add_updater(lambda m: m.redraw())
        self.redraw()

    def redraw(self) -> None:
        fig = self.fig
        others = fig.others(self.text)
        if not fig.changed(self, others):
            return
        relabel(self.text, fig.param_text(), PARAM_SIZE, palette.TEXT)
        w, h = self.text.width, self.text.height
        corners = [np.array([fig.x1 - w / 2 - 0.1, fig.y1 - h / 2, 0]),
                   np.array([fig.x0 + w / 2 + 0.3, fig.y1 - h / 2, 0]),
                   np.array([(fig.x0 + fig.x1) / 2, fig.y1 - h / 2, 0])]
        settle(self.text, corners, avoid_rects=others,
               avoid_segments=fig.curve_segments(), box=fig.box, at=True)


COUNT_TICKS = 12  # how many times a shaded probability's number changes as it sweeps in


class _Marker(VGroup):
    """``mean``: a dashed line from the axis to the curve at the mean; ``sd``: dashed lines one
    standard deviation either side, and a bracket one standard deviation long. ``grow`` (0 to 1)
    draws them up from the axis."""

    def __init__(self, fig: "DistributionFigure", which: str) -> None:
        self.fig, self.which = fig, which
        self.grow = ValueTracker(0.0)
        color = palette.TEXT if which == "mean" else palette.GOOD
        self.lines = VMobject(stroke_color=color, stroke_width=5)
        self.bracket = VMobject(stroke_color=color, stroke_width=6)
        self.color_ = color
        self.text = label(self._words(), MARK_SIZE, color, BOLD)
        super().__init__(self.lines, self.bracket, self.text)
        self.add_updater(lambda m: m.redraw())

    def _words(self) -> str:
        fig = self.fig
        mean, sd = mean_sd(fig.family, fig.now())
        if self.which == "mean":
            return "\u03bc" if fig.family == "normal" else f"\u03bc = {fmt(mean)}"
        return "\u03c3" if fig.family == "normal" else f"\u03c3 = {fmt(sd)}"

    def redraw(self) -> None:
        fig = self.fig
        g = self.grow.get_value()
        others = fig.others(self.text)
        if not fig.changed(self, g, others):
            return
        mean, sd = mean_sd(fig.family, fig.now())
        xs = [mean] if self.which == "mean" else [mean - sd, mean + sd]
        self.lines.clear_points()
        tops = []
        for x in xs:
            if fig.lo <= x <= fig.hi:
                base = fig.c2p(x, 0)
                top = fig.c2p(x, fig.height(x) * g)
                tops.append(top)
                piece = dashed(base, top, VMobject(), dash=0.16)
                if piece.has_points():
                    self.lines.append_points(piece.points)
        self.bracket.clear_points()
        relabel(self.text, self._words(), MARK_SIZE, self.color_, BOLD)
        if self.which == "mean":
            anchor = tops[0] if tops else fig.c2p(min(max(mean, fig.lo), fig.hi), 0)
            settle(self.text, [anchor + UP * 0.05], avoid_rects=others,
                   avoid_segments=fig.curve_segments() + fig.mark_segments(self), box=fig.box,
                   prefer=UP)
        else:
            y = fig.height(mean + sd) * 0.45
            a, b = fig.c2p(mean, y), fig.c2p(mean + (sd * g), y)
            if g > 1e-3:
                tick = UP * 0.12
                self.bracket.start_new_path(a - tick)
                self.bracket.add_line_to(a + tick)
                self.bracket.start_new_path(a)
                self.bracket.add_line_to(b)
                self.bracket.start_new_path(b - tick)
                self.bracket.add_line_to(b + tick)
            settle(self.text, [(a + b) / 2, fig.c2p(mean + sd, fig.height(mean + sd))],
                   avoid_rects=others,
                   avoid_segments=fig.curve_segments() + fig.mark_segments(self) + [(a, b)],
                   box=fig.box, prefer=UP)
        self.text.set_opacity(g)

    def appear(self):
        return self.grow.animate(rate_func=linear).set_value(1.0)


class _Shade(VGroup):
    """The area over a range (the range's bars, for the binomial), swept in from the left by
    ``sweep`` (0 to 1), and its label: as given, else the probability so far."""

    def __init__(self, fig: "DistributionFigure", spec: dict[str, Any], color: str) -> None:
        self.fig, self.spec, self.hue = fig, spec, color
        self.sweep = ValueTracker(0.0)
        self.area = VMobject(stroke_width=0, fill_color=color,
                             fill_opacity=1.0 if fig.family == "binomial" else 0.4)
        self.text = label(spec.get("label") or "0%", SHADE_SIZE, palette.TEXT, BOLD)
        super().__init__(self.area, self.text)
        self.add_updater(lambda m: m.redraw())

    def span(self) -> tuple[float, float]:
        """Where the shade starts and ends on the axis (the view's ends for open tails)."""
        fig, low, high = self.fig, self.spec.get("low"), self.spec.get("high")
        if fig.family == "binomial":
            ks = _ks(round(fig.now()["n"]), low, high, bool(self.spec.get("low_open")),
                     bool(self.spec.get("high_open")))
            if not ks:
                return (fig.lo, fig.lo)
            return ks[0] - 0.4, ks[-1] + 0.4
        a = fig.lo if low is None else max(fig.lo, low)
        b = fig.hi if high is None else min(fig.hi, high)
        return a, max(a, b)

    def probability(self, upto: float) -> float:
        fig, q = self.fig, self.fig.now()
        low, high = self.spec.get("low"), self.spec.get("high")
        if fig.family == "binomial":
            n = round(q["n"])
            ks = _ks(n, low, high, bool(self.spec.get("low_open")),
                     bool(self.spec.get("high_open")))
            return sum(pmf(n, q["p"], k) for k in ks if k - 0.4 <= upto)
        a = -math.inf if low is None else low
        b = math.inf if high is None else high
        if upto < b:
            b = upto
        return max(0.0, cdf(fig.family, q, b) - cdf(fig.family, q, a)) if b > a else 0.0

    def redraw(self) -> None:
        fig = self.fig
        u = self.sweep.get_value()
        others = fig.others(self.text)
        if not fig.changed(self, u, others):
            return
        a, b = self.span()
        now = a + (b - a) * u
        self.area.clear_points()
        if u > 1e-3 and b > a:
            if fig.family == "binomial":
                q = fig.now()
                n = round(q["n"])
                for k in _ks(n, self.spec.get("low"), self.spec.get("high"),
                             bool(self.spec.get("low_open")), bool(self.spec.get("high_open"))):
                    if k - 0.4 < now:
                        fig.add_box(self.area, k - 0.4, min(k + 0.4, now), pmf(n, q["p"], k))
            else:
                xs = np.linspace(a, now, 80)
                ys = fig.density_at(xs)
                pts = [fig.c2p(a, 0), *[fig.c2p(x, y) for x, y in zip(xs, ys)], fig.c2p(now, 0)]
                polyline(pts, self.area)
                self.area.close_path()
        given = self.spec.get("label")
        # the count rises in COUNT_TICKS ticks over the sweep: each new number is new text to
        # lay out (Pango), and a dozen a sweep still reads as counting up
        ticked = a + (b - a) * math.floor(u * COUNT_TICKS) / COUNT_TICKS
        upto = math.inf if u >= 0.999 else ticked
        words = given or percent(self.probability(upto))
        relabel(self.text, words, SHADE_SIZE, palette.TEXT, BOLD)
        self.text.set_opacity(1.0 if given is None and u > 1e-3 else u)
        settle(self.text, self.spots(a, b), avoid_rects=others,
               avoid_segments=fig.curve_segments() + fig.mark_segments(None), box=fig.box,
               at=True)
        if clash(self.text, others,
                 fig.curve_segments() + fig.mark_segments(None), fig.box) > 1e-6:
            xs = [(x0 + x1) / 2 for x0, x1 in self.free_pieces(a, b)] + [(a + b) / 2, a, b]
            settle(self.text, [fig.c2p(x, fig.height(x)) for x in xs],  # over the curve
                   avoid_rects=others,
                   avoid_segments=fig.curve_segments() + fig.mark_segments(None), box=fig.box,
                   prefer=UP, gap=0.08)

    def spots(self, a: float, b: float) -> list[np.ndarray]:
        """Places for the label under the curve: in the part of a..b no earlier shade covers
        (widest first), then anywhere in a..b."""
        fig = self.fig
        found = []
        for x0, x1 in [*self.free_pieces(a, b), (a, b)]:
            for f in (0.5, 0.25, 0.75, 0.35, 0.65, 0.15, 0.85):
                x = x0 + (x1 - x0) * f
                for h in (0.3, 0.5, 0.15):
                    found.append(fig.c2p(x, fig.height(x) * h))
        return found

    def free_pieces(self, a: float, b: float) -> list[tuple[float, float]]:
        """The parts of a..b no earlier shade covers, widest first."""
        pieces = [(a, b)]
        for other in self.fig.shades:
            if other is self:
                break
            c, d = other.span()
            pieces = [piece for x, y in pieces
                      for piece in ((x, min(y, c)), (max(x, d), y)) if piece[1] - piece[0] > 1e-9]
        return sorted(pieces, key=lambda p: p[0] - p[1])

    def appear(self):
        return self.sweep.animate(rate_func=linear).set_value(1.0)


class DistributionFigure(Figure):
    """``axes`` (lines, ticks, numbers, names) and the parts ``curve``, ``params``, ``mean``,
    ``sd`` and ``shade 1`` ... (in the order they are shaded)."""

    def __init__(self, data: dict[str, Any], box: Box | None = None) -> None:
        super().__init__(data)
        self.box = box = box or body_area()
        self.family = data["family"]
        states = _states(data)
        self.q = {k: ValueTracker(v) for k, v in states[0].items()}
        self.lo, self.hi = _view(data, states)
        top = max(peak(self.family, s) for s in states) * HEADROOM
        x_step = 1.0 if self.family == "binomial" and self.hi - self.lo <= 12 else \
            nice_step(self.hi - self.lo, 8)
        y_step = nice_step(top, 4)
        y_values = [v for v in ticks(0, top, y_step) if v > 0]
        y_texts = [label(fmt(v, 3), TICK_SIZE, palette.MUTED) for v in y_values]
        y_name = "probability" if self.family == "binomial" else "density"
        left = box.left + max((t.width for t in y_texts), default=0) + 0.3 + 0.55
        bottom = box.bottom + 0.55 + (0.55 if data.get("x_label") else 0)
        self.x0, self.x1 = left, box.right - 0.2
        self.y0, self.y1 = bottom, box.top - 0.05
        self.top = top
        base = Line(self.c2p(self.lo, 0), self.c2p(self.hi, 0), color=palette.AXES,
                    stroke_width=3)
        axis = Line(self.c2p(self.lo, 0), self.c2p(self.lo, top), color=palette.AXES,
                    stroke_width=3)
        marks = VGroup()
        numbers = VGroup()
        for v in ticks(self.lo, self.hi, x_step):
            p = self.c2p(v, 0)
            marks.add(Line(p + 0.1 * UP, p - 0.1 * UP, color=palette.AXES, stroke_width=2))
            numbers.add(label(fmt(v), TICK_SIZE, palette.MUTED).next_to(p, -UP, buff=0.2))
        for v, text in zip(y_values, y_texts):
            p = self.c2p(self.lo, v)
            marks.add(Line(p, p + 0.1 * LEFT, color=palette.AXES, stroke_width=2))
            numbers.add(text.next_to(p, LEFT, buff=0.15))
        names = VGroup(label(y_name, AXIS_NAME_SIZE, palette.MUTED).rotate(math.pi / 2))
        names[0].move_to([box.left + names[0].width / 2 + 0.02, (self.y0 + self.y1) / 2, 0])
        if data.get("x_label"):
            name = label(data["x_label"], AXIS_NAME_SIZE, palette.MUTED)
            if name.width > self.x1 - self.x0:
                name.scale_to_fit_width(self.x1 - self.x0)
            names.add(name.move_to([(self.x0 + self.x1) / 2, box.bottom + name.height / 2, 0]))
        self.axes = VGroup(base, axis, marks)
        self.numbers = numbers
        self.names = names
        self.add(self.axes, self.numbers, self.names)
        shades = [*data.get("shades", []), *(s for s in data.get("steps", [])
                                             if s["op"] == "shade")]
        self._memo: tuple = (None, [], None)
        self.params: _Params | None = None
        self.markers: dict[str, _Marker] = {}
        self.shades = [_Shade(self, s, SERIES[i % len(SERIES)]) for i, s in enumerate(shades)]
        self.curve = _Curve(self)
        self.params = _Params(self)
        markers = [*data.get("markers", []), *(s["op"] for s in data.get("steps", [])
                                               if s["op"] in ("mean", "sd"))]
        self.markers = {m: _Marker(self, m) for m in markers}
        self.parts.update({"curve": self.curve, "params": self.params, **self.markers})
        self.parts.update({f"shade {i + 1}": s for i, s in enumerate(self.shades)})
        self.header_shades = self.shades[:len(data.get("shades", []))]
        self.later_shades = iter(self.shades[len(self.header_shades):])

    # -- geometry ------------------------------------------------------------------------------
    def c2p(self, x: float, y: float) -> np.ndarray:
        return np.array([self.x0 + (x - self.lo) / (self.hi - self.lo) * (self.x1 - self.x0),
                         self.y0 + y / self.top * (self.y1 - self.y0), 0.0])

    def now(self) -> dict[str, float]:
        return {k: t.get_value() for k, t in self.q.items()}

    def density_at(self, xs: np.ndarray) -> np.ndarray:
        return density(self.family, self.now())(np.asarray(xs, dtype=float))

    def height(self, x: float) -> float:
        """The curve's height over ``x`` (the bar's, for the binomial)."""
        if self.family == "binomial":
            q = self.now()
            return pmf(round(q["n"]), q["p"], round(x))
        return float(self.density_at(np.array([x]))[0])

    def curve_points(self) -> list[np.ndarray]:
        key = tuple(self.now().values())
        if self._memo[0] != key:
            self._memo = (key, self._curve_points(), None)
        return self._memo[1]

    def curve_segments(self) -> list:
        self.curve_points()
        if self._memo[2] is None:
            self._memo = (*self._memo[:2], self._curve_segments())
        return self._memo[2]

    def _curve_points(self) -> list[np.ndarray]:
        if self.family == "binomial":
            return []
        xs = np.linspace(self.lo, self.hi, SAMPLES)
        if self.family == "uniform":
            a, b = self.now()["a"], self.now()["b"]
            xs = np.sort(np.concatenate([xs, [a, a, b, b]]))
            ys = self.density_at(xs)
            ys[np.searchsorted(xs, a)] = 0.0  # the jumps are drawn straight up
            ys[np.searchsorted(xs, b, side="right") - 1] = 0.0
        elif self.family == "exponential":
            xs = np.sort(np.concatenate([xs, [0.0, 0.0]]))
            ys = self.density_at(xs)
            ys[np.searchsorted(xs, 0.0)] = 0.0
        else:
            ys = self.density_at(xs)
        ys = np.minimum(ys, self.top)
        pts = np.zeros((len(xs), 3))
        pts[:, 0] = self.x0 + (xs - self.lo) / (self.hi - self.lo) * (self.x1 - self.x0)
        pts[:, 1] = self.y0 + ys / self.top * (self.y1 - self.y0)
        return list(pts)

    def add_box(self, mob: VMobject, a: float, b: float, height: float) -> None:
        """A rectangle from ``a`` to ``b`` on the axis, ``height`` tall, added to ``mob``."""
        if b - a < 1e-9 or height <= 0:
            return
        p, q = self.c2p(a, 0), self.c2p(b, min(height, self.top))
        mob.start_new_path(p)
        for corner in ([q[0], p[1], 0], q, [p[0], q[1], 0], p):
            mob.add_line_to(np.array(corner, dtype=float))

    def param_text(self) -> str:
        q = self.now()
        if self.family == "normal":
            return f"\u03bc = {fmt(q['mean'])}    \u03c3 = {fmt(q['sd'])}"
        if self.family == "uniform":
            return f"a = {fmt(q['a'])}    b = {fmt(q['b'])}"
        if self.family == "exponential":
            return f"\u03bb = {fmt(q['rate'])}"
        return f"n = {round(q['n'])}    p = {fmt(q['p'])}"

    def changed(self, part, *inputs) -> bool:
        """Whether ``part`` must be redrawn: its ``inputs`` (its trackers, the boxes it avoids),
        the parameters or the parts shown differ from its last redraw. A redraw is a function
        of these, and most frames of a step change none of them (the step has played, the
        sentence goes on)."""
        key = (tuple(self.now().values()), tuple(map(self._shown, self.parts.values())), inputs)
        if getattr(part, "drawn_from", None) == key:
            return False
        part.drawn_from = key
        return True

    # -- what a label must avoid ----------------------------------------------------------------
    def _shown(self, part) -> bool:
        return part in self.submobjects

    def others(self, text) -> list:
        """The boxes of every other text shown."""
        texts = [*self.numbers, *self.names]
        texts += [p.text for p in [self.params, *self.markers.values(), *self.shades]
                  if self._shown(p) and p.text is not text]
        return rects(texts, pad=0.08)

    def _curve_segments(self) -> list:
        if self.family == "binomial":
            q = self.now()
            n = round(q["n"])
            return [(self.c2p(k + s * 0.4, 0), self.c2p(k + s * 0.4, pmf(n, q["p"], k)))
                    for k in range(n + 1) for s in (-1, 1)] + \
                [(self.c2p(k - 0.4, pmf(n, q["p"], k)), self.c2p(k + 0.4, pmf(n, q["p"], k)))
                 for k in range(n + 1)]
        return segments(np.array(self.curve_points()))

    def mark_segments(self, exclude) -> list:
        found = []
        mean, sd = mean_sd(self.family, self.now())
        for which, marker in self.markers.items():
            if marker is exclude or not self._shown(marker):
                continue
            for x in ([mean] if which == "mean" else [mean - sd, mean + sd]):
                found.append((self.c2p(x, 0), self.c2p(x, self.height(x))))
        return found

    # -- steps ---------------------------------------------------------------------------------
    def enter(self):
        first = [self.curve, self.params]
        draw = AnimationGroup(Create(self.axes), FadeIn(self.numbers), FadeIn(self.names),
                              lag_ratio=0.2)
        curve = AnimationGroup(Create(self.curve, rate_func=linear), FadeIn(self.params),
                               lag_ratio=0.5)
        extra = [*self.header_shades, *self.markers_in_header()]
        anims = [draw, curve]
        if extra:
            anims.append(AnimationGroup(*[p.appear() for p in extra], lag_ratio=0.5))
        return [Enter(self, AnimationGroup(*anims, lag_ratio=0.7), parts=[*extra, *first])]

    def restack(self) -> None:
        """Draw order: axes, then shades under the curve (over the binomial's bars, which
        they recolour), then the marks and the parameters on top."""
        def rank(part) -> int:
            if isinstance(part, _Shade):
                return 1 if self.family == "binomial" else 0
            if isinstance(part, _Curve):
                return 0 if self.family == "binomial" else 1
            return 2 if isinstance(part, (_Marker, _Params)) else -1
        self.submobjects.sort(key=rank)  # stable: the axes keep their order

    def markers_in_header(self) -> list[_Marker]:
        return [self.markers[m] for m in self.data.get("markers", [])]

    def do(self, step: dict[str, Any]):
        op = step["op"]
        if op == "shade":
            part = next(self.later_shades)
            return [Enter(self, part.appear(), parts=[part])]
        if op in ("mean", "sd"):
            part = self.markers[op]
            mean, sd = mean_sd(self.family, self.now())
            x = mean if op == "mean" else mean + sd
            at = self.c2p(x, self.height(x) * (1.0 if op == "mean" else 0.45))
            ring, spread = ripple(at, part.color_, end=0.7)
            return [Enter(self, part.appear(), spread, parts=[part], passing=[ring])]
        return [Enter(self, *[self.q[k].animate(rate_func=linear).set_value(float(v))
                              for k, v in step["params"].items()])]


def build(data: dict[str, Any], box: Box | None = None) -> DistributionFigure:
    return DistributionFigure(data, box)
