"""An axes figure: functions on one pair of labelled axes, and what a calculus lesson does on them,
moving while it is said (``kit.figure(data)`` builds it from an ```` ```axes ```` block's data).

A point travels along its curve with its tangent and secant following, a secant shrinks into
the tangent, an area is swept from a to b, Riemann rectangles grow and refine. Each motion is
driven by a number the figure holds (a point's x, a secant's h, an area's right end, the
rectangles' level) and drawn by updaters, so everything attached to a point follows it; a motion
keeps its own pace over the whole step (``_Steady``), so the point travels while the sentence
is spoken. Values (slopes, areas, sums) are read out in a panel placed where nothing is drawn;
their digits are drawn from glyphs made once, so they follow their values every frame.

    f = kit.figure({"kind": "axes", "x_range": [-1, 4], "y_range": [-1, 9],
                    "functions": [{"name": "f", "expression": "x**2"}],
                    "steps": [{"op": "point", "point": "P", "function": "f", "x": 1}, ...]})
    self.play(*f.enter())
    self.play(*f.step(1))
"""

from __future__ import annotations

import math
import re
from typing import Any, Callable

import numpy as np
from manim import (
    BOLD, ITALIC, NORMAL, Animation, AnimationGroup, Create, Dot, FadeIn, LaggedStart, Rectangle, Text, VGroup,
    VMobject, rate_functions,
)

from flaming_horse.scene_kit import palette
from flaming_horse.scene_kit.figure import Figure
from flaming_horse.scene_kit.labels import Rect, overlap, place, rect
from flaming_horse.scene_kit.layout import Box, baseline, body_area, fit, tag_font
from flaming_horse.scene_kit.plot import FunctionPlot, drawable_runs, make_function

# one per function; not ACCENT_2, the colour a highlighted term flashes in
COLOURS = (palette.ACCENT, "#B79CFF", "#E06C75", "#E8E38B")
TANGENT = palette.GOOD
SECANT = "#E88BB7"
LABEL_SIZE = palette.LABEL_SIZE + 2  # function and axis names
POINT_SIZE = palette.LABEL_SIZE + 4  # point names
READOUT_SIZE = palette.LABEL_SIZE + 2
SAMPLES = 600  # points per curve
REGION_SAMPLES = 160  # points along an area's edge
LINE_GAP = 0.14  # between readout lines
PAD = 0.15  # around the readout lines
INK_STEP = 0.05  # spacing of the points a moving label avoids
NUMBER_SLOTS = 6  # characters a value is laid out in (right-aligned): -88.88


def _superscripts(text: str) -> str:
    table = str.maketrans("0123456789-n", "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077"
                          "\u2078\u2079\u207b\u207f")
    text = re.sub(r"\^\{?(-?[0-9]+|n)\}?", lambda m: m.group(1).translate(table), text)
    return re.sub(r"\*\*\s*\(?(-?[0-9]+)\)?", lambda m: m.group(1).translate(table), text)


def pretty(expression: str) -> str:
    """An expression or label as it is read: x**2 as x², 2*x as 2x, other * as ·."""
    text = _superscripts(expression)
    text = re.sub(r"(?<![A-Za-z_.])([0-9.]+)\s*\*\s*(?=[A-Za-z(])", r"\1", text)
    return text.replace("**", "^").replace("*", "\u00b7").replace("-", "\u2212")


def _value(v: float, digits: int = 2) -> str:
    if not math.isfinite(v):
        return "?"
    digits = digits if abs(v) < 1000 else 0
    text = f"{v:.{digits}f}"
    if float(text) == 0:
        text = f"{0:.{digits}f}"
    return text.replace("-", "\u2212")


def _h(h: float) -> str:
    return _value(h, 2 if abs(h) >= 0.095 else 3)


def _text(text: str, size: float, colour: str, weight: str = NORMAL,
          slant: str = NORMAL) -> Text:
    return tag_font(Text(text, font=palette.FONT, font_size=size, color=colour, weight=weight,
                         slant=slant), size)


def _clip(p: np.ndarray, q: np.ndarray, r: Rect) -> tuple[np.ndarray, np.ndarray] | None:
    """Segment p-q cut to rectangle ``r`` (Liang-Barsky), None when it misses it."""
    d = q - p
    t0, t1 = 0.0, 1.0
    for denom, num in ((-d[0], p[0] - r[0]), (d[0], r[2] - p[0]), (-d[1], p[1] - r[1]),
                       (d[1], r[3] - p[1])):
        if abs(denom) < 1e-12:
            if num < 0:
                return None
            continue
        t = num / denom
        if denom < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
    if t0 > t1:
        return None
    return p + t0 * d, p + t1 * d


def _inside(r: Rect, points: np.ndarray) -> np.ndarray:
    return ((points[:, 0] > r[0]) & (points[:, 0] < r[2]) & (points[:, 1] > r[1])
            & (points[:, 1] < r[3]))


def _along(p: np.ndarray, q: np.ndarray, step: float = INK_STEP) -> np.ndarray:
    """Points every ``step`` along segment p-q."""
    count = max(2, int(np.linalg.norm(q - p) / step) + 1)
    return np.linspace(p, q, count)


def _segment_share(r: Rect, p: np.ndarray, q: np.ndarray, samples: int = 16) -> float:
    return float(_inside(r, np.linspace(np.asarray(p), np.asarray(q), samples)).mean())


def _pairs(points: np.ndarray) -> list[tuple]:
    return [(points[i], points[i + 1]) for i in range(len(points) - 1)]


