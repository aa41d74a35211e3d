"""scene_kit.glyphs: a label laid out from glyphs made once reads as Pango lays out the same
words (same characters, same places, same size), and relabel keeps the label's centre."""

from __future__ import annotations

import numpy as np
import pytest
from manim import BOLD, NORMAL, Text

from flaming_horse.scene_kit import palette
from flaming_horse.scene_kit.chart_parts import label, relabel
from flaming_horse.scene_kit.glyphs import face
from flaming_horse.scene_kit.labels import centre
from flaming_horse.scene_kit.layout import effective_font_size


def lefts(mob) -> np.ndarray:
    """Each glyph's left edge and bottom, relative to the first glyph's."""
    corners = np.array([[m.points[:, 0].min(), m.points[:, 1].min()] for m in mob.submobjects])
    return corners - corners[0]


@pytest.mark.parametrize("words,weight", [("\u03bc = 4.85", NORMAL), ("n = 10    p = 0.35", NORMAL),
                                          ("68.3%", BOLD), ("\u03c3 = \u22121.58", BOLD),
                                          ("within 1\u03c3", NORMAL)])
def test_composed_label_matches_pango(words, weight):
    pango = Text(words, font=palette.FONT, font_size=30, color=palette.TEXT, weight=weight)
    composed = face(30.0, palette.TEXT, weight).write(label("x", 30, palette.TEXT, weight), words)
    assert len(composed.submobjects) == len(pango.submobjects)
    # every glyph where Pango puts it, to a hundredth of a unit (a pixel at 480p is 1/54)
    assert np.abs(lefts(composed) - lefts(pango)).max() < 0.01
    assert composed.width == pytest.approx(pango.width, abs=0.01)
    assert composed.height == pytest.approx(pango.height, abs=0.01)
    assert composed.original_text == words


def test_relabel_keeps_the_centre_and_the_recorded_size():
    text = label("0%", 26, palette.TEXT, BOLD).move_to([2.0, -1.0, 0.0])
    relabel(text, "47.5%", 26, palette.TEXT, BOLD)
    assert np.allclose(centre(text), [2.0, -1.0, 0.0])
    assert text.original_text == "47.5%"
    assert effective_font_size(text) == pytest.approx(26)
    wide = text.width
    relabel(text, "5%", 26, palette.TEXT, BOLD)  # fewer characters: spare glyphs go
    assert len(text.submobjects) == 2 and text.width < wide


def test_a_character_first_seen_later_is_measured_then():
    f = face(22.0, palette.MUTED, NORMAL)
    assert "\u00e9" not in f.glyphs
    f.write(label("x", 22, palette.MUTED), "caf\u00e9 \u00e9t\u00e9")
    assert "\u00e9" in f.glyphs
