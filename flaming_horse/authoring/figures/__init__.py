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


def kind_of(visual: object) -> ModuleType | None:
    """The figure module of ``visual``, None for the other visuals."""
    return KINDS.get(getattr(visual, "kind", None)) if isinstance(visual, FIGURES) else None


def anchor_steps(visual) -> int:
    """How many steps of a figure a {n} marker can anchor: the figure, then each step."""
    kind = kind_of(visual)
    count = getattr(kind, "anchor_steps", None)
    return count(visual) if count else 1 + len(visual.steps)


def parse_block(kind: str, info: str, body: list[str], start: int, fail) -> object:
    """The figure of a script block: ``kind``'s own syntax, or its JSON form (an object, as the
    LLM author writes it: the model's fields, checked alike, errors on the block's line)."""
    module = KINDS[kind]
    text = "\n".join(body).strip()
    if kind != "manim" and text.startswith("{"):
        import json

        from flaming_horse.authoring.figures.block import Block

        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            first = next(i for i, line in enumerate(body) if line.strip())
            raise fail(f"the {kind} block is not valid JSON: {exc.msg}",
                       start + 1 + first + exc.lineno - 1,
                       f"write the {kind} in its own syntax (README, 'Figures') or fix the "
                       "JSON") from None
        if not isinstance(data, dict):
            raise fail(f"the {kind} block's JSON must be an object", start,
                       "write {\"kind\": ..., \"steps\": [...]}")
        return Block(kind, start, fail).validated(module.Model, {"kind": kind, **data})
    if kind == "manim":
        return module.parse(body, start, fail, info)
    return module.parse(body, start, fail)


def emit_steps(v, b, *, build: str, share: float = 0.7, max_run: float = 2.5) -> None:
    """The usual scene code of a figure: ``build`` (a kit expression) makes it, ``enter()`` its
    first step, ``step(k)`` each later one. Steps fill ``share`` of their time, so a figure
    keeps moving while a long sentence is spoken."""
    b.lines.append(f"{b.var} = {build}")
    b.schedule(1 + len(v.steps), share=share, max_run=max_run)
    b.play(f"*{b.var}.enter()")
    if v.steps:
        b.loop("k", f"range(1, {len(v.steps) + 1})", f"*{b.var}.step(k)")
    b.on_screen = b.var


def kit_data(v) -> str:
    """``v`` as a Python literal for the kit (``kit.figure(...)`` takes plain data)."""
    import pprint

    return pprint.pformat(v.model_dump(mode="json"), width=88, sort_dicts=False)


# The kinds, imported last: their modules may use the helpers above
_NAMES = (
    "array",
    "geometry",
    "axes",
    "vectors",
    "graph",
    "numberline",
    "bars",
    "distribution",
    "matrix",
    "flow",
    "manim",
)

KINDS: dict[str, ModuleType] = {}
for _name in _NAMES:
    _module = import_module(f"{__name__}.{_name}")
    KINDS[_module.FENCE] = _module
del _name, _module

FIGURES: tuple[type, ...] = tuple(k.Model for k in KINDS.values())
DRAFTABLE_FIGURES: tuple[type, ...] = tuple(k.Model for k in KINDS.values()
                                            if getattr(k, "DRAFTABLE", True))
