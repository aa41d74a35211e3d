"""Builders for each storyboard visual kind; each returns a mobject placed inside the body area."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from manim import (
    BOLD, DOWN, LEFT, RIGHT, UL, UP, Code, Dot, Line, MathTex, Mobject, RoundedRectangle, Text,
    VGroup,
)

from flaming_horse.scene_kit import palette
from flaming_horse.scene_kit.layout import (
    Box, baseline, body_area, first_fitting, fit, header_area, mark_text, tag_font, text_block,
)
from flaming_horse.scene_kit.tex import tex_template

BODY_SIZES = (32, 30, 28, 26, 24, 22, 20)
CODE_PAGE_LINES = 15


def _first_line(mob: Mobject) -> Mobject:
    """The first line of a kit text block (a Text, or a Paragraph whose children are lines)."""
    return mob if isinstance(mob, Text) else mob[0]


def _marker_row(marker: Mobject, text: str, size: float, width: float, color: str) -> VGroup:
    """``marker`` (a dot or a tick) left of word-wrapped ``text``, centred on its first line."""
    body = text_block(text, size=size, width=width - 0.55, color=color)
    marker.next_to(body, LEFT, buff=0.3)
    marker.set_y(_first_line(body).get_y())
    return VGroup(marker, body)


def _dot(size: float, color: str = palette.ACCENT) -> Dot:
    return Dot(radius=0.055 * size / 24, color=color)


# -- scene title -------------------------------------------------------------------------------


class SceneTitle(VGroup):
    """The scene title at the top left, with an accent rule under it."""


    def __init__(self, title: str) -> None:
        band = header_area()
        text = text_block(title, size=palette.HEADER_SIZE, width=band.width, weight=BOLD,
                          max_lines=1)
        rule = Line(LEFT, RIGHT, color=palette.ACCENT, stroke_width=4)
        rule.scale_to_fit_width(min(text.width, 3.0))
        rule.next_to(text, DOWN, buff=0.12, aligned_edge=LEFT)
        super().__init__(text, rule)
        self.text, self.rule = text, rule
        fit(self, band)
        self.shift([band.left - self.get_left()[0], band.top - self.get_top()[1], 0])
        mark_text(self)


def scene_title(title: str) -> SceneTitle:
    """The scene's title for the band at the top of the frame (``FadeIn`` it once)."""
    return SceneTitle(title)


# -- title card -------------------------------------------------------------------------------


class TitleCard(VGroup):
    """A big centred title (up to three lines) with an optional subtitle."""


    def __init__(self, title: str, subtitle: str | None = None, box: Box | None = None) -> None:
        box = box or body_area()
        self.title = text_block(title, size=palette.TITLE_SIZE, width=box.width, weight=BOLD,
                                align="center", max_lines=3)
        self.subtitle = None
        super().__init__(self.title)
        if subtitle:
            self.subtitle = text_block(subtitle, size=palette.SUBTITLE_SIZE, width=box.width,
                                       color=palette.MUTED, align="center", max_lines=2)
            self.subtitle.next_to(self.title, DOWN, buff=0.5)
            self.add(self.subtitle)
        fit(self, box)
        mark_text(self)


def title_card(title: str, subtitle: str | None = None) -> TitleCard:
    """``Write(c.title)``, then ``FadeIn(c.subtitle)`` when there is one."""
    return TitleCard(title, subtitle)


# -- bullets ----------------------------------------------------------------------------------


