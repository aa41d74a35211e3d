"""Figures: visuals that draw what the narration explains (arrays, geometry, graphs ...).

Each kind is one module here with the same five names:

- ``FENCE``: the info string of its script block (```` ```array ````);
- ``Model``: its storyboard model (pydantic, ``kind`` = FENCE, a list ``steps``), whose
  validators hold every rule, so a model's plan and a script are checked alike;
- ``parse(body, start, fail)``: the model of a script block whose lines are ``body`` (the
  fence opens on script line ``start``; ``fail(message, line, hint)`` makes the error to raise;
  ``block.Block`` splits and reads the lines);
- ``emit(v, b)``: the scene code, on the beat ``b`` (see ``emit_steps`` for the usual form);
- ``flash(v, var, term)``: the part a **term** highlight flashes, as an expression, or None.

``DRAFTABLE`` is False in a module whose figure the LLM author may not draft.
Step 1 of every figure is the figure appearing; step k + 1 is ``steps[k]``.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

_NAMES = (
    "array",
    # "geometry",
    # "axes",
    # "vectors",
    # "graph",
    # "numberline",
    # "bars",
    # "distribution",
    # "matrix",
    # "flow",
)

KINDS: dict[str, ModuleType] = {}
for _name in _NAMES:
    _module = import_module(f"{__name__}.{_name}")
    KINDS[_module.FENCE] = _module
del _name, _module

FIGURES: tuple[type, ...] = tuple(k.Model for k in KINDS.values())
DRAFTABLE_FIGURES: tuple[type, ...] = tuple(k.Model for k in KINDS.values()
                                            if getattr(k, "DRAFTABLE", True))


def kind_of(visual: object) -> ModuleType | None:
    """The figure module of ``visual``, None for the other visuals."""
    return KINDS.get(getattr(visual, "kind", None)) if isinstance(visual, FIGURES) else None


def emit_steps(v, b, *, build: str, share: float = 0.7, max_run: float = 2.5) -> None:
    """The usual scene code of a figure: ``build`` (a kit expression) makes it, ``show()`` its
    first step, ``step(k)`` each later one. Steps fill ``share`` of their time, so a figure
    keeps moving while a long sentence is spoken."""
    b.lines.append(f"{b.var} = {build}")
    b.schedule(1 + len(v.steps), share=share, max_run=max_run)
    b.play(f"*{b.var}.show()")
    if v.steps:
        b.loop("k", f"range(1, {len(v.steps) + 1})", f"*{b.var}.step(k)")
    b.on_screen = b.var


def kit_data(v) -> str:
    """``v`` as a Python literal for the kit (``kit.figure(...)`` takes plain data)."""
    import pprint

    return pprint.pformat(v.model_dump(mode="json"), width=88, sort_dicts=False)
