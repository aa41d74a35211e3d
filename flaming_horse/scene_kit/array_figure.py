"""An array figure: cells with values, indices under them, named pointers above, and the moves a
narration walks through (binary search, sorting). Laid out to fit the body area; each move is
a method that returns the animations for one step and updates the figure's state:

    a = kit.array_figure(["3", "8", "15"], {"lo": 0, "hi": 2})
    self.play(FadeIn(a))
    self.play(*a.point(mid=1))
    self.play(*a.compare(1))
    self.play(*a.discard(0, 1))
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from manim import (
    BOLD, DOWN, UP, Animation, Arrow, FadeIn, Indicate, Square, Text, Transform, VGroup,
)

from flaming_horse.scene_kit import palette
from flaming_horse.scene_kit.layout import Box, body_area, fit, tag_font

MAX_CELL = 1.1  # frame units: cells never grow larger than this
POINTER_ROW = 0.42  # height of one row of pointer labels
GREY = "#4A5163"


class ArrayFigure(VGroup):
    """``cells`` (squares), ``values`` (texts in them), ``indices`` (under them) and
    ``pointers`` (name -> arrow and label above its cell)."""

    kit_figure = True  # a figure for QC's figure_share (its values are text in it)

    def __init__(self, values: Sequence[str], pointers: dict[str, int] | None = None,
                 box: Box | None = None) -> None:
        box = box or body_area()
        self.fitted = False  # parts made after fitting are made at the fitted scale
        pointers = dict(pointers or {})
        n = len(values)
        rows = max(1, len(pointers))  # room for this many labels stacked over one cell
        side = min(MAX_CELL, box.width / n, (box.height - 0.5) / (2.2 + POINTER_ROW * rows))
        self.side = side
        self.size = max(14.0, min(34.0, side * 30))
        self.cells = VGroup(*[Square(side, stroke_color=palette.ACCENT, stroke_width=3,
                                     fill_color=palette.CARD, fill_opacity=1) for _ in values])
        self.cells.arrange(np.array([1.0, 0.0, 0.0]), buff=0)
        self.values = VGroup(*[self._value(v, cell) for v, cell in zip(values, self.cells)])
        self.indices = VGroup(*[
            tag_font(Text(str(i), font=palette.FONT, font_size=self.size * 0.6,
                          color=palette.MUTED), self.size * 0.6).next_to(cell, DOWN, buff=0.12)
            for i, cell in enumerate(self.cells)])
        self.where = dict(pointers)
        self.pointers: dict[str, VGroup] = {name: self._pointer(name) for name in pointers}
        super().__init__(self.cells, self.values, self.indices, *self.pointers.values())
        self._place_pointers()
        fit(self, box)
        self.fitted = True

    # -- parts ---------------------------------------------------------------------------------
    @property
    def unit(self) -> float:
        """How much the figure was scaled to fit (parts made later are made at this scale)."""
        return self.cells[0].width / self.side if self.fitted else 1.0

    def _value(self, text: str, cell: Square) -> Text:
        size = self.size * self.unit
        mob = tag_font(Text(str(text), font=palette.FONT, font_size=size, color=palette.TEXT),
                       size)
        if mob.width > cell.width * 0.8:
            mob.scale_to_fit_width(cell.width * 0.8)
        return mob.move_to(cell)

    def _pointer(self, name: str) -> VGroup:
        unit = self.unit
        size = self.size * 0.7 * unit
        label = tag_font(Text(name, font=palette.FONT, font_size=size, color=palette.ACCENT_2,
                              weight=BOLD), size)
        if label.width > self.cells[0].width * 0.95:
            label.scale_to_fit_width(self.cells[0].width * 0.95)
        length = self.side * 0.45 * unit
        arrow = Arrow(UP * length, np.zeros(3), buff=0, color=palette.ACCENT_2, stroke_width=4,
                      max_tip_length_to_length_ratio=0.4)
        return VGroup(arrow, label)

    def _slots(self) -> dict[str, np.ndarray]:
        """Where each pointer's arrow tip goes: over its cell, several on one cell stacked."""
        places: dict[str, np.ndarray] = {}
        by_cell: dict[int, list[str]] = {}
        for name, index in self.where.items():
            by_cell.setdefault(index, []).append(name)
        for index, names in by_cell.items():
            top = self.cells[index].get_top()
            for row, name in enumerate(names):
                places[name] = top + UP * (0.08 + row * POINTER_ROW) * self.unit * (
                    self.side / MAX_CELL)
        return places

    def _arranged(self, name: str, tip: np.ndarray) -> VGroup:
        """A copy of pointer ``name`` with its arrow's tip at ``tip``, the label over it."""
        arrow, label = self.pointers[name].copy()
        arrow.move_to(tip, aligned_edge=DOWN)
        label.next_to(arrow, UP, buff=0.05)
        return VGroup(arrow, label)

    def _place_pointers(self) -> None:
        for name, tip in self._slots().items():
            self.pointers[name].become(self._arranged(name, tip))

    # -- moves: each returns the animations of one step ----------------------------------------
    def point(self, **moves: int) -> list[Animation]:
        """Move pointers to cells (a new name appears there)."""
        appear = [name for name in moves if name not in self.pointers]
        before = dict(self.where)
        for name in appear:
            self.pointers[name] = self._pointer(name)
            self.add(self.pointers[name])
        self.where.update(moves)
        anims: list[Animation] = []
        for name, tip in self._slots().items():
            target = self._arranged(name, tip)
            if name in appear:
                self.pointers[name].become(target)
                anims.append(FadeIn(self.pointers[name], shift=0.2 * DOWN))
            elif not np.allclose(target.get_center(), self.pointers[name].get_center()):
                anims.append(Transform(self.pointers[name], target,
                                       path_func=self._path(name, before.get(name), moves)))
        # the cells pointed at light up as the pointers arrive: the step is seen, not only a
        # small arrow sliding
        anims += [Indicate(self.cells[self.where[name]], color=palette.ACCENT_2, scale_factor=1.12)
                  for name in moves]
        return anims

    def _path(self, name: str, start: int | None, moves: dict[str, int]):
        """A pointer that passes over other pointers' cells rises over their labels on its way
        (a straight slide would cross them); one that passes none slides straight."""
        end = self.where[name]
        low, high = sorted((start if start is not None else end, end))
        passed = [other for other, cell in self.where.items()
                  if other != name and low <= cell <= high]
        if not passed:
            return None
        lift = (len(self.where) + 1) * POINTER_ROW * self.unit * (self.side / MAX_CELL)

        def rising(start_points, end_points, alpha):
            return start_points + alpha * (end_points - start_points) \
                + np.sin(np.pi * alpha) * lift * UP

        return rising

    def _cells_of(self, refs: Sequence[int | str]) -> list[int]:
        return [self.where[r] if isinstance(r, str) else int(r) for r in refs]

    def compare(self, *refs: int | str) -> list[Animation]:
        """Flash the cells being compared."""
        return [Indicate(VGroup(self.cells[i], self.values[i]), color=palette.ACCENT_2,
                         scale_factor=1.2) for i in self._cells_of(refs)]

    def found(self, *refs: int | str) -> list[Animation]:
        """Mark cells as the answer: filled in the success colour."""
        anims: list[Animation] = []
        for i in self._cells_of(refs):
            anims.append(self.cells[i].animate.set_fill(palette.GOOD, opacity=0.45)
                         .set_stroke(palette.GOOD))
        return anims

    def discard(self, *refs: int | str) -> list[Animation]:
        """Grey out cells that can no longer hold the answer."""
        anims: list[Animation] = []
        for i in self._cells_of(refs):
            anims.append(self.cells[i].animate.set_stroke(GREY).set_fill(palette.BACKGROUND))
            anims.append(self.values[i].animate.set_opacity(0.35))
        return anims

    def swap(self, a: int | str, b: int | str) -> list[Animation]:
        """Exchange two values: each moves to the other's cell."""
        i, j = self._cells_of([a, b])
        first, second = self.values[i], self.values[j]
        anims = [first.animate.move_to(self.cells[j]), second.animate.move_to(self.cells[i])]
        self.values.submobjects[i], self.values.submobjects[j] = second, first
        return anims

    def write(self, ref: int | str, value: str) -> list[Animation]:
        """Write a new value into a cell."""
        (i,) = self._cells_of([ref])
        return [Transform(self.values[i], self._value(value, self.cells[i]))]


def array_figure(values: Sequence[str], pointers: dict[str, int] | None = None) -> ArrayFigure:
    """``FadeIn`` it, then play each move: ``*a.point(mid=3)``, ``*a.compare("mid")``,
    ``*a.discard(0, 1, 2)``, ``*a.found("mid")``, ``*a.swap(1, 2)``, ``*a.write(3, "42")``."""
    return ArrayFigure(values, pointers)
