"""A matrix figure: grids of entries (matrices in brackets, or tables with lines and headers) side
by side with signs between them, a highlight frame per grid that moves to the row, column or
cell a step names, values written into cells, and row-times-column multiplication (frames on
the row and the column, a caption ``1×5 + 2×7 = 19`` under the grids, the result written):

    f = kit.figure({"kind": "matrix", "grids": [{"name": "", "rows": [["1", "2"], ["3", "4"]],
                    "brackets": True, "header": "none"}], "signs": [],
                    "steps": [{"op": "row", "grid": "", "row": 1}]})
    self.play(*f.enter())
    self.play(*f.step(1))
"""

from __future__ import annotations

from typing import Any

import numpy as np
from manim import (
    BOLD, DOWN, NORMAL, RIGHT, UP, Animation, Create, FadeIn, Indicate, Rectangle,
    RoundedRectangle, Text, Transform, VGroup, VMobject, Write,
)

from flaming_horse.scene_kit import palette
from flaming_horse.scene_kit.figure import Figure
from flaming_horse.scene_kit.labels import place, rect
from flaming_horse.scene_kit.layout import Box, body_area, fit, tag_font

SIZE = 36.0  # font size the figure is built at
MAX_SIZE = 48.0  # a small figure grows to fill its box, up to this font size
LINE = "#6B7386"  # a table's cell lines


def grow(mob: VMobject, box: Box, most: float) -> VMobject:
    """Fit ``mob`` into ``box``: scaled down as needed, or up to fill it (at most ``most``
    times, leaving a tenth free)."""
    factor = min(most, 0.9 * box.width / max(mob.width, 1e-9),
                 0.9 * box.height / max(mob.height, 1e-9))
    if factor > 1:
        mob.scale(factor)
    return fit(mob, box)


def _text(text: str, size: float, color: str = palette.TEXT, bold: bool = False) -> Text:
    weight = BOLD if bold else NORMAL
    return tag_font(Text(text, font=palette.FONT, font_size=size, color=color, weight=weight),
                    size)


def _number(text: str) -> float | None:
    try:
        value = float(text.strip().replace("\u2212", "-"))
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def _factor(text: str) -> str:
    """An entry as a factor in the caption: negative numbers in brackets."""
    text = text.strip()
    return f"({text})" if text.startswith(("-", "\u2212")) else text


def _timeline(data: dict[str, Any]) -> tuple[list[list[list[list[str]]]], dict[int, str]]:
    """Every text each cell ever shows (for column widths), and each multiply step's caption."""
    grids = data["grids"]
    now = [[list(row) for row in g["rows"]] for g in grids]
    seen = [[[[e] for e in row] for row in g["rows"]] for g in grids]
    names = [g["name"] for g in grids]
    captions: dict[int, str] = {}
    for k, step in enumerate(data.get("steps", [])):
        if step["op"] not in ("set", "multiply"):
            continue
        r, c = step["row"] - 1, step["column"] - 1
        if step["op"] == "multiply":
            g = 2
            row = now[0][r]
            column = [line[c] for line in now[1]]
            terms = " + ".join(f"{_factor(a)}\u00d7{_factor(b)}" for a, b in zip(row, column))
            captions[k] = f"{terms} = {step['value']}"
        else:
            g = names.index(step["grid"]) if step["grid"] in names else 0
        now[g][r][c] = step["value"]
        seen[g][r][c].append(step["value"])
    return seen, captions


