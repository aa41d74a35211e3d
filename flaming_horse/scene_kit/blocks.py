"""Builders for the Markdown blocks a script can show besides lists and formulas: a quote, a table
and an image. Each fits inside the body area (text wraps before it shrinks)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

from manim import (
    BOLD, DOWN, ITALIC, LEFT, NORMAL, RIGHT, UP, Group, ImageMobject, Line, MathTex, Mobject,
    SVGMobject, VGroup,
)

from flaming_horse.scene_kit import palette
from flaming_horse.scene_kit.layout import (
    Box, baseline, body_area, first_fitting, fit, mark_text, tag_font, text_block,
)
from flaming_horse.scene_kit.tex import tex_template

QUOTE_SIZES = (40, 36, 32, 30, 28, 26, 24, 22, 20)
TABLE_SIZES = (30, 28, 26, 24, 22, 20, 18, 16)
CAPTION_SIZE = 26


# -- quote ------------------------------------------------------------------------------------


class Quote(VGroup):
    """An accent bar beside the quoted text, the attribution under it (``q.text``, ``q.bar``,
    ``q.attribution`` or None)."""


    def __init__(self, text: str, attribution: str | None = None, box: Box | None = None) -> None:
        box = box or body_area()
        built = first_fitting(lambda size: self._build(text, attribution, size, box.width * 0.85),
                              QUOTE_SIZES, box)
        super().__init__(*built)
        self.bar, self.text = built[0], built[1]
        self.attribution = built[2] if attribution else None
        fit(self, box)
        mark_text(self)

    @staticmethod
    def _build(text: str, attribution: str | None, size: float, width: float) -> VGroup:
        body = text_block(f"\u201c{text}\u201d", size=size, width=width - 0.5, slant=ITALIC)
        parts = [body]
        if attribution:
            who = text_block(f"\u2014 {attribution}", size=max(20, size * 0.7), width=width - 0.5,
                             color=palette.MUTED)
            who.next_to(body, DOWN, buff=0.35 * size / 32, aligned_edge=RIGHT)
            parts.append(who)
        bar = Line(UP, DOWN, color=palette.ACCENT, stroke_width=6)
        bar.set_height(body.height).next_to(body, LEFT, buff=0.35)
        return VGroup(bar, *parts)


def quote(text: str, attribution: str | None = None) -> Quote:
    """``FadeIn(q.bar)`` with ``Write(q.text)``, then ``FadeIn(q.attribution)`` when there is one."""
    return Quote(text, attribution)


# -- table ------------------------------------------------------------------------------------


class Table(VGroup):
    """A header row in the accent colour, a rule under it, then the rows (``t.header``,
    ``t.rule``, ``t.rows[i]``); columns as wide as their text needs, within the body area."""


    GAP = 0.8  # between columns, frame units

    def __init__(self, header: Sequence[str], rows: Sequence[Sequence[str]],
                 align: Sequence[str] | None = None, box: Box | None = None) -> None:
        box = box or body_area()
        align = list(align or []) + ["left"] * len(header)
        built = first_fitting(lambda size: self._build(header, rows, align, size, box.width),
                              TABLE_SIZES, box)
        super().__init__(*built)
        self.header, self.rule, self.rows = built[0], built[1], built[2]
        fit(self, box)
        mark_text(self)

    def _build(self, header: Sequence[str], rows: Sequence[Sequence[str]], align: list[str],
               size: float, width: float) -> VGroup:
        columns = len(header)
        grid = [list(header), *[list(r) + [""] * (columns - len(r)) for r in rows]]
        room = max(1.0, width - self.GAP * (columns - 1))

        def cell(text: str, r: int, c: int, limit: float) -> Mobject:
            color = palette.ACCENT if r == 0 else palette.TEXT
            formula = re.fullmatch(r"\$([^$]+)\$", str(text))
            if formula:  # a cell that is one formula is drawn as one
                mob = tag_font(MathTex(formula.group(1), tex_template=tex_template(),
                                       font_size=size * 1.3, color=color), size)
                return mob.scale(min(1.0, limit / mob.width)) if mob.width > limit else mob
            return text_block(str(text), size=size, width=limit, weight=BOLD if r == 0 else NORMAL,
                              color=color)

        # columns as wide as their longest cell on one line; wrapped into shares when too wide
        mobs = [[cell(grid[r][c], r, c, room) for c in range(columns)] for r in range(len(grid))]
        natural = [max(row[c].width for row in mobs) for c in range(columns)]
        if sum(natural) > room:  # too wide on one line each: wrap the wide columns into shares
            fair = room / columns
            narrow = sum(w for w in natural if w <= fair)
            wide = [w for w in natural if w > fair]
            share = (room - narrow) / max(sum(wide), 1e-9)
            natural = [w if w <= fair else w * share for w in natural]
            mobs = [[cell(grid[r][c], r, c, natural[c]) for c in range(columns)]
                    for r in range(len(grid))]
            natural = [max(row[c].width for row in mobs) for c in range(columns)]
        lefts = [sum(natural[:c]) + self.GAP * c for c in range(columns)]
        step = 0.35 * size / 28
        y = 0.0
        lines = []
        rule = None
        for r, row in enumerate(mobs):
            for c, mob in enumerate(row):
                left, right = lefts[c], lefts[c] + natural[c]
                x = right - mob.width / 2 if align[c] == "right" else \
                    (left + right) / 2 if align[c] == "center" else left + mob.width / 2
                mob.set_x(x)
                mob.shift(-baseline(mob) * UP)  # the cells of a row share a baseline
            line = VGroup(*row)
            line.shift((y - line.get_top()[1]) * UP)  # just under the row above
            y = line.get_bottom()[1] - step
            lines.append(line)
            if r == 0:
                rule = Line([0, y, 0], [lefts[-1] + natural[-1], y, 0], color=palette.MUTED,
                            stroke_width=2)
                y -= step
        return VGroup(lines[0], rule, VGroup(*lines[1:]))


def table(header: Sequence[str], rows: Sequence[Sequence[str]],
          align: Sequence[str] | None = None) -> Table:
    """``FadeIn(t.header)`` with ``Create(t.rule)``, then reveal ``t.rows[i]`` one by one."""
    return Table(header, rows, align)


# -- image ------------------------------------------------------------------------------------


def image(path: str | Path, caption: str | None = None, box: Box | None = None) -> Group:
    """A picture (PNG/JPEG/... or SVG) fitted into the body area, the caption under it.
    Returns a Group with ``.picture`` and ``.caption`` (or None): ``FadeIn`` the picture, then
    the caption."""
    box = box or body_area()
    path = Path(path)
    picture: Mobject = SVGMobject(str(path)) if path.suffix.lower() == ".svg" \
        else ImageMobject(str(path))
    parts: list[Mobject] = [picture]
    label = None
    room = Box(box.left, box.right, box.bottom, box.top)
    if caption:
        label = text_block(caption, size=CAPTION_SIZE, width=box.width, color=palette.MUTED,
                           align="center", max_lines=2)
        room = Box(box.left, box.right, box.bottom + label.height + 0.3, box.top)
    factor = min(room.width / max(picture.width, 1e-9), room.height / max(picture.height, 1e-9))
    picture.scale(factor * 0.999).move_to(room.center)
    if label is not None:
        label.next_to(picture, DOWN, buff=0.25)
        parts.append(label)
    group = Group(*parts)
    group.move_to(box.center)
    group.picture, group.caption = picture, label
    return group