class BulletList(VGroup):
    """Rows of (dot, wrapped text), or (number, text) from ``start``; ``rows[i]`` is revealed
    for item i."""


    def __init__(self, items: Sequence[str], box: Box | None = None,
                 start: int | None = None) -> None:
        box = box or body_area()
        rows = first_fitting(lambda size: self._rows(items, size, box.width, start), BODY_SIZES,
                             box)
        super().__init__(*rows)
        self.rows = rows
        fit(self, box)
        mark_text(self)

    @staticmethod
    def _rows(items: Sequence[str], size: float, width: float, start: int | None) -> VGroup:
        def marker(index: int) -> Mobject:
            if start is None:
                return _dot(size)
            return tag_font(Text(f"{start + index}.", font=palette.FONT, font_size=size,
                                 color=palette.ACCENT, weight=BOLD), size)

        rows = VGroup(*[_marker_row(marker(i), item, size, width, palette.TEXT)
                        for i, item in enumerate(items)])
        rows.arrange(DOWN, aligned_edge=LEFT, buff=0.45 * size / 32)
        if start is not None:  # numbers right-aligned, texts on one left edge
            right = max(row[0].get_right()[0] for row in rows)
            for row in rows:
                row[0].shift((right - row[0].get_right()[0]) * RIGHT)
            for row in rows:
                row[1].next_to(row[0], RIGHT, buff=0.3)
                row[1].shift((baseline(row[0]) - baseline(row[1])) * UP)
        return rows


def bullet_list(items: Sequence[str], start: int | None = None) -> BulletList:
    """Reveal ``b.rows[i]`` one by one; ``start`` numbers the items (3. 4. 5. ...)."""
    return BulletList(items, start=start)


# -- equations --------------------------------------------------------------------------------


EQUATION_SIZE = 72


class EquationSteps(VGroup):
    """One MathTex per step, all at the same scale and position; only one is shown at a time."""


    def __init__(self, steps: Sequence[str], box: Box | None = None) -> None:
        box = box or body_area()
        template = tex_template()
        maths = [tag_font(MathTex(s, tex_template=template, font_size=EQUATION_SIZE,
                                  color=palette.TEXT), EQUATION_SIZE) for s in steps]
        factor = min([1.0] + [min(box.width / m.width, box.height / m.height)
                              for m in maths if m.width > 0 and m.height > 0])
        for m in maths:
            m.scale(factor * 0.999).move_to(box.center)
        super().__init__(*maths)
        mark_text(self)


def equation(latex: str) -> MathTex:
    """A single formula fitted into the body area."""
    return equation_steps([latex])[0]


def equation_steps(steps: Sequence[str]) -> EquationSteps:
    """``Write(e[0])``, then transform ``e[i - 1]`` into ``e[i]``; ``e[-1]`` stays on screen."""
    return EquationSteps(steps)


# -- code -------------------------------------------------------------------------------------


def _code(code: str, language: str, first_line: int) -> Code:
    kwargs = dict(code_string=code, formatter_style=palette.CODE_STYLE,
                  line_numbers_from=first_line, background="rectangle",
                  paragraph_config={"font": palette.MONO_FONT, "font_size": palette.CODE_SIZE})
    try:
        mob = Code(language=language or "text", **kwargs)
    except ValueError:  # pygments has no lexer by that name
        mob = Code(language="text", **kwargs)
    return tag_font(mob, palette.CODE_SIZE)


class CodePages(VGroup):
    """A listing split into pages of at most ``max_lines`` lines, all at one scale and place."""


    def __init__(self, code: str, language: str, max_lines: int = CODE_PAGE_LINES,
                 box: Box | None = None) -> None:
        box = box or body_area()
        lines = code.expandtabs(4).rstrip("\n").split("\n") or [""]
        pages = max(1, math.ceil(len(lines) / max_lines))
        per = math.ceil(len(lines) / pages)
        mobs = [_code("\n".join(lines[i:i + per]), language, i + 1)
                for i in range(0, len(lines), per)]
        width, height = max(m.width for m in mobs), max(m.height for m in mobs)
        factor = min(1.0, box.width / width, box.height / height) * 0.999
        corner = box.center + np.array([-width * factor / 2, height * factor / 2, 0])
        for m in mobs:
            m.scale(factor).move_to(corner, aligned_edge=UL)
        super().__init__(*mobs)
        mark_text(self)


def code_pages(code: str, language: str, max_lines: int = CODE_PAGE_LINES) -> CodePages:
    """``FadeIn(p[0])``, then swap ``p[i - 1]`` for ``p[i]``; ``p[-1]`` stays on screen."""
    return CodePages(code, language, max_lines)


