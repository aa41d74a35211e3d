"""Labels laid out from glyphs made once: a label whose words change on every frame (a
probability counting up, a parameter sweeping) copies the outlines of its characters instead of
asking Pango to lay out new text each time (about 45 ms a text at low quality; a copy costs well
under 1 ms).

Each face (font size, colour, weight) measures its characters from one Pango text written as
``HH c1 H c2 H ...``: the distance between the ``H`` either side of a character is the ``H``'s
advance plus the character's, and the ``H``'s bottom is the baseline. Spaces are measured the
same way, so "n = 10    p = 0.5" is spaced as Pango would space it (kerning between two
particular characters is the one thing lost).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from manim import Text, VMobject

from flaming_horse.scene_kit import palette
from flaming_horse.scene_kit.labels import centre, centre_on
from flaming_horse.scene_kit.layout import tag_font

SEP = "H"  # a letter with flat sides and its foot on the baseline
FIRST = "0123456789.,%<>=+\u2212-\u03bc\u03c3\u03bb "  # measured up front: what numbers need


class Face:
    """The glyphs of one font size, colour and weight, each with its advance."""

    def __init__(self, size: float, color: str, weight: str) -> None:
        self.size, self.color, self.weight = size, color, weight
        self.glyphs: dict[str, tuple[np.ndarray | None, float]] = {}
        self.measure(FIRST)

    def measure(self, chars: str) -> None:
        """Learn every character of ``chars`` not known yet (one Pango layout for them all)."""
        new = sorted(set(chars) - set(self.glyphs))
        if not new:
            return
        ref = Text(SEP * 2 + "".join(c + SEP for c in new), font=palette.FONT,
                   font_size=self.size, color=self.color, weight=self.weight)
        inked = [c for c in SEP * 2 + "".join(c + SEP for c in new) if not c.isspace()]
        if len(inked) != len(ref.submobjects):  # a character Pango draws as several shapes
            raise ValueError(f"cannot measure {new!r}")
        marks = iter(zip(inked, ref.submobjects))
        _, h0 = next(marks)
        _, h1 = next(marks)
        sep_advance = float(h1.get_left()[0] - h0.get_left()[0])
        baseline = float(h0.get_bottom()[1])
        prev = h1
        for c in new:
            glyph = None
            if not c.isspace():
                _, mob = next(marks)
                pen = float(prev.get_left()[0]) + sep_advance
                glyph = mob.points - np.array([pen, baseline, 0.0])
            _, after = next(marks)
            advance = float(after.get_left()[0] - prev.get_left()[0]) - sep_advance
            self.glyphs[c] = (glyph, advance)
            prev = after

    def write(self, label: Text, content: str) -> Text:
        """``label``'s characters become ``content``'s, centred where the label is centred."""
        self.measure(content)
        center = centre(label) if label.submobjects else np.zeros(3)
        parts, pen = [], 0.0
        slots = list(label.submobjects)
        for c in content:
            glyph, advance = self.glyphs[c]
            if glyph is not None:
                slot = slots.pop(0) if slots else VMobject(stroke_width=0)
                slot.points = glyph + np.array([pen, 0.0, 0.0])
                slot.set_fill(self.color, opacity=1.0).set_stroke(width=0, opacity=0.0)
                parts.append(slot)
            pen += advance
        label.submobjects = parts
        if parts:
            centre_on(label, center)
        label.original_text = label.text = content
        tag_font(label, self.size)
        return label


@lru_cache(maxsize=64)
def face(size: float, color: str, weight: str) -> Face:
    return Face(size, color, weight)