def _near(segments: list[tuple], anchor: np.ndarray, label: Text) -> list[tuple]:
    """The segments that could touch ``label`` placed around ``anchor`` (cut to that reach)."""
    reach = max(label.width, label.height) + 0.3
    r = (anchor[0] - reach, anchor[1] - reach, anchor[0] + reach, anchor[1] + reach)
    found = []
    for p, q in segments:
        cut = _clip(np.asarray(p, dtype=float), np.asarray(q, dtype=float), r)
        if cut is not None:
            found.append(cut)
    return found


_COMPASS = np.array([[math.cos(a), math.sin(a), 0.0]
                     for a in np.linspace(0, 2 * math.pi, 16, endpoint=False)])


def _place(label: Text, anchor: np.ndarray, prefer: np.ndarray, rects: list[Rect],
           ink: np.ndarray, box: Box, gap: float = 0.12) -> None:
    """labels.place for a label that moves every frame: the same costs (other labels' boxes,
    lines drawn, leaving the box, straying from ``prefer``), lines given as points every
    INK_STEP, all sides weighed at once."""
    prefer = prefer / max(float(np.linalg.norm(prefer)), 1e-9)
    dirs = _COMPASS[np.argsort(-(_COMPASS @ prefer), kind="stable")]
    hw, hh = label.width / 2, label.height / 2
    reach = np.abs(dirs[:, 0]) * hw + np.abs(dirs[:, 1]) * hh + gap
    centres = anchor[None, :] + dirs * reach[:, None]
    x0, y0 = centres[:, 0] - hw, centres[:, 1] - hh
    x1, y1 = centres[:, 0] + hw, centres[:, 1] + hh
    area = max(label.width * label.height, 1e-9)
    cost = np.zeros(len(dirs))
    for o in rects:
        w = np.clip(np.minimum(x1, o[2]) - np.maximum(x0, o[0]), 0, None)
        h = np.clip(np.minimum(y1, o[3]) - np.maximum(y0, o[1]), 0, None)
        cost += w * h / area
    if len(ink):
        inside = ((ink[None, :, 0] > x0[:, None]) & (ink[None, :, 0] < x1[:, None])
                  & (ink[None, :, 1] > y0[:, None]) & (ink[None, :, 1] < y1[:, None]))
        cost += inside.sum(axis=1) * INK_STEP / max(min(label.width, label.height), 1e-9)
    out = np.maximum.reduce([box.left - x0, x1 - box.right, box.bottom - y0, y1 - box.top,
                             np.zeros(len(dirs))])
    cost += 10 * out + 0.05 * (1 - dirs @ prefer)
    label.move_to(centres[int(np.argmin(cost))])


class _Digits:
    """Glyphs of the characters a value is written with, made once in a monospaced face (every
    character as wide as the next): a value is laid out by copying their outlines, so a readout
    follows its value every frame without laying out new text."""

    CHARS = "0123456789.\u2212?"

    def __init__(self, size: float) -> None:
        ref = Text(self.CHARS, font=palette.MONO_FONT, font_size=size, color=palette.TEXT)
        two = Text("00", font=palette.MONO_FONT, font_size=size)
        self.advance = float(two[1].get_left()[0] - two[0].get_left()[0])
        self.glyphs = {c: g for c, g in zip(self.CHARS, ref)}
        self.index = {c: i for i, c in enumerate(self.CHARS)}
        self.baseline = float(ref[0].get_bottom()[1])  # digits sit on the baseline
        self.left = float(ref[0].get_left()[0])  # where the first character's cell starts
        self.height = float(ref.height)

    def number(self, slots: int) -> VGroup:
        """A value's glyphs: ``slots`` characters, blank until ``write``."""
        return VGroup(*(VMobject(fill_color=palette.TEXT, fill_opacity=1, stroke_width=0)
                        for _ in range(slots)))

    def write(self, number: VGroup, text: str, origin: np.ndarray) -> None:
        """Lay ``text`` out in ``number``'s slots (the rest blank), its first character's cell
        starting at ``origin`` (x) on the baseline ``origin`` (y); more characters add slots."""
        while len(number) < len(text):
            number.add(VMobject(fill_color=palette.TEXT, fill_opacity=1, stroke_width=0))
        for k, slot in enumerate(number):
            c = text[k] if k < len(text) else " "
            glyph = self.glyphs.get(c)
            if glyph is None:
                slot.clear_points()
                continue
            shift = np.array([origin[0] - self.left + (k - self.index[c]) * self.advance,
                              origin[1] - self.baseline, 0.0])
            slot.points = glyph.points + shift

    def width(self, slots: int) -> float:
        return slots * self.advance


def glide(a: float, ease: float = 0.15) -> float:
    """A pace that eases in and out over ``ease`` of the time and runs at one speed between:
    the motion is seen all the way (an ease in and out would stand nearly still at both
    ends)."""
    speed = 1 / (1 - ease)
    if a < ease:
        return speed * a * a / (2 * ease)
    if a > 1 - ease:
        return 1 - speed * (1 - a) ** 2 / (2 * ease)
    return speed * (ease / 2 + a - ease)


class _Steady(Animation):
    """A motion of the figure's numbers that keeps its own pace (``pace``) over the whole step,
    whatever easing the scene asks for: a point travels all sentence long instead of arriving
    at once and waiting."""

    def __init__(self, clock: VMobject, update: Callable[[float], None],
                 pace: Callable[[float], float] = glide) -> None:
        super().__init__(clock, suspend_mobject_updating=False)
        self._update, self._pace = update, pace

    def begin(self) -> None:
        self.starting_mobject = self.mobject
        self._update(self._pace(0.0))

    def update_mobjects(self, dt: float) -> None:
        pass  # the figure's updaters draw what the numbers say

    def interpolate_mobject(self, alpha: float) -> None:
        self._update(self._pace(float(min(max(alpha, 0.0), 1.0))))

    def finish(self) -> None:
        self._update(self._pace(1.0))


