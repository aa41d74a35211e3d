"""Safe areas, fitting and word-wrapped text: everything a scene shows stays inside the frame."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Literal, TypeVar

import numpy as np
from manim import NORMAL, Mobject, Paragraph, Text, config

from flaming_horse.scene_kit import palette

MARGIN = 0.4  # frame units kept free on every side
HEADER_BAND = 0.8  # height reserved at the top of the safe area for the scene title
HEADER_GAP = 0.3  # space between the scene title band and the body area

M = TypeVar("M", bound=Mobject)


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in frame units."""

    left: float
    right: float
    bottom: float
    top: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.top - self.bottom

    @property
    def center(self) -> np.ndarray:
        return np.array([(self.left + self.right) / 2, (self.bottom + self.top) / 2, 0.0])

    def contains(self, mob: Mobject, tol: float = 1e-3) -> bool:
        """True when the bounding box of ``mob`` lies inside this box."""
        if not mob.has_points() and not mob.submobjects:
            return True
        (x0, y0, _), (x1, y1, _) = mob.get_corner([-1, -1, 0]), mob.get_corner([1, 1, 0])
        return (x0 >= self.left - tol and x1 <= self.right + tol
                and y0 >= self.bottom - tol and y1 <= self.top + tol)


def bounds(mob: Mobject) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1): the bounding box of ``mob`` and its family, from their points in one
    numpy pass (manim's get_corner asks each dimension of each member in turn: ten times
    slower, and layout checks and labels ask on every frame)."""
    points = [m.points for m in mob.get_family() if len(m.points)]
    if not points:
        x, y, _ = mob.get_center()
        return float(x), float(y), float(x), float(y)
    every = np.concatenate(points)
    (x0, y0), (x1, y1) = every[:, :2].min(axis=0), every[:, :2].max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)


def safe_area(margin: float = MARGIN) -> Box:
    """The frame minus ``margin`` on every side."""
    w, h = config.frame_width / 2 - margin, config.frame_height / 2 - margin
    return Box(-w, w, -h, h)


def header_area() -> Box:
    """The band at the top of the safe area where the scene title sits."""
    safe = safe_area()
    return Box(safe.left, safe.right, safe.top - HEADER_BAND, safe.top)


def body_area() -> Box:
    """The free area below the scene title: every visual fits in here."""
    safe = safe_area()
    return Box(safe.left, safe.right, safe.bottom, safe.top - HEADER_BAND - HEADER_GAP)


def fits(mob: Mobject, box: Box) -> bool:
    """True when ``mob`` is no wider and no taller than ``box``."""
    return mob.width <= box.width + 1e-6 and mob.height <= box.height + 1e-6


def fit(mob: M, box: Box | None = None, *, align: Literal["center", "top"] = "center") -> M:
    """Scale ``mob`` down (never up) to fit ``box`` (default: the body area) and move it there."""
    box = box or body_area()
    factor = min(1.0, box.width / max(mob.width, 1e-9), box.height / max(mob.height, 1e-9))
    if factor < 1.0:
        mob.scale(factor * 0.999)
    mob.move_to(box.center)
    if align == "top":
        mob.shift((box.top - mob.get_top()[1]) * np.array([0.0, 1.0, 0.0]))
    return mob


def first_fitting(build: Callable[[float], M], sizes: Iterable[float], box: Box) -> M:
    """Build with each font size in turn; return the first that fits ``box``, else fit the last."""
    mob: M | None = None
    for size in sizes:
        mob = build(size)
        if fits(mob, box):
            return mob
    assert mob is not None, "sizes must not be empty"
    return fit(mob, box)


# -- text ------------------------------------------------------------------------------------


def tag_font(mob: M, size: float) -> M:
    """Record the font size ``mob`` was built at, so its shown size can be measured later."""
    mob.kit_font = (float(size), float(mob.height))  # type: ignore[attr-defined]
    return mob


def effective_font_size(mob: Mobject) -> float | None:
    """The font size ``mob`` shows at now (after any scaling), if a kit builder made it."""
    tag = getattr(mob, "kit_font", None)
    if tag is None:
        return None
    size, height = tag
    return size * mob.height / height if height > 0 else size


@lru_cache(maxsize=64)
def char_width(size: float, weight: str = NORMAL, font: str = palette.FONT) -> float:
    """Average width of one character of ordinary English text at ``size``."""
    sample = "The quick brown fox jumps over the lazy dog, then naps: 0123456789!"
    return Text(sample, font=font, font_size=size, weight=weight).width / len(sample)


def wrap(text: str, size: float, width: float, weight: str = NORMAL) -> list[str]:
    """Split ``text`` into lines of at most ``width`` frame units (estimated) at ``size``."""
    chars = max(8, int(width / char_width(size, weight)))
    lines = textwrap.wrap(" ".join(text.split()), chars, break_long_words=True,
                          break_on_hyphens=True)
    return lines or [" "]


def text_block(text: str, *, size: float = palette.BODY_SIZE, width: float | None = None,
               color: str = palette.TEXT, weight: str = NORMAL,
               align: Literal["left", "center"] = "left", max_lines: int | None = None,
               slant: str = NORMAL) -> Mobject:
    """Word-wrapped text no wider than ``width``: wraps first, shrinks only as a last resort.

    With ``max_lines``, text that would need more lines is shrunk (down to palette.MIN_FONT_SIZE)
    before it is allowed to wrap further.
    """
    width = width if width is not None else body_area().width
    text = text if text.strip() else "\u2014"  # an empty Text has no points to lay out
    lines = wrap(text, size, width, weight)
    if max_lines is not None:
        while len(lines) > max_lines and size > palette.MIN_FONT_SIZE:
            size = max(palette.MIN_FONT_SIZE, size - 2)
            lines = wrap(text, size, width, weight)
    mob = _lines(lines, size, color, weight, align, slant)
    while mob.width > width and len(lines[0]) > 8:  # the estimate was optimistic: wrap tighter
        longest = max(len(line) for line in lines)
        lines = textwrap.wrap(" ".join(text.split()), int(longest * 0.9), break_long_words=True)
        mob = _lines(lines, size, color, weight, align, slant)
    if mob.width > width:
        mob.scale_to_fit_width(width)
    return mob


def _lines(lines: list[str], size: float, color: str, weight: str, align: str,
           slant: str = NORMAL) -> Mobject:
    kwargs = dict(font=palette.FONT, font_size=size, color=color, weight=weight, slant=slant)
    if len(lines) == 1:
        mob: Mobject = Text(lines[0], **kwargs)
    else:
        mob = Paragraph(*lines, alignment=align, line_spacing=0.5, **kwargs)
    return tag_font(mob, size)


_DESCENDERS = set("gjpqyQ,;()[]{}|/$@_")


def baseline(mob: Mobject) -> float:
    """The y of a kit text's first baseline (glyphs without descenders), so cells of one row
    line up as text does; the bottom of the first line when the glyphs cannot be matched."""
    if not isinstance(mob, (Text, Paragraph)):  # a formula: its bottom
        return mob.get_bottom()[1]
    line = mob if isinstance(mob, Text) else mob[0]
    text = getattr(line, "original_text", None) or getattr(line, "text", "") or ""
    glyphs = [ch for ch in text if not ch.isspace()]
    if len(glyphs) != len(line.submobjects):
        return line.get_bottom()[1]
    bottoms = [g.get_bottom()[1] for ch, g in zip(glyphs, line.submobjects)
               if ch not in _DESCENDERS]
    return float(np.median(bottoms)) if bottoms else line.get_bottom()[1]


def mark_text(mob: M) -> M:
    """Mark every part of a kit text visual as text, for QC's figure_share: a scene may put one
    part on screen on its own (``FadeIn(b.rows[0])`` adds the row, not the list)."""
    for part in mob.get_family():
        part.kit_text = True  # type: ignore[attr-defined]
    return mob
