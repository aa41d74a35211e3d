"""The ```` ```array ```` block of the script format: an array figure with pointers and steps.

    ```array
    values: 3, 8, 15, 21, 34, 55, 89
    pointers: lo=0, hi=6
    - point mid=3
    - compare mid
    - discard lo..mid
    - point lo=4, mid=5
    - found mid
    ```

A cell is named by its index or by a pointer (where the pointer is at that step); a range is
``a..b``. Each ``- `` line is one step (``{n}`` markers in the paragraph anchor them, step 1
being the array itself). Steps: ``point name=cell, ...`` (move or add pointers), ``compare cell
[cell]``, ``found cell``, ``discard cell`` or ``discard a..b``, ``swap cell cell``, ``set cell
value``. Errors name the block's line through ``fail(message, line)``.
"""

from __future__ import annotations

import re
from typing import Literal, get_args

from pydantic import Field, model_validator

from flaming_horse.authoring.figures.block import Fail
from flaming_horse.authoring.model_base import Model as _Model
from flaming_horse.authoring.model_base import OneLine

FENCE = "array"
MAX_CELLS = 32  # more cells than this are too small to read


class ArrayStep(_Model):
    """One step of an array figure: ``point`` moves (or adds) pointers; ``compare`` and ``found``
    flash or mark cells; ``discard`` greys cells out; ``swap`` exchanges two values; ``set``
    writes a value."""

    op: Literal["point", "compare", "found", "discard", "swap", "set"]
    cells: list[int] = Field(default_factory=list)
    pointers: dict[str, int] = Field(default_factory=dict)
    value: OneLine | None = None


class Model(_Model):
    """An array drawn as cells with values and indices, named pointers above them, and steps
    that move the pointers, compare, discard, swap or set cells (binary search, sorting)."""

    kind: Literal["array"] = "array"
    values: list[OneLine] = Field(min_length=1, max_length=MAX_CELLS)
    pointers: dict[str, int] = Field(default_factory=dict)
    steps: list[ArrayStep] = Field(default_factory=list)

    @model_validator(mode="after")
    def _in_range(self) -> "Model":
        """Every cell and pointer a step names lies in the array."""
        size = len(self.values)
        for where, index in [*(("pointer", i) for i in self.pointers.values()),
                             *(("cell", i) for step in self.steps for i in step.cells),
                             *(("pointer", i) for step in self.steps
                               for i in step.pointers.values())]:
            if not 0 <= index < size:
                raise ValueError(f"{where} index {index} is past the array's end (0 to {size - 1})")
        return self


ArrayFigure = Model
OPS = get_args(ArrayStep.model_fields["op"].annotation)  # point, compare, found, ...


def parse(body: list[str], start: int, fail: Fail) -> ArrayFigure:
    """The figure of an array block whose lines are ``body`` (the block opens on ``start``)."""
    values: list[str] | None = None
    pointers: dict[str, int] = {}
    step_lines: list[tuple[int, str]] = []
    for offset, raw in enumerate(body, start=1):
        line, text = start + offset, raw.strip()
        if not text:
            continue
        if text.startswith(("- ", "* ")):
            if values is None:
                raise fail("a step before the 'values:' line", line,
                           "start the block with 'values: 3, 8, 15, ...'")
            step_lines.append((line, text[2:].strip()))
            continue
        key, sep, rest = text.partition(":")
        key = key.strip().lower()
        if not sep or key not in ("values", "pointers"):
            raise fail(f"array lines are 'values: ...', 'pointers: name=index, ...' or steps "
                       f"'- ...', got '{text}'", line, "see README, 'Figures: arrays'")
        if step_lines:
            raise fail(f"'{key}:' after the steps", line, "put 'values:' and 'pointers:' first")
        if key == "values":
            values = [v.strip() for v in rest.strip().strip("[]").split(",")]
            if not rest.strip() or any(not v for v in values):
                raise fail("'values:' needs values separated by commas", line,
                           "write e.g. 'values: 3, 8, 15, 21'")
            if len(values) > MAX_CELLS:
                raise fail(f"an array of {len(values)} cells does not fit the frame", line,
                           f"show at most {MAX_CELLS} cells")
        elif values is None:
            raise fail("'pointers:' before the 'values:' line", line,
                       "start the block with 'values: 3, 8, 15, ...'")
        else:
            pointers.update(_assignments(rest, values, pointers, line, fail))
    if values is None:
        raise fail("an array block needs a 'values:' line", start,
                   "write e.g. 'values: 3, 8, 15, 21'")
    now_values, now_pointers = list(values), dict(pointers)  # as each step leaves them
    steps = [_step(text, now_values, now_pointers, line, fail) for line, text in step_lines]
    return ArrayFigure(values=values, pointers=pointers, steps=steps)


