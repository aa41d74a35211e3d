"""The short API reference the model gets: signatures read from the installed manim and scene_kit.

Why from the installed packages: models remember ManimGL and old ManimCE; showing the real
signatures of the few dozen names a scene needs is the cheapest way to get code that passes the
API gate the first time. Cached per process (inspect on manim takes a moment).
"""

from __future__ import annotations

import inspect
import re
from functools import cache
from typing import Any

MANIM_NAMES = (
    "Text", "MathTex", "Tex", "VGroup", "Circle", "Square", "Rectangle", "RoundedRectangle",
    "Line", "DashedLine", "Arrow", "DoubleArrow", "Dot", "Arc", "Polygon", "Brace",
    "SurroundingRectangle", "NumberLine", "Axes", "NumberPlane", "DecimalNumber", "ValueTracker",
    "always_redraw", "Create", "Uncreate", "Write", "FadeIn", "FadeOut", "Transform",
    "ReplacementTransform", "TransformMatchingShapes", "GrowArrow", "GrowFromCenter", "Indicate",
    "Circumscribe", "Flash", "Wiggle", "LaggedStart", "AnimationGroup", "Succession",
)
METHODS = (
    ("Mobject", "move_to"), ("Mobject", "next_to"), ("Mobject", "shift"), ("Mobject", "scale"),
    ("Mobject", "arrange"), ("Mobject", "set_color"), ("Mobject", "add_updater"),
    ("Mobject", "to_edge"), ("Axes", "plot"), ("Axes", "c2p"), ("Axes", "get_graph_label"),
    ("ValueTracker", "get_value"), ("ValueTracker", "set_value"),
)
CONSTANTS = ("UP DOWN LEFT RIGHT ORIGIN UL UR DL DR PI TAU DEGREES  WHITE GRAY BLUE RED GREEN "
             "YELLOW ORANGE PURPLE TEAL GOLD PINK  BLUE_A..BLUE_E (also for RED, GREEN, ...)")
KIT_NAMES = ("body_area", "fit", "text_block", "bullet_list", "equation", "equation_steps",
             "function_plot", "comparison", "recap", "title_card", "schedule")


def _signature(obj: Any, drop_self: bool = True) -> str:
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return "(...)"
    params = [p for p in signature.parameters.values()
              if not (drop_self and p.name == "self")]
    text = ", ".join(str(p.replace(annotation=inspect.Parameter.empty)) for p in params)
    text = re.sub(r"<function (\w+) at 0x[0-9a-f]+>", r"\1", text)  # stable across runs
    text = re.sub(r"<class '(?:\w+\.)*(\w+)'>", r"\1", text)
    return f"({text[:180]}{'...' if len(text) > 180 else ''})"


def _summary(obj: Any) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.strip().splitlines()[0][:120] if doc.strip() else ""


@cache
def manim_reference() -> str:
    import manim

    lines = []
    for name in MANIM_NAMES:
        if hasattr(manim, name):
            lines.append(f"{name}{_signature(getattr(manim, name))}")
    for owner, method in METHODS:
        cls = getattr(manim, owner, None)
        if cls is not None and hasattr(cls, method):
            lines.append(f"{owner}.{method}{_signature(getattr(cls, method))}")
    lines.append(f"constants: {CONSTANTS}")
    return "\n".join(lines)


@cache
def kit_reference() -> str:
    from flaming_horse import scene_kit as kit

    lines = []
    for name in KIT_NAMES:
        obj = getattr(kit, name, None)
        if obj is not None:
            lines.append(f"kit.{name}{_signature(obj, drop_self=False)}  # {_summary(obj)}")
    return "\n".join(lines)
