"""Colours, fonts and type sizes shared by every generated scene."""

from __future__ import annotations

BACKGROUND = "#1B1F2A"
CARD = "#262C3B"
TEXT = "#ECEFF4"
MUTED = "#A3ACBE"
ACCENT = "#5EC8F2"  # headings, bullets, the scene title rule
ACCENT_2 = "#F2B45E"  # graphs, the right-hand column
GOOD = "#7BD88F"  # recap ticks
AXES = "#8A93A6"
CODE_STYLE = "monokai"  # a Pygments style name

FONT = "DejaVu Sans"
MONO_FONT = "DejaVu Sans Mono"

# Sizes are manim font_size units (manim's default is 48).
HEADER_SIZE = 36
TITLE_SIZE = 60
SUBTITLE_SIZE = 34
BODY_SIZE = 32
LABEL_SIZE = 22
MIN_FONT_SIZE = 20  # below this, text is not readable at 480p
CODE_SIZE = 24
MIN_CODE_SIZE = 16
