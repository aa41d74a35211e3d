"""Helpers that generated scenes import: ``from flaming_horse import scene_kit as kit``.

Imports only manim (and PyAV, which manim muxes with), numpy and the standard library, so
any manim scene can use it on its own.
Every builder returns mobjects that fit inside the frame minus ``MARGIN`` (below the scene
title for body visuals); long text wraps before it shrinks.
"""

from __future__ import annotations

from flaming_horse.scene_kit import palette
from flaming_horse.scene_kit.array_figure import ArrayFigure, array_figure
from flaming_horse.scene_kit.figure import Figure, figure
from flaming_horse.scene_kit.blocks import Quote, Table, image, quote, table
from flaming_horse.scene_kit.layout import (
    MARGIN, Box, body_area, effective_font_size, fit, header_area, safe_area, text_block, wrap,
)
from flaming_horse.scene_kit.inspect import LayoutChecked
from flaming_horse.scene_kit.plot import FunctionPlot, function_plot, make_function
from flaming_horse.scene_kit.schedule import Schedule, schedule
from flaming_horse.scene_kit.tex import tex_template
from flaming_horse.scene_kit.timing import Timing, split_frames, timing
from flaming_horse.scene_kit.visuals import (
    BulletList, CodePages, Comparison, EquationSteps, Recap, SceneTitle, TitleCard, bullet_list,
    code_listing, code_pages, comparison, equation, equation_steps, recap, scene_title, title_card,
)

__all__ = [
    "MARGIN", "Box", "LayoutChecked", "BulletList", "CodePages", "Comparison", "EquationSteps", "FunctionPlot",
    "Recap", "SceneTitle", "Schedule", "Timing", "TitleCard", "body_area", "bullet_list", "code_listing",
    "code_pages", "comparison", "configure", "effective_font_size", "equation", "equation_steps",
    "fit", "function_plot", "header_area", "make_function", "palette", "project_dir", "recap",
    "safe_area", "schedule", "scene_title", "split_frames", "tex_template", "text_block", "timing",
    "title_card", "wrap", "Quote", "Table", "image", "quote", "table", "ArrayFigure",
    "array_figure", "Figure", "figure",
]


def configure() -> None:
    """Manim config for our scenes: palette background, article TeX template, sans-serif text,
    every TeX run contained (see ``tex.harden``) and the sound muxed losslessly (see
    ``soundtrack``)."""
    from manim import Code, MarkupText, Paragraph, Text, config

    from flaming_horse.scene_kit import soundtrack
    from flaming_horse.scene_kit.tex import harden

    harden()
    soundtrack.lossless()
    config.background_color = palette.BACKGROUND
    config.tex_template = tex_template()
    for cls in (Text, MarkupText, Paragraph):
        cls.set_default(font=palette.FONT)
    Code.default_paragraph_config = {**Code.default_paragraph_config, "font": palette.MONO_FONT}


def project_dir(scene_file):
    """``<project>`` (a ``pathlib.Path``) for a scene file at ``<project>/scenes/scene_NN.py``."""
    from pathlib import Path

    return Path(scene_file).resolve().parent.parent


# What a scene body sees as ``kit.<name>``: the names above, not the submodules they come from
# (``kit.inspect`` would reach ``os``, ``kit.plot`` the ``ast`` module and through it ``sys``).
# ``from flaming_horse.scene_kit.layout import ...`` still works: Python finds submodules in
# sys.modules. palette stays: it is in __all__ and holds only colours and font names.
for _name in ("array_figure", "blocks", "labels", "inspect", "layout", "plot", "schedule", "tex", "timing", "visuals"):
    if type(globals().get(_name)) is type(palette):  # the submodule, not a function named so
        del globals()[_name]
del _name
