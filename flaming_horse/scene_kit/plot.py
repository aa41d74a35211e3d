"""Function plots: a restricted evaluator for ``y = f(x)`` strings and an axes + graph builder."""

from __future__ import annotations

import ast
import math
from typing import Callable, Sequence

import numpy as np
from manim import DL, LEFT, UR, Axes, BackgroundRectangle, MathTex, Text, VGroup, VMobject

from flaming_horse.scene_kit import palette
from flaming_horse.scene_kit.layout import Box, body_area, fit, tag_font
from flaming_horse.scene_kit.tex import tex_template

PLOT_CONSTANTS = {"pi": np.pi, "e": np.e}
PLOT_FUNCTIONS = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log, "sqrt": np.sqrt,
    "abs": np.abs, "arctan": np.arctan, "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh,
}
_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Call, ast.Name, ast.Load, ast.Constant,
          ast.operator, ast.unaryop)
SAMPLES = 600


def make_function(expression: str) -> Callable[[np.ndarray], np.ndarray]:
    """Compile ``expression`` (in x, pi, e and the PLOT_FUNCTIONS) into a vectorised function.

    Raises ValueError for anything else: attributes, subscripts, unknown names, ``^``.
    """
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"not a valid expression: {expression!r} ({exc.msg})") from None
    for node in ast.walk(tree):
        if not isinstance(node, _NODES) or isinstance(node, ast.BitXor):
            hint = " (use ** for powers)" if isinstance(node, ast.BitXor) else ""
            raise ValueError(f"{type(node).__name__} is not allowed in {expression!r}{hint}")
        if isinstance(node, ast.Name) and node.id not in {"x", *PLOT_CONSTANTS, *PLOT_FUNCTIONS}:
            raise ValueError(f"unknown name {node.id!r} in {expression!r}")
        if isinstance(node, ast.Call) and not (
                isinstance(node.func, ast.Name) and node.func.id in PLOT_FUNCTIONS
                and len(node.args) == 1 and not node.keywords):
            raise ValueError(f"only one-argument calls to {sorted(PLOT_FUNCTIONS)} are allowed")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)):
            raise ValueError(f"only numbers are allowed as constants in {expression!r}")
    code = compile(tree, "<plot>", "eval")

    def f(x: np.ndarray) -> np.ndarray:
        namespace = {"__builtins__": {}, **PLOT_CONSTANTS, **PLOT_FUNCTIONS, "x": x}
        with np.errstate(all="ignore"):
            y = eval(code, namespace)  # noqa: S307 - checked AST, no builtins
        return np.broadcast_to(np.asarray(y, dtype=float), np.shape(x)).astype(float)

    return f


def nice_step(span: float, target_ticks: int = 8) -> float:
    """A 1-2-5 tick spacing giving about ``target_ticks`` ticks over ``span``."""
    raw = span / max(target_ticks, 1)
    power = 10 ** math.floor(math.log10(raw))
    for mult in (1, 2, 5, 10):
        if raw <= mult * power:
            return mult * power
    return 10 * power


def _tick_text(value: float) -> Text:
    label = f"{value:g}".replace("-", "\u2212")
    return tag_font(Text(label, font=palette.FONT, font_size=palette.LABEL_SIZE,
                         color=palette.MUTED), palette.LABEL_SIZE)


def _ticks(lo: float, hi: float, step: float) -> list[float]:
    start = math.ceil(lo / step - 1e-9)
    values = [round(k * step, 10) for k in range(start, math.floor(hi / step + 1e-9) + 1)]
    return [v for v in values if abs(v) > 1e-12]


def drawable_runs(ok: Sequence[bool]) -> list[tuple[int, int]]:
    """(start, end) of each run of at least two samples of a curve that can be drawn (finite and
    inside the y range): a curve is drawn as these pieces, never across a gap."""
    runs, start = [], None
    for i, good in enumerate([*ok, False]):
        if good and start is None:
            start = i
        elif not good and start is not None:
            if i - start >= 2:
                runs.append((start, i))
            start = None
    return runs