class _Grid(VGroup):
    """One grid: ``cells`` (rectangles, lines shown for a table), ``entries`` (texts), the
    brackets or header band, and ``frame``, the highlight that moves from step to step."""

    def __init__(self, grid: dict[str, Any], seen: list[list[list[str]]], size: float) -> None:
        super().__init__()
        self.size = size
        unit = size / SIZE
        rows, columns = len(grid["rows"]), len(grid["rows"][0])
        header = grid["header"]
        table = not grid["brackets"]
        self.is_header = [[(header in ("row", "both") and r == 0)
                           or (header in ("column", "both") and c == 0)
                           for c in range(columns)] for r in range(rows)]
        self.entries = [[self._entry(grid["rows"][r][c], self.is_header[r][c])
                         for c in range(columns)] for r in range(rows)]
        pad_x = (0.45 if table else 0.6) * unit
        widths = [max(max(self._entry(t, self.is_header[r][c]).width for t in seen[r][c])
                      for r in range(rows)) + pad_x for c in range(columns)]
        tallest = max(_text("0Ag", size).height, *(e.height for row in self.entries for e in row))
        height = tallest + 0.4 * unit
        self.cells: list[list[Rectangle]] = []
        top = 0.0
        for r in range(rows):
            left, line = 0.0, []
            for c in range(columns):
                cell = Rectangle(width=widths[c], height=height, stroke_color=LINE,
                                 stroke_width=2, stroke_opacity=1 if table else 0,
                                 fill_color=palette.CARD,
                                 fill_opacity=1 if table and self.is_header[r][c] else 0)
                cell.move_to([left + widths[c] / 2, top - height / 2, 0])
                line.append(cell)
                left += widths[c]
            self.cells.append(line)
            top -= height
        for r in range(rows):
            for c in range(columns):
                self.entries[r][c].move_to(self.cells[r][c])
        self.base_colors = [[e.get_color() for e in row] for row in self.entries]
        self.grid_cells = VGroup(*[cell for line in self.cells for cell in line])
        self.texts = VGroup(*[e for line in self.entries for e in line])
        self.brackets = VGroup()
        if not table:
            self.brackets = self._brackets(unit)
        self.frame = RoundedRectangle(corner_radius=0.08 * unit, width=0.1, height=0.1,
                                      stroke_color=palette.ACCENT_2, stroke_width=5,
                                      stroke_opacity=0, fill_color=palette.ACCENT_2,
                                      fill_opacity=0).move_to(self.grid_cells)
        self.framed = False
        self.add(self.grid_cells, self.frame, self.texts, self.brackets)

    def _entry(self, text: str, header: bool) -> Text:
        return _text(text, self.size, palette.ACCENT if header else palette.TEXT, bold=header)

    def _brackets(self, unit: float) -> VGroup:
        x0, y0, _ = self.grid_cells.get_corner(DOWN + np.array([-1.0, 0, 0]))
        x1, y1, _ = self.grid_cells.get_corner(UP + RIGHT)
        gap, arm, rise = 0.14 * unit, 0.18 * unit, 0.1 * unit
        left = VMobject(stroke_color=palette.TEXT, stroke_width=3).set_points_as_corners([
            [x0 - gap + arm, y1 + rise, 0], [x0 - gap, y1 + rise, 0],
            [x0 - gap, y0 - rise, 0], [x0 - gap + arm, y0 - rise, 0]])
        right = VMobject(stroke_color=palette.TEXT, stroke_width=3).set_points_as_corners([
            [x1 + gap - arm, y1 + rise, 0], [x1 + gap, y1 + rise, 0],
            [x1 + gap, y0 - rise, 0], [x1 + gap - arm, y0 - rise, 0]])
        return VGroup(left, right)

    def around(self, cells: list[Rectangle]) -> RoundedRectangle:
        """The highlight frame drawn around ``cells`` (at the grid's present scale)."""
        group = VGroup(*cells)
        grow = 0.12 * self.cells[0][0].height
        frame = RoundedRectangle(corner_radius=0.1 * self.cells[0][0].height,
                                 width=group.width + grow, height=group.height + grow,
                                 stroke_color=palette.ACCENT_2, stroke_width=5,
                                 fill_color=palette.ACCENT_2, fill_opacity=0.16)
        return frame.move_to(group)


