"""The base of the kit's figures, and ``figure(data)``: the figure a storyboard's data describes.

A figure is a VGroup laid out to fit its box; ``enter()`` returns the animations of its first
step, ``step(k)`` those of step k (1-based over ``data["steps"]``), and ``part(name)`` a named
part (for highlights). Each kind lives in ``scene_kit/<kind>_figure.py`` with a ``build(data,
box)``:

    f = kit.figure({"kind": "geometry", "points": {...}, "steps": [...]})
    self.play(*f.enter())
    self.play(*f.step(1))
"""

from __future__ import annotations

import re
from importlib import import_module
from typing import Any

from manim import Animation, FadeIn, Mobject, VGroup

from flaming_horse.scene_kit.layout import Box


class Figure(VGroup):
    """What every kit figure has: its data, its steps, named parts."""

    kit_figure = True  # QC's figure_share counts the time one is on screen

    def __init__(self, data: dict[str, Any], *parts: Mobject) -> None:
        super().__init__(*parts)
        self.data = data
        self.parts: dict[str, Mobject] = {}

    def enter(self) -> list[Animation]:
        """The animations of step 0: the figure appears."""
        return [FadeIn(self)]

    def step(self, k: int) -> list[Animation]:
        """The animations of step ``k`` (1-based), from ``data["steps"][k - 1]``."""
        steps = self.data.get("steps", [])
        if not 1 <= k <= len(steps):
            raise IndexError(f"step {k} of a figure with {len(steps)} steps")
        return self.do(steps[k - 1])

    def do(self, step: dict[str, Any]) -> list[Animation]:  # pragma: no cover - each kind
        raise NotImplementedError

    def part(self, name: str) -> Mobject:
        return self.parts[name]


def figure(data: dict[str, Any], box: Box | None = None) -> Figure:
    """The kit figure for ``data`` (a storyboard figure's ``model_dump``), fitted to ``box``
    (default: the body area)."""
    kind = str(data.get("kind", ""))
    if not re.fullmatch(r"[a-z][a-z_]{0,30}", kind):
        raise ValueError(f"not a figure kind: {kind!r}")
    try:
        module = import_module(f"flaming_horse.scene_kit.{kind}_figure")
    except ModuleNotFoundError:
        raise ValueError(f"unknown figure kind {kind!r}") from None
    return module.build(data, box)