class FunctionPlot(VGroup):
    """Axes, the graph (one VMobject per continuous piece) and an optional label."""

    kit_figure = True  # a figure for QC's figure_share (its labels are text in it)

    def __init__(self, function: str, x_range: tuple[float, float] = (-5.0, 5.0),
                 y_range: tuple[float, float] = (-5.0, 5.0), label: str | None = None,
                 box: Box | None = None) -> None:
        super().__init__()
        box = box or body_area()
        (x0, x1), (y0, y1) = sorted(map(float, x_range)), sorted(map(float, y_range))
        if x1 - x0 <= 0 or y1 - y0 <= 0:
            raise ValueError("plot ranges must have a positive length")
        self.axes = self._axes((x0, x1), (y0, y1), box.width, box.height)
        # Tick labels stick out of the axes: shrink the axes (not the labels) to make room.
        over_x, over_y = self.axes.width - box.width, self.axes.height - box.height
        if over_x > 0 or over_y > 0:
            self.axes = self._axes((x0, x1), (y0, y1), box.width - max(over_x, 0) - 0.05,
                                   box.height - max(over_y, 0) - 0.05)
        self.graph = self._graph(make_function(function), (x0, x1), (y0, y1))
        self.add(self.axes, self.graph)
        self.label: VGroup | None = None
        if label:
            tex = MathTex(label, tex_template=tex_template(), color=palette.ACCENT_2)
            tex.scale_to_fit_height(min(tex.height, 0.6))
            if tex.width > box.width / 2:
                tex.scale_to_fit_width(box.width / 2)
            self.label = VGroup(BackgroundRectangle(tex, color=palette.BACKGROUND,
                                                    fill_opacity=0.85, buff=0.1), tex)
            self._place_label(self.label)
            self.add(self.label)
        fit(self, box)

    def _place_label(self, label: VGroup) -> None:
        """Put ``label`` along the top or bottom edge of the axes where it covers the fewest
        graph points and no tick label (a tick label under it counts as 100 graph points)."""
        points = np.concatenate([p.points for p in self.graph] or [np.zeros((0, 3))])
        ticks = [t for axis in (self.axes.x_axis, self.axes.y_axis)
                 for t in getattr(axis, "labels", [])]
        left, right = self.axes.get_left()[0], self.axes.get_right()[0]
        top, bottom = self.axes.get_top()[1], self.axes.get_bottom()[1]
        half_w, half_h = label.width / 2, label.height / 2
        spots = [(x, y) for y in (top - half_h, bottom + half_h)
                 for x in (right - half_w, left + half_w, left + (right - left) * 0.75,
                           left + (right - left) * 0.25)]
        best, best_hits = spots[0], None
        for x, y in spots:
            x0, x1, y0, y1 = x - half_w, x + half_w, y - half_h, y + half_h
            hits = int(np.sum((points[:, 0] > x0 - 0.1) & (points[:, 0] < x1 + 0.1)
                              & (points[:, 1] > y0 - 0.1) & (points[:, 1] < y1 + 0.1)))
            for tick in ticks:
                (a0, b0, _), (a1, b1, _) = tick.get_corner(DL), tick.get_corner(UR)
                if a0 < x1 and a1 > x0 and b0 < y1 and b1 > y0:
                    hits += 100
            if best_hits is None or hits < best_hits:
                best, best_hits = (x, y), hits
        label.move_to(np.array([best[0], best[1], 0.0]))

    @staticmethod
    def _axes(xr: tuple[float, float], yr: tuple[float, float], width: float,
              height: float) -> Axes:
        xs, ys = nice_step(xr[1] - xr[0]), nice_step(yr[1] - yr[0], 6)
        axes = Axes(x_range=[*xr, xs], y_range=[*yr, ys], x_length=width, y_length=height,
                    tips=False, axis_config={"color": palette.AXES, "stroke_width": 2})
        size = palette.LABEL_SIZE
        axes.x_axis.add_labels({v: _tick_text(v) for v in _ticks(*xr, xs)}, font_size=size)
        axes.y_axis.add_labels({v: _tick_text(v) for v in _ticks(*yr, ys)}, direction=LEFT,
                               font_size=size)
        return axes

    def _graph(self, f: Callable[[np.ndarray], np.ndarray], xr: tuple[float, float],
               yr: tuple[float, float]) -> VGroup:
        x = np.linspace(xr[0], xr[1], SAMPLES)
        y = f(x)
        ok = np.isfinite(y) & (y >= yr[0]) & (y <= yr[1])
        pieces = VGroup()
        for start, end in drawable_runs(ok):
            points = [self.axes.c2p(a, b) for a, b in zip(x[start:end], y[start:end])]
            piece = VMobject(color=palette.ACCENT_2, stroke_width=5)
            piece.set_points_as_corners(points)
            pieces.add(piece)
        if not pieces:  # nothing inside the ranges: keep an invisible piece so Create() works
            origin = self.axes.c2p(*[min(max(0.0, lo), hi) for lo, hi in (xr, yr)])
            pieces.add(VMobject(stroke_opacity=0).set_points_as_corners([origin, origin]))
        return pieces


def function_plot(function: str, x_range: tuple[float, float] = (-5.0, 5.0),
                  y_range: tuple[float, float] = (-5.0, 5.0),
                  label: str | None = None) -> FunctionPlot:
    """Axes over the ranges, the graph of ``function`` clipped to them, and an optional LaTeX label.

    Draw with ``Create(p.axes)``, then ``Create(p.graph)``, then ``FadeIn(p.label)`` if any.
    """
    return FunctionPlot(function, x_range, y_range, label)


__all__ = ["FunctionPlot", "function_plot", "make_function", "nice_step"]