class MatrixFigure(Figure):
    """Grids side by side (``grids``), signs between them, names above them when there are
    several, and a caption row under them for multiplication steps."""

    def __init__(self, data: dict[str, Any], box: Box | None = None) -> None:
        box = box or body_area()
        seen, self.captions = _timeline(data)
        self.grids = [_Grid(g, seen[i], SIZE) for i, g in enumerate(data["grids"])]
        row: list[Any] = []
        signs = list(data.get("signs") or [])
        for i, grid in enumerate(self.grids):
            if i and signs and signs[i - 1]:
                row.append(_text(signs[i - 1], SIZE * 1.1))
            row.append(grid)
        self.signs = VGroup(*[m for m in row if not isinstance(m, _Grid)])
        line = VGroup(*row).arrange(RIGHT, buff=0.4)
        for grid in self.grids:  # signs sit level with the grids' middles
            grid.align_to(line, UP).shift(DOWN * (line.height - grid.height) / 2)
        parts: list[Any] = [line]
        self.names = VGroup()
        if len(self.grids) > 1:
            for grid, g in zip(self.grids, data["grids"]):
                if g["name"]:
                    label = _text(g["name"], SIZE * 0.8, palette.MUTED, bold=True)
                    others = [rect(m) for m in (*self.grids, *self.signs, *self.names)]
                    place(label, grid.get_top(), prefer=UP, avoid_rects=others, gap=0.15)
                    self.names.add(label)
            parts.append(self.names)
        self.caption = VGroup()
        self.strip = VGroup()
        if self.captions:
            texts = [_text(c, SIZE * 0.8) for c in self.captions.values()]
            width = max(max(t.width for t in texts), line.width)
            height = max(t.height for t in texts) + 0.2
            self.strip = Rectangle(width=width, height=height, stroke_opacity=0, fill_opacity=0)
            self.strip.next_to(VGroup(line, self.names), DOWN, buff=0.45)
            first = texts[0].move_to(self.strip).set_opacity(0)
            self.caption = first
            parts += [self.strip, self.caption]
        super().__init__(data, *parts)
        for g, grid in enumerate(self.grids):
            self.parts[f"grid {g}"] = grid
            for r, entries in enumerate(grid.entries, start=1):
                for c, entry in enumerate(entries, start=1):
                    self.parts[f"cell {g} {r} {c}"] = entry
        self.width0 = self.width
        grow(self, box, MAX_SIZE / SIZE)

    @property
    def unit(self) -> float:
        """How much fitting scaled the figure (parts made later are made at this scale)."""
        return self.width / self.width0

    # -- steps ---------------------------------------------------------------------------------
    def enter(self) -> list[Animation]:
        anims: list[Animation] = [Animation(self)]  # the figure joins the scene as one
        for grid in self.grids:
            anims.append(Create(grid.brackets) if len(grid.brackets) else
                         Create(grid.grid_cells))
            anims.append(Write(grid.texts))
        if len(self.signs):
            anims.append(FadeIn(self.signs))
        if len(self.names):
            anims.append(FadeIn(self.names, shift=0.2 * DOWN))
        return anims

    def _move_frame(self, grid: _Grid, cells: list[Rectangle]) -> Animation:
        return Transform(grid.frame, grid.around(cells))

    def _grid(self, step: dict[str, Any]) -> _Grid:
        names = [g["name"] for g in self.data["grids"]]
        return self.grids[names.index(step["grid"]) if step.get("grid") in names else 0]

    def _write(self, grid: _Grid, r: int, c: int, value: str) -> Animation:
        entry = grid.entries[r][c]
        new = _text(value, SIZE * self.unit, palette.ACCENT_2)
        return Transform(entry, new.move_to(grid.cells[r][c]))

    def step(self, k: int) -> list[Animation]:
        self._k = k - 1  # which caption a multiply step shows
        return super().step(k)

    def do(self, step: dict[str, Any]) -> list[Animation]:
        op = step["op"]
        if op == "multiply":
            return self._multiply(step)
        grid = self._grid(step)
        if op == "row":
            return [self._move_frame(grid, grid.cells[step["row"] - 1])]
        if op == "column":
            return [self._move_frame(grid, [line[step["column"] - 1] for line in grid.cells])]
        r, c = step["row"] - 1, step["column"] - 1
        if op == "cell":
            return [self._move_frame(grid, [grid.cells[r][c]]),
                    Indicate(grid.entries[r][c], color=palette.ACCENT_2, scale_factor=1.15)]
        return [self._move_frame(grid, [grid.cells[r][c]]), self._write(grid, r, c, step["value"])]

    def _multiply(self, step: dict[str, Any]) -> list[Animation]:
        left, right, result = self.grids[:3]
        r, c = step["row"] - 1, step["column"] - 1
        anims = [self._move_frame(left, left.cells[r]),
                 self._move_frame(right, [line[c] for line in right.cells]),
                 self._move_frame(result, [result.cells[r][c]]),
                 self._write(result, r, c, step["value"])]
        caption = _text(self.captions[self._k], SIZE * 0.8 * self.unit).move_to(self.strip)
        anims.append(Transform(self.caption, caption))
        return anims


def build(data: dict[str, Any], box: Box | None = None) -> MatrixFigure:
    return MatrixFigure(data, box)
