"""The LaTeX template for MathTex: plain article class (no standalone.cls needed)."""

from __future__ import annotations

from manim import TexTemplate

PREAMBLE = "\n".join([
    r"\usepackage{amsmath}",
    r"\usepackage{amssymb}",
    r"\pagestyle{empty}",
])


def tex_template() -> TexTemplate:
    """A TexTemplate on ``\\documentclass[preview]{article}`` that compiles with texlive-latex-base.

    ``article`` ignores the ``preview`` option; ``\\pagestyle{empty}`` drops the page number and
    dvisvgm crops the page to the formula. Returns a fresh object each call (callers may edit it).
    """
    return TexTemplate(
        description="flaming-horse article template",
        documentclass=r"\documentclass[preview]{article}",
        preamble=PREAMBLE,
    )