def _cell(ref: str, values: list[str], pointers: dict[str, int], line: int, fail: Fail) -> int:
    ref = ref.strip()
    if re.fullmatch(r"-?\d+", ref):
        index = int(ref)
    elif ref in pointers:
        index = pointers[ref]
    else:
        known = ", ".join(pointers) or "none yet"
        raise fail(f"'{ref}' is neither a cell index nor a pointer", line,
                   f"use an index 0 to {len(values) - 1}, or a pointer ({known})")
    if not 0 <= index < len(values):
        raise fail(f"index {index} is past the array's end", line,
                   f"the cells are 0 to {len(values) - 1}")
    return index


def _cells(text: str, values: list[str], pointers: dict[str, int], line: int,
           fail: Fail) -> list[int]:
    """Cells named by ``text``: indices, pointers and ranges a..b, separated by spaces or
    commas."""
    cells: list[int] = []
    for part in re.split(r"[\s,]+", text.strip()):
        if not part:
            continue
        if ".." in part:
            low, high = (_cell(p, values, pointers, line, fail) for p in part.split("..", 1))
            if low > high:
                raise fail(f"the range {part} runs backwards", line, "write it as low..high")
            cells += range(low, high + 1)
        else:
            cells.append(_cell(part, values, pointers, line, fail))
    return cells


def _assignments(text: str, values: list[str], pointers: dict[str, int], line: int,
                 fail: Fail) -> dict[str, int]:
    found: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, where = part.partition("=")
        name = name.strip()
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,11}", name):
            raise fail(f"a pointer is 'name=index', got '{part}'", line,
                       "write e.g. 'lo=0, hi=6' (names: letters, digits, _; up to 12)")
        found[name] = _cell(where, values, {**pointers, **found}, line, fail)
    return found


def _step(text: str, values: list[str], pointers: dict[str, int], line: int,
          fail: Fail) -> ArrayStep:
    """One '- ...' line; ``pointers`` (and ``values``) follow the step, for the next ones."""
    op, _, rest = text.partition(" ")
    op = op.lower()
    if op not in OPS:
        raise fail(f"unknown array step '{op}'", line, f"steps: {', '.join(OPS)}")
    if op == "point":
        moved = _assignments(rest, values, pointers, line, fail)
        if not moved:
            raise fail("'point' needs pointers to move", line, "write e.g. '- point mid=3'")
        pointers.update(moved)
        return ArrayStep(op="point", pointers=moved)
    if op == "set":
        where, _, value = rest.strip().partition(" ")
        value = value.strip().lstrip("=").strip()
        if not value:
            raise fail("'set' needs a cell and a value", line, "write e.g. '- set 3 42'")
        index = _cell(where, values, pointers, line, fail)
        values[index] = value
        return ArrayStep(op="set", cells=[index], value=value)
    cells = _cells(rest, values, pointers, line, fail)
    wanted = {"compare": (1, 2), "found": (1, MAX_CELLS), "discard": (1, MAX_CELLS),
              "swap": (2, 2)}[op]
    if not wanted[0] <= len(cells) <= wanted[1]:
        shown = "two cells" if op == "swap" else "one or two cells" if op == "compare" \
            else "cells"
        raise fail(f"'{op}' takes {shown}, got {len(cells)}", line,
                   f"write e.g. '- {op} {'1 3' if op == 'swap' else 'mid'}'")
    if op == "swap":
        a, b = cells
        values[a], values[b] = values[b], values[a]
    return ArrayStep(op=op, cells=cells)


def array_move(var: str, step: ArrayStep) -> str:
    """The kit call that animates one step of an array figure."""
    if step.op == "point":
        return f"*{var}.point(" + ", ".join(f"{k}={v}" for k, v in step.pointers.items()) + ")"
    if step.op == "set":
        return f"*{var}.write({step.cells[0]}, {step.value!r})"
    return f"*{var}.{step.op}(" + ", ".join(str(c) for c in step.cells) + ")"


def emit(v: ArrayFigure, b) -> None:
    values = "[" + ", ".join(repr(s) for s in v.values) + "]"
    b.lines.append(f"{b.var} = kit.array_figure({values}, {v.pointers!r})")
    b.schedule(1 + len(v.steps), share=0.7, max_run=2.0)
    b.play(f"FadeIn({b.var})")
    for step in v.steps:
        b.then(array_move(b.var, step))
    b.on_screen = b.var


def flash(v: ArrayFigure, var: str, term: str) -> str | None:
    name = next((p for p in v.pointers if p.lower() == term.lower()), None)
    return f"{var}.pointers[{name!r}]" if name else f"{var}.cells"