class _Enter(AnimationGroup):
    """A step's animations, and the parts it adds to the figure, added when the step starts:
    a scene builds a step's animations before it waits for the step's word, and a part added
    then would show early."""

    def __init__(self, figure: VGroup, animations: list[Animation],
                 add: list[tuple[VMobject, bool]]) -> None:
        super().__init__(*animations, group=figure, suspend_mobject_updating=False)
        self.figure, self.parts = figure, add

    def _setup_scene(self, scene: Any) -> None:
        for part, behind in self.parts:  # behind: under the curves (areas, rectangles)
            if part not in self.figure.submobjects:
                (self.figure.add_to_back if behind else self.figure.add)(part)
            part.update()
        super()._setup_scene(scene)


class _Curve(VGroup):
    """A function's curve: its pieces (one per stretch inside the ranges). It keeps its size
    when flashed: Indicate scales what it flashes, and a curve across the whole plot would
    leave the frame, so the flash is the colour alone."""

    def scale(self, scale_factor: float, **kwargs: Any) -> "_Curve":
        return self


class _Readout(VGroup):
    """One line of the readout panel: texts and values in a row (a value's part is a VGroup of
    glyph slots)."""


class AxesFigure(Figure):
    """Axes with tick labels and axis names, the curves (``curves[name]``) with their labels;
    points, tangents, secants, areas and rectangles made at build time and added at their steps;
    a readout panel of values."""

    def __init__(self, data: dict[str, Any], box: Box | None = None) -> None:
        super().__init__(data)
        self.box = box = box or body_area()
        self.xr = tuple(map(float, data["x_range"]))
        self.yr = tuple(map(float, data["y_range"]))
        steps: list[dict[str, Any]] = data.get("steps", [])
        axes = FunctionPlot._axes(self.xr, self.yr, box.width, box.height)
        over_x, over_y = axes.width - box.width, axes.height - box.height
        if over_x > 0 or over_y > 0:  # tick labels stick out: shrink the axes, not the labels
            axes = FunctionPlot._axes(self.xr, self.yr, box.width - max(over_x, 0) - 0.05,
                                      box.height - max(over_y, 0) - 0.05)
        self.axes = fit(axes, box)
        self._affine_key: tuple = ()
        self.clock = VMobject()  # what a _Steady motion animates: nothing to draw
        self.add(self.axes, self.clock)
        self.fns = {f["name"]: make_function(f["expression"]) for f in data["functions"]}
        self.colour = {f["name"]: COLOURS[i % len(COLOURS)]
                       for i, f in enumerate(data["functions"])}
        later = {s["function"] for s in steps if s["op"] == "draw"}
        self.curves = {name: self._curve(name) for name in self.fns}
        self.parts.update(self.curves)
        for name, curve in self.curves.items():
            if name not in later:
                self.add(curve)
        # the numbers motions change, and the parts drawn from them
        self.xs: dict[str, float] = {}  # point -> x
        self.on: dict[str, str] = {}  # point -> function
        self.hs: dict[str, float] = {}  # point -> secant h
        self.reach: dict[str, float] = {}  # point -> how far its tangent is drawn out (0 to 1)
        self.dots: dict[str, Dot] = {}
        self.names: dict[str, Text] = {}
        self.tangents: dict[str, VMobject] = {}
        self.secants: dict[str, VGroup] = {}  # line, second point, run, rise
        self.areas: list[VMobject] = []
        self.area_data: list[dict[str, Any]] = []
        self.rects = VMobject(fill_opacity=0.35, stroke_width=1.5)
        self.riemann: dict[str, Any] = {}
        self.digits = _Digits(READOUT_SIZE)
        self._prepare(steps)
        self._label_axes()
        self._label_curves(later)
        self.static_texts = [*self._tick_labels(), self.x_name, self.y_name,
                             *self.curve_labels.values()]
        # parts shown later move (and scale) with the rest when it is fitted to the box
        waiting = [m for m in [*self.curves.values(), *self.curve_labels.values(),
                               self.panel_bg] if m is not None and m not in self.submobjects]
        self.add(*waiting)
        fit(self, box)
        self.remove(*waiting)
        self._ink_cache: dict[str, np.ndarray] = {}

    # -- geometry ------------------------------------------------------------------------------
    def _affine(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The axes' origin and unit steps on screen (they are linear), kept while they stay."""
        key = (*self.axes.x_axis.get_start(), *self.axes.y_axis.get_end())
        if key != self._affine_key:
            o = np.asarray(self.axes.c2p(0, 0), dtype=float)
            self._o = o
            self._ux = np.asarray(self.axes.c2p(1, 0), dtype=float) - o
            self._uy = np.asarray(self.axes.c2p(0, 1), dtype=float) - o
            self._affine_key = key
        return self._o, self._ux, self._uy

    def c2p(self, x: float, y: float) -> np.ndarray:
        o, ux, uy = self._affine()
        return o + x * ux + y * uy

    def c2p_many(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        o, ux, uy = self._affine()
        return o[None, :] + np.asarray(xs)[:, None] * ux[None, :] \
            + np.asarray(ys)[:, None] * uy[None, :]

    def plot_rect(self) -> Rect:
        (a, b, _), (c, d, _) = self.c2p(self.xr[0], self.yr[0]), self.c2p(self.xr[1], self.yr[1])
        return a, b, c, d

    def f(self, name: str, x: float) -> float:
        return float(self.fns[name](np.array([x]))[0])

    def slope(self, name: str, x: float) -> float:
        d = (self.xr[1] - self.xr[0]) * 1e-5
        return (self.f(name, x + d) - self.f(name, x - d)) / (2 * d)

    def base(self) -> float:
        """The y the x axis is drawn at (0 when it is in the range)."""
        return min(max(0.0, self.yr[0]), self.yr[1])

    def clamp(self, y: np.ndarray | float) -> np.ndarray:
        return np.clip(y, *self.yr)

    def _curve(self, name: str) -> _Curve:
        x = np.linspace(*self.xr, SAMPLES)
        y = self.fns[name](x)
        ok = np.isfinite(y) & (y >= self.yr[0]) & (y <= self.yr[1])
        pieces = _Curve()
        for start, end in drawable_runs(ok):
            piece = VMobject(color=self.colour[name], stroke_width=4)
            piece.set_points_as_corners(self.c2p_many(x[start:end], y[start:end]))
            pieces.add(piece)
        if not pieces:  # nothing inside the ranges: an invisible piece, so Create() works
            origin = self.c2p(self.xr[0], self.base())
            pieces.add(VMobject(stroke_opacity=0).set_points_as_corners([origin, origin]))
        return pieces

    def _polylines(self, every: int = 1) -> list[np.ndarray]:
        """Each curve piece's points (every ``every``-th), now."""
        return [p.points[::every] for curve in self.curves.values() for p in curve
                if len(p.points)]

    def _curve_points(self, every: int = 1) -> np.ndarray:
        found = self._polylines(every)
        return np.concatenate(found) if found else np.zeros((0, 3))

    def _curve_segments(self, every: int) -> list[tuple]:
        return [pair for line in self._polylines(every) for pair in _pairs(line)]

    def _axis_segments(self) -> list[tuple]:
        return [(self.axes.x_axis.get_start(), self.axes.x_axis.get_end()),
                (self.axes.y_axis.get_start(), self.axes.y_axis.get_end())]

    def _tick_labels(self) -> list[Text]:
        return [t for axis in (self.axes.x_axis, self.axes.y_axis)
                for t in getattr(axis, "labels", [])]

    # -- build-time layout ---------------------------------------------------------------------
    def _prepare(self, steps: list[dict[str, Any]]) -> None:
        """Make every part a step will add (so highlights can name them before they show),
        the readout lines in the order they appear, and the panel where they will stand."""
        self.readouts: list[tuple] = []  # (kind, key) in order of appearance
        ink: list[np.ndarray] = [self._curve_points_of(c) for c in self.curves.values()]
        where: dict[str, tuple[str, float]] = {}
        areas = [s for s in steps if s["op"] == "area"]
        for s in steps:
            op = s["op"]
            if op == "point":
                name = s["point"]
                where[name] = (s["function"], s["x"])
                self.dots[name] = Dot(radius=0.09, color=palette.TEXT).set_z_index(2)
                self.dots[name].set_stroke(palette.BACKGROUND, width=2)
                self.names[name] = _text(name, POINT_SIZE, palette.TEXT, BOLD)
                self.names[name].set_z_index(4)
                self.parts[name] = self.dots[name]
            elif op == "tangent":
                self.tangents[s["point"]] = VMobject(color=TANGENT, stroke_width=4)
                self.parts.setdefault("tangent", self.tangents[s["point"]])
                self.readouts.append(("tangent", s["point"]))
                ink.append(self._line_ink(*where[s["point"]]))
            elif op == "secant":
                line = VMobject(color=SECANT, stroke_width=4)
                second = Dot(radius=0.07, color=SECANT).set_z_index(2)
                run, rise = (VMobject(color=SECANT, stroke_width=2, stroke_opacity=0.7)
                             for _ in range(2))
                self.secants[s["point"]] = VGroup(line, second, run, rise)
                self.parts.setdefault("secant", line)
                self.readouts.append(("secant", s["point"]))
                ink.append(self._line_ink(*where[s["point"]]))
            elif op == "move":
                name = s["point"]
                fn, x = where[name]
                for t in np.linspace(x, s["x"], 8):
                    ink.append(self._line_ink(fn, float(t)))
                where[name] = (fn, s["x"])
            elif op == "area":
                colour = self.colour[s["function"]]
                area = VMobject(fill_color=colour, fill_opacity=0.3, stroke_width=0)
                self.areas.append(area)
                self.parts.setdefault("area", area)
                label = (f"area from {s['start']:g} to {s['end']:g} =" if len(areas) > 1
                         else "area =").replace("-", "\u2212")
                self.area_data.append({**s, "label": label, "t": s["start"]})
                self.readouts.append(("area", len(self.areas) - 1))
                ink.append(self._region_ink(s["function"], s.get("other"), s["start"],
                                            s["end"]))
            elif op == "riemann":
                self.rects.set_fill(self.colour[s["function"]], opacity=0.35)
                self.rects.set_stroke(palette.TEXT, width=1.5, opacity=0.6)
                self.parts["riemann"] = self.rects
                self.readouts.append(("riemann", 0))
                ink.append(self._region_ink(s["function"], None, s["start"], s["end"]))
        self._place_panel(np.concatenate(ink))

    def _line_ink(self, fn: str, x: float) -> np.ndarray:
        """Points of a tangent at x on fn (where tangents and secants will be drawn)."""
        p, q = self._tangent_ends(fn, x)
        return _along(p, q) if p is not None else np.zeros((0, 3))

    def _region_ink(self, fn: str, other: str | None, a: float, b: float) -> np.ndarray:
        found = []
        left, right = self.c2p(a, 0)[0], self.c2p(b, 0)[0]
        for x in np.linspace(a, b, max(2, int((right - left) / (4 * INK_STEP)))):
            top = float(self.clamp(self.f(fn, x)))
            bottom = float(self.clamp(self.f(other, x))) if other else self.base()
            found.append(_along(self.c2p(float(x), bottom), self.c2p(float(x), top),
                                4 * INK_STEP))
        return np.concatenate(found)

    def _place_panel(self, ink: np.ndarray) -> None:
        """The spot of the plot where the readouts cover the least: curves, regions, lines,
        tick labels and the axes (top left first, where one reads first)."""
        self.panel: Rect | None = None
        self.panel_bg: Rectangle | None = None
        self.readout_lines: list[_Readout] = []
        if not self.readouts:
            return
        for kind, key in self.readouts:
            parts = []
            for part in self._readout_parts(kind, key):
                if isinstance(part, str):
                    text = _text(part.strip(), READOUT_SIZE, palette.TEXT)
                    text.gap = part.startswith("  ")  # a wider gap before it
                    parts.append(text)
                else:
                    parts.append(self.digits.number(part))
            line = _Readout(*parts)
            self.readout_lines.append(line.set_z_index(4))
        self.space = _text("a a", READOUT_SIZE, palette.TEXT).width \
            - _text("aa", READOUT_SIZE, palette.TEXT).width
        self.line_height = max(self.digits.height, *(t.height for line in self.readout_lines
                                                     for t in line if isinstance(t, Text)))
        width = max(self._line_width(line) for line in self.readout_lines)
        count = len(self.readouts)
        w, h = width + 2 * PAD, count * self.line_height + (count - 1) * LINE_GAP + 2 * PAD
        x0, y0, x1, y1 = self.plot_rect()
        ticks = [rect(t) for t in self._tick_labels()]
        spots = [(left, bottom) for bottom in np.linspace(y1 - h, y0 + 0.05, 6)
                 for left in np.linspace(x0 + 0.1, max(x1 - w - 0.1, x0 + 0.1), 7)]
        best, best_cost = spots[0], None
        axes = np.concatenate([_along(np.asarray(p), np.asarray(q))
                               for p, q in self._axis_segments()])
        for rank, (left, bottom) in enumerate(spots):
            r = (left, bottom, left + w, bottom + h)
            # in lengths of what is covered; text over a tick label is a layout fault
            cost = INK_STEP * (int(_inside(r, ink).sum()) + 2 * int(_inside(r, axes).sum()))
            cost += 1000 * sum(overlap(r, t) > 0 for t in ticks) + 0.001 * rank
            if best_cost is None or cost < best_cost:
                best, best_cost = (left, bottom), cost
        left, bottom = best
        self.panel = (left, bottom, left + w, bottom + h)
        # the space kept for the readouts (never drawn; fitted with the figure) and the
        # backdrop drawn behind the lines shown so far
        self.panel_bg = Rectangle(width=w, height=h, stroke_width=0, fill_opacity=0)
        self.panel_bg.move_to([left + w / 2, bottom + h / 2, 0])
        self.backdrop = VMobject(fill_color=palette.BACKGROUND, fill_opacity=0.85,
                                 stroke_width=0).set_z_index(3)
        self.backdrop.add_updater(lambda m: self._draw_backdrop())

    def _line_width(self, line: _Readout) -> float:
        """The widest the line gets (its values at their longest)."""
        widths = [p.width + self.space * 3 * getattr(p, "gap", 0) if isinstance(p, Text)
                  else self.digits.width(len(p)) + self.space * 0.4 for p in line]
        return sum(widths) + self.space * (len(widths) - 1)

    def _readout_parts(self, kind: str, key: Any) -> list[str | int]:
        """The texts (str) and values (their character slots, int) of a readout line."""
        if kind == "tangent":
            return [f"slope at {key} =", NUMBER_SLOTS]
        if kind == "secant":
            return ["secant slope =", NUMBER_SLOTS, "  h =", NUMBER_SLOTS]
        if kind == "area":
            return [self.area_data[key]["label"], NUMBER_SLOTS + 1]
        return [2, "rectangles: sum =", NUMBER_SLOTS + 1]

    def _readout_values(self, kind: str, key: Any) -> list[str]:
        """The values of a readout line now."""
        if kind == "tangent":
            return [_value(self.slope(self.on[key], self.xs[key]))]
        if kind == "secant":
            fn, x, h = self.on[key], self.xs[key], self.hs[key]
            return [_value((self.f(fn, x + h) - self.f(fn, x)) / h), _h(h)]
        if kind == "area":
            s = self.area_data[key]
            xs = np.linspace(s["start"], max(s["t"], s["start"]), 400)
            ys = self.fns[s["function"]](xs)
            if s.get("other"):
                ys = ys - self.fns[s["other"]](xs)
            return [_value(float(np.trapezoid(ys, xs)))]
        r = self.riemann
        n, heights = self._rect_state()
        width = (r["end"] - r["start"]) / len(heights)
        return [str(n), _value(float(np.sum(heights)) * width)]

    def _draw_readout(self, i: int) -> None:
        """Lay out readout line ``i`` at its slot, its values as they are now."""
        line = self.readout_lines[i]
        values = iter(self._readout_values(*self.readouts[i]))
        bg = self.panel_bg
        top = bg.get_top()[1] - PAD - i * (self.line_height + LINE_GAP)
        base = top - self.line_height + 0.06  # the baseline, above the descenders
        x = bg.get_left()[0] + PAD
        for part in line:
            if isinstance(part, Text):
                x += self.space * 3 * getattr(part, "gap", 0)
                part.shift(np.array([x - part.get_left()[0], base - baseline(part), 0.0]))
                x += part.width + self.space
            else:
                value = next(values)
                x += self.space * 0.4  # "=" has little room on its right
                self.digits.write(part, value, np.array([x, base]))
                x += self.digits.width(len(value)) + self.space

    def _draw_backdrop(self) -> None:
        shown = [line for line in self.readout_lines if line in self.submobjects]
        if not shown:
            return
        x0 = min(line.get_left()[0] for line in shown) - PAD
        x1 = max(line.get_right()[0] for line in shown) + PAD
        y0 = min(line.get_bottom()[1] for line in shown) - PAD
        y1 = max(line.get_top()[1] for line in shown) + PAD
        self.backdrop.set_points_as_corners([[x0, y0, 0], [x1, y0, 0], [x1, y1, 0],
                                             [x0, y1, 0], [x0, y0, 0]])

    def _label_axes(self) -> None:
        size = LABEL_SIZE
        slant = lambda s: ITALIC if len(s) == 1 else NORMAL  # noqa: E731 - a variable's name
        x_label, y_label = self.data.get("x_label", "x"), self.data.get("y_label", "y")
        self.x_name = _text(x_label, size, palette.MUTED, slant=slant(x_label))
        self.y_name = _text(y_label, size, palette.MUTED, slant=slant(y_label))
        avoid = [rect(t) for t in self._tick_labels()] + ([self.panel] if self.panel else [])
        segments = self._curve_segments(12) + self._axis_segments()
        for label, anchor, prefer in ((self.x_name, self.axes.x_axis.get_end(), [-0.3, 1, 0]),
                                      (self.y_name, self.axes.y_axis.get_end(), [1, -0.3, 0])):
            place(label, anchor, prefer=np.array(prefer, dtype=float), avoid_rects=avoid,
                  avoid_segments=_near(segments, anchor, label), box=self.box)
            avoid.append(rect(label))
        self.add(self.x_name, self.y_name)

    def _label_curves(self, later: set[str]) -> None:
        """Each curve's label beside the curve, where it covers the least (ticks, axis names,
        the readout panel, the other labels, the curves and the axes)."""
        self.curve_labels: dict[str, Text] = {}
        avoid = [rect(t) for t in self._tick_labels()] + [rect(self.x_name), rect(self.y_name)]
        if self.panel:
            avoid.append(self.panel)
        segments = self._curve_segments(12) + self._axis_segments()
        x0, y0, x1, y1 = self.plot_rect()
        inside = Box(x0, x1, y0, y1)
        for f in self.data["functions"]:
            name = f["name"]
            label = _text(pretty(f.get("label") or f"{name}(x) = {f['expression']}"),
                          LABEL_SIZE, self.colour[name])
            best, best_cost = None, None
            for share in (0.92, 0.8, 0.65, 0.5, 0.35, 0.2, 0.08):
                x = self.xr[0] + share * (self.xr[1] - self.xr[0])
                y = self.f(name, x)
                if not (math.isfinite(y) and self.yr[0] <= y <= self.yr[1]):
                    continue
                anchor = self.c2p(x, y)
                near = _near(segments, anchor, label)
                place(label, anchor, prefer=np.array([-0.4, 1.0, 0.0]), avoid_rects=avoid,
                      avoid_segments=near, box=inside, gap=0.15)
                r = rect(label)
                cost = sum(overlap(r, o) for o in avoid) / (label.width * label.height)
                cost += sum(_segment_share(r, p, q) for p, q in near)
                cost += 10 * max(inside.left - r[0], r[2] - inside.right,
                                 inside.bottom - r[1], r[3] - inside.top, 0)
                if best_cost is None or cost < best_cost - 1e-9:
                    best, best_cost = label.get_center(), cost
            if best is None:  # nothing of the curve is inside the ranges: a corner
                best = np.array([x1 - label.width / 2 - 0.1, y1 - label.height / 2 - 0.1, 0])
            label.move_to(best)
            avoid.append(rect(label))
            self.curve_labels[name] = label
            if name not in later:
                self.add(label)

    # -- parts drawn from the numbers ----------------------------------------------------------
    def point_at(self, name: str) -> np.ndarray:
        x = self.xs[name]
        return self.c2p(x, self.f(self.on[name], x))

    def _tangent_ends(self, fn: str, x: float,
                      share: float = 1.0) -> tuple[np.ndarray | None, Any]:
        """The ends of the tangent at (x, fn(x)), ``share`` of a fifth of the plot's width each
        way, cut to the plot."""
        y = self.f(fn, x)
        p = self.c2p(x, y)
        direction = self.c2p(x + 1, y + self.slope(fn, x)) - p
        norm = float(np.linalg.norm(direction))
        if not math.isfinite(norm) or norm < 1e-9:
            return None, None
        reach = 0.2 * (self.plot_rect()[2] - self.plot_rect()[0]) * max(share, 1e-3)
        d = direction / norm
        clipped = _clip(p - reach * d, p + reach * d, self.plot_rect())
        return clipped if clipped else (None, None)

    def _draw_tangent(self, name: str) -> None:
        p, q = self._tangent_ends(self.on[name], self.xs[name], self.reach.get(name, 1.0))
        if p is None:
            p = q = self.point_at(name)
        self.tangents[name].set_points_as_corners([p, q])

    def _secant_at(self, name: str) -> dict[str, Any]:
        """Where the secant at point ``name`` is now: its line's ends, its second point, and
        the corner of its run and rise."""
        fn, x, h = self.on[name], self.xs[name], self.hs[name]
        p, q = self.point_at(name), self.c2p(x + h, self.f(fn, x + h))
        direction = q - p
        if np.linalg.norm(direction) < 1e-6:
            direction = self.c2p(x + 1, self.f(fn, x) + self.slope(fn, x)) - p
        d = direction / max(float(np.linalg.norm(direction)), 1e-9)
        if np.dot(d, q - p) < 0:
            d = -d
        reach = 0.2 * (self.plot_rect()[2] - self.plot_rect()[0])
        ends = _clip(p - reach * d, q + reach * d, self.plot_rect())
        return {"line": list(ends) if ends else [p, q], "p": p, "q": q,
                "corner": self.c2p(x + h, self.f(fn, x))}

    def _draw_area(self, i: int) -> None:
        s = self.area_data[i]
        a, t = s["start"], max(s["t"], s["start"] + 1e-6)
        xs = np.linspace(a, t, REGION_SAMPLES)
        top = self.clamp(self.fns[s["function"]](xs))
        other = s.get("other")
        bottom = self.clamp(self.fns[other](xs)) if other else np.full_like(xs, self.base())
        outline = np.concatenate([self.c2p_many(xs, top), self.c2p_many(xs[::-1], bottom[::-1])])
        self.areas[i].set_points_as_corners(np.concatenate([outline, outline[:1]]))

    def _rect_heights(self, n: int) -> np.ndarray:
        r = self.riemann
        width = (r["end"] - r["start"]) / n
        shift = {"left": 0.0, "right": 1.0, "mid": 0.5}[r["rule"]]
        return self.fns[r["function"]](r["start"] + (np.arange(n) + shift) * width)

    def _rect_state(self) -> tuple[int, np.ndarray]:
        """The rectangles shown now: their count and heights (between two levels, the finer
        rectangles' heights are still moving from their coarser parents' heights)."""
        r = self.riemann
        levels, pos = r["levels"], r["pos"]
        k = min(int(math.floor(pos)), len(levels) - 1)
        u = pos - k
        if k == len(levels) - 1 or u <= 1e-9:
            return levels[k], self._rect_heights(levels[k]) * r["grow"]
        coarse, fine = levels[k], levels[k + 1]
        centres = (np.arange(fine) + 0.5) / fine
        parents = np.minimum((centres * coarse).astype(int), coarse - 1)
        heights = (1 - u) * self._rect_heights(coarse)[parents] + u * self._rect_heights(fine)
        return (fine if u >= 0.5 else coarse), heights * r["grow"]

    def _draw_rects(self) -> None:
        r = self.riemann
        _, heights = self._rect_state()
        n = len(heights)
        edges = r["start"] + np.arange(n + 1) * (r["end"] - r["start"]) / n
        base = self.base()
        tops = self.clamp(base + heights)
        self.rects.clear_points()
        for j in range(n):
            corners = self.c2p_many(edges[[j, j + 1, j + 1, j, j]],
                                    np.array([base, base, tops[j], tops[j], base]))
            self.rects.start_new_path(corners[0])
            self.rects.add_points_as_corners(corners[1:])

    def _ink(self) -> np.ndarray:
        """Points every INK_STEP along what is drawn now (curves, lines, axes), which a
        moving label keeps off."""
        found = []
        for name, curve in self.curves.items():
            if curve in self.submobjects:
                if name not in self._ink_cache:
                    pts = self._curve_points_of(curve)
                    self._ink_cache[name] = pts
                found.append(self._ink_cache[name])
        for p, q in self._axis_segments():
            found.append(_along(np.asarray(p), np.asarray(q)))
        for line in [*self.tangents.values(), *(s[0] for s in self.secants.values())]:
            if line in self.submobjects and len(line.points):
                found.append(_along(line.points[0], line.points[-1]))
        return np.concatenate(found)[:, :2] if found else np.zeros((0, 2))

    @staticmethod
    def _curve_points_of(curve: VGroup) -> np.ndarray:
        found = []
        for piece in curve:
            pts = piece.points[::4]
            if len(pts) < 2:
                continue
            step = np.linalg.norm(np.diff(pts[:, :2], axis=0), axis=1)
            distance = np.concatenate([[0.0], np.cumsum(step)])
            marks = np.arange(0.0, distance[-1], INK_STEP)
            found.append(np.stack([np.interp(marks, distance, pts[:, 0]),
                                   np.interp(marks, distance, pts[:, 1]),
                                   np.zeros_like(marks)], axis=1))
        return np.concatenate(found) if found else np.zeros((0, 3))

    def _name_updater(self, name: str) -> Callable[[Text], None]:
        state = {"prefer": np.array([-0.6, 1.0, 0.0])}

        def follow(label: Text) -> None:
            if label is not self.names[name]:  # an animation's copy
                return
            anchor = self.point_at(name)
            rects = [rect(t) for t in self.static_texts]
            if self.panel_bg is not None and self.backdrop in self.submobjects:
                rects.append(rect(self.backdrop))
            rects += [rect(self.names[o]) for o in self.names
                      if o != name and self.names[o] in self.submobjects]
            _place(label, anchor, state["prefer"], rects, self._ink(), self.box)
            state["prefer"] = label.get_center() - anchor

        return follow

    # -- steps -------------------------------------------------------------------------------
    def enter(self) -> list[Animation]:
        shown = [c for name, c in self.curves.items() if c in self.submobjects]
        labels = [lab for lab in self.curve_labels.values() if lab in self.submobjects]
        # group=self: the figure goes on screen as one mobject, so one FadeOut takes it away
        return [LaggedStart(Create(self.axes), *(Create(c) for c in shown),
                            *(FadeIn(t) for t in (self.x_name, self.y_name, *labels)),
                            lag_ratio=0.3, group=self)]

    def do(self, step: dict[str, Any]) -> list[Animation]:
        """The step's animations, in one group that adds the parts it draws as it starts (each
        step below returns its animations and those parts: (part, behind))."""
        animations, parts = getattr(self, f"_{step['op']}")(step)
        return [_Enter(self, animations, parts)]

    def _point(self, s: dict[str, Any]) -> tuple[list, list]:
        name = s["point"]
        self.xs[name], self.on[name] = float(s["x"]), s["function"]
        dot, label = self.dots[name], self.names[name]
        dot.add_updater(lambda m: m.move_to(self.point_at(name)))
        dot.update()
        label.add_updater(self._name_updater(name))
        label.update()
        # the dot lands from a wide, faint disc: a small dot alone would barely change the picture
        return ([FadeIn(dot, scale=5, rate_func=rate_functions.ease_out_cubic),
                 FadeIn(label, scale=1.5, rate_func=rate_functions.ease_out_cubic)],
                [(dot, False), (label, False)])

    def _appear_readout(self, kind: str, key: Any) -> tuple[list, list]:
        """The readout line fades in while it already follows its value (a FadeIn would hold
        it still: an animation stops its mobject's updaters)."""
        i = self.readouts.index((kind, key))
        line = self.readout_lines[i]
        first = self.backdrop not in self.submobjects
        state = {"opacity": 0.0}

        def refresh(mob: _Readout) -> None:
            if mob is line:  # not an animation's copy
                self._draw_readout(i)
                mob.set_opacity(state["opacity"])
                self._draw_backdrop()

        line.add_updater(refresh)

        def fade(a: float) -> None:
            state["opacity"] = a
            if first:
                self.backdrop.set_fill(opacity=0.85 * a)

        return ([_Steady(self.clock, fade, lambda a: min(1.0, a / 0.3))],
                [(line, False), (self.backdrop, False)])

    def _tangent(self, s: dict[str, Any]) -> tuple[list, list]:
        name = s["point"]
        line = self.tangents[name]
        self.reach[name] = 0.0
        line.add_updater(lambda m: self._draw_tangent(name))

        def grow(a: float) -> None:  # the tangent is drawn out from P, both ways
            self.reach[name] = a

        readout, parts = self._appear_readout("tangent", name)
        return [_Steady(self.clock, grow), *readout], [(line, False), *parts]

    def _move(self, s: dict[str, Any]) -> tuple[list, list]:
        name, start, end = s["point"], self.xs[s["point"]], float(s["x"])

        def travel(a: float) -> None:
            self.xs[name] = start + (end - start) * a

        return [_Steady(self.clock, travel)], []

    def _secant(self, s: dict[str, Any]) -> tuple[list, list]:
        name, h = s["point"], float(s["h"])
        self.hs[name] = h * 0.02
        group = self.secants[name]
        line, second, run, rise = group
        line.add_updater(lambda m: m.set_points_as_corners(self._secant_at(name)["line"]))
        second.add_updater(lambda m: m.move_to(self._secant_at(name)["q"]))
        run.add_updater(lambda m: m.set_points_as_corners(
            [self._secant_at(name)["p"], self._secant_at(name)["corner"]]))
        rise.add_updater(lambda m: m.set_points_as_corners(
            [self._secant_at(name)["corner"], self._secant_at(name)["q"]]))
        group.set_opacity(0)

        def reach_out(a: float) -> None:  # the second point slides out from P to x + h
            self.hs[name] = h * (0.02 + 0.98 * a)
            seen = min(1.0, a / 0.1)
            line.set_stroke(opacity=seen)
            second.set_fill(opacity=seen)
            for leg in (run, rise):
                leg.set_stroke(opacity=0.7 * seen)

        readout, parts = self._appear_readout("secant", name)
        return [_Steady(self.clock, reach_out), *readout], [(group, False), *parts]

    def _shrink(self, s: dict[str, Any]) -> tuple[list, list]:
        name = s["point"]
        start, end = self.hs[name], float(s["h"])

        def shrink(a: float) -> None:  # the second point slides along the curve to P
            self.hs[name] = start + (end - start) * a

        return [_Steady(self.clock, shrink)], []

    def _area(self, s: dict[str, Any]) -> tuple[list, list]:
        i = sum(1 for area in self.areas if area in self.submobjects)
        area, data = self.areas[i], self.area_data[i]
        area.add_updater(lambda m: self._draw_area(i))

        def sweep(a: float) -> None:
            data["t"] = data["start"] + (data["end"] - data["start"]) * a

        readout, parts = self._appear_readout("area", i)
        return [_Steady(self.clock, sweep), *readout], [(area, True), *parts]

    def _riemann(self, s: dict[str, Any]) -> tuple[list, list]:
        self.riemann = {**s, "rule": s.get("rule") or "left", "levels": [int(s["n"])],
                        "pos": 0.0, "grow": 0.0}
        self.rects.add_updater(lambda m: self._draw_rects())

        def grow(a: float) -> None:
            self.riemann["grow"] = a

        readout, parts = self._appear_readout("riemann", 0)
        return [_Steady(self.clock, grow), *readout], [(self.rects, True), *parts]

    def _refine(self, s: dict[str, Any]) -> tuple[list, list]:
        r = self.riemann
        start, target = r["levels"][-1], int(s["n"])
        levels = [start]
        while levels[-1] != target:  # double (or halve) towards the target: each change a split
            n = levels[-1]
            following = n * 2 if target > n else n // 2
            levels.append(following if (target > n and following < target)
                          or (target < n and following > target) else target)
        r["levels"], r["pos"] = levels, 0.0
        last = len(levels) - 1

        def refine(a: float) -> None:
            r["pos"] = last * a

        return [_Steady(self.clock, refine, rate_functions.linear)], []

    def _draw(self, s: dict[str, Any]) -> tuple[list, list]:
        name = s["function"]
        curve, label = self.curves[name], self.curve_labels[name]
        # drawn at one speed over the step, the label eased in as the scene eases a step
        return ([Create(curve, rate_func=rate_functions.linear),
                 FadeIn(label, rate_func=rate_functions.ease_out_cubic)],
                [(curve, False), (label, False)])


def build(data: dict[str, Any], box: Box | None = None) -> AxesFigure:
    return AxesFigure(data, box)