def code_listing(code: str, language: str) -> Code:
    """The whole listing as one Code mobject fitted into the body area (long code gets small)."""
    return fit(_code(code, language, 1), body_area())


# -- comparison -------------------------------------------------------------------------------


class Comparison(VGroup):
    """Two columns with headings; row i of each side starts at the same height."""


    GAP = 1.0

    def __init__(self, left_title: str, right_title: str, left: Sequence[str],
                 right: Sequence[str], box: Box | None = None) -> None:
        box = box or body_area()
        built = first_fitting(
            lambda s: self._build(left_title, right_title, left, right, s, box.width),
            BODY_SIZES[1:], box)
        super().__init__(*built)
        self.left, self.right, self.divider = built
        fit(self, box)
        mark_text(self)

    def _build(self, left_title: str, right_title: str, left: Sequence[str],
               right: Sequence[str], size: float, width: float) -> VGroup:
        col = (width - self.GAP) / 2
        xs = (-(col + self.GAP) / 2, (col + self.GAP) / 2)
        colours = (palette.ACCENT, palette.ACCENT_2)
        heads = [text_block(t, size=size + 4, width=col, weight=BOLD, color=c, align="center")
                 for t, c in zip((left_title, right_title), colours)]
        for head, x in zip(heads, xs):
            head.move_to([x, 0, 0], aligned_edge=UP)
        y = -max(h.height for h in heads) - 0.45 * size / 28
        columns = [VGroup(heads[0]), VGroup(heads[1])]
        for i in range(max(len(left), len(right))):
            pair = [side[i] if i < len(side) else None for side in (left, right)]
            row_h = 0.0
            for text, x, c, column in zip(pair, xs, colours, columns):
                if text is None:
                    continue
                item = _marker_row(_dot(size, c), text, size, col, palette.TEXT)
                item.move_to([x - col / 2, y, 0], aligned_edge=UL)
                column.add(item)
                row_h = max(row_h, item.height)
            y -= row_h + 0.35 * size / 28
        top = 0.0
        divider = Line([0, top, 0], [0, min(y, -0.5), 0], color=palette.MUTED, stroke_width=2)
        return VGroup(columns[0], columns[1], divider)


def comparison(left_title: str, right_title: str, left: Sequence[str],
               right: Sequence[str]) -> Comparison:
    """``Create(c.divider)`` with the left column (``c.left``), then the right (``c.right``)."""
    return Comparison(left_title, right_title, left, right)


# -- recap ------------------------------------------------------------------------------------


class Recap(VGroup):
    """A card with one ticked row per key point."""


    def __init__(self, items: Sequence[str], box: Box | None = None) -> None:
        box = box or body_area()
        built = first_fitting(lambda s: self._build(items, s, box.width), BODY_SIZES, box)
        super().__init__(*built)
        self.card, self.items = built
        fit(self, box)
        mark_text(self)

    @staticmethod
    def _build(items: Sequence[str], size: float, width: float) -> VGroup:
        pad = 0.5
        rows = VGroup(*[
            _marker_row(tag_font(Text("\u2713", font=palette.FONT, font_size=size,
                                      color=palette.GOOD, weight=BOLD), size),
                        item, size, width - 2 * pad, palette.TEXT)
            for item in items
        ]).arrange(DOWN, aligned_edge=LEFT, buff=0.5 * size / 32)
        card = RoundedRectangle(width=min(width, rows.width + 2 * pad),
                                height=rows.height + 2 * pad,
                                corner_radius=0.25, stroke_color=palette.GOOD, stroke_width=2,
                                fill_color=palette.CARD, fill_opacity=1)
        card.move_to(rows)
        return VGroup(card, rows)


def recap(items: Sequence[str]) -> Recap:
    """``FadeIn(r.card)``, then reveal ``r.items[i]`` one by one."""
    return Recap(items)
