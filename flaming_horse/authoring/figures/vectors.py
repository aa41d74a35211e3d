"""The ```` ```vectors ```` block: a coordinate plane with basis and named vectors, and 2x2
matrices applied to the whole plane (the grid, the basis and the vectors move together).

    ```vectors
    range: 4
    basis
    v = (2, 1) "v"
    - draw w = (-1, 2)
    - sum v w
    - combine v
    - scale v 2 "2v"
    - apply [[1, 1], [0, 1]] "shear"
    - columns
    - eigen
    - area
    - reset
    ```

Header lines: ``range: N`` (the plane shows -N..N across, -3N/4..3N/4 up; without it the plane
fits every vector at every step), ``basis`` (i-hat and j-hat drawn), ``name = (x, y) "label"``
(a vector there from the start). Each ``- `` line is one step (step 1 being the plane itself).
Coordinates are read on the grid as it is when the vector is drawn: after an ``apply`` they
are multiples of where i-hat and j-hat landed, as the moved grid shows.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Literal, Optional

from pydantic import AfterValidator, Field, ValidationError, field_validator, model_validator

from flaming_horse.authoring.figures.block import Block, Fail, Line
from flaming_horse.authoring.model_base import Model as _Model
from flaming_horse.authoring.model_base import OneLine

FENCE = "vectors"
ASPECT = 4 / 3  # the plane's width over its height (scene_kit/vectors_figure.py has the same)
MAX_RANGE = 12.0  # a wider plane makes its arrows too small to read
MIN_AUTO_RANGE = 3.0
MAX_VECTORS = 8  # named vectors, the basis not counted
HINT = "see README, 'Figures: vectors'"
OPS = ("draw", "sum", "combine", "scale", "apply", "columns", "eigen", "area", "reset")
BASIS = ("i", "j")

Number = Annotated[float, Field(allow_inf_nan=False)]
Pair = tuple[Number, Number]
Matrix = tuple[Pair, Pair]
VectorName = Annotated[str, Field(
    pattern=r"^[A-Za-z_][A-Za-z0-9_']{0,15}(\+[A-Za-z_][A-Za-z0-9_']{0,15}){0,3}$",
    description="a name (letters, digits, _ and '); a sum's default name is 'v+w'")]
MAX_LABEL = 12


def _short(text: str) -> str:
    if not 1 <= len(text.strip()) <= MAX_LABEL:
        raise ValueError(f"a label is 1 to {MAX_LABEL} characters, got {text!r}: labels sit at "
                         "the tips, where long ones collide")
    return text


Label = Annotated[OneLine, AfterValidator(_short),
                  Field(description=f"up to {MAX_LABEL} characters")]


class Vector(_Model):
    """A vector drawn from the origin from the start."""

    name: VectorName
    at: Pair = Field(description="its coordinates (x, y) on the grid")
    label: Optional[Label] = Field(None, description="the text at its tip (default: its name)")


class VectorStep(_Model):
    """One step: ``draw`` a new vector; ``sum`` two vectors tip to tail (a new vector named
    ``vector``, default 'a+b'); ``combine`` a vector as x i-hat + y j-hat, tip to tail; ``scale``
    a vector by ``factor``; ``apply`` a matrix to the whole plane; ``columns``: where i-hat
    and j-hat landed, as coordinates at their tips (the matrix's columns); ``eigen``: the real
    eigen-directions of ``matrix`` (default: the last applied one) as lines; ``area``: shade the
    square spanned by i-hat and j-hat (its area is the determinant); ``reset``: back to the
    plane before any matrix."""

    op: Literal["draw", "sum", "combine", "scale", "apply", "columns", "eigen", "area",
                "reset"]
    vector: Optional[VectorName] = Field(
        None, description="draw: the new vector; sum: the result's name; combine, scale: "
        "the vector")
    at: Optional[Pair] = Field(None, description="draw: its coordinates (x, y)")
    of: list[VectorName] = Field(default_factory=list,
                                 description="sum: the two vectors added (tip to tail)")
    factor: Optional[Number] = Field(None, description="scale: the factor")
    matrix: Optional[Matrix] = Field(
        None, description="apply, eigen: the 2x2 matrix as rows [[a, b], [c, d]]; its columns "
        "are where i-hat and j-hat land")
    label: Optional[Label] = Field(
        None, description="draw, sum, scale: the vector's label; apply, eigen: the matrix's "
        "title (e.g. 'shear')")


class Model(_Model):
    """A coordinate plane with basis vectors and named vectors; steps draw, add and scale
    vectors and apply 2x2 matrices to the whole plane (grid, basis and vectors move together),
    with eigen-directions and the determinant as area."""

    kind: Literal["vectors"] = "vectors"
    range: Optional[Number] = Field(
        None, description="the plane shows -range..range across and 3/4 of it up; leave it "
        "out to fit every vector at every step")
    basis: bool = Field(False, description="draw i-hat and j-hat")
    vectors: list[Vector] = Field(default_factory=list, description="vectors shown from the "
                                  "start")
    steps: list[VectorStep] = Field(default_factory=list)

    @field_validator("range")
    @classmethod
    def _positive(cls, value: float | None) -> float | None:
        if value is not None and not 0 < value <= MAX_RANGE:
            raise ValueError(f"range {_num(value)} cannot be drawn: the plane shows "
                             f"-range..range across, so give a range from 1 to "
                             f"{_num(MAX_RANGE)} (or leave 'range:' out to fit the vectors)")
        return value

    @model_validator(mode="after")
    def _drawable(self) -> "Model":
        """Every step names vectors that are drawn, has what its op needs, and every vector
        stays on the plane at every step."""
        trace(self)
        return self

    @property
    def plane_range(self) -> float:
        """The x half-width the plane shows (``range``, or the one that fits every vector)."""
        return self.range if self.range is not None else auto_range(trace(self))


def _num(x: float) -> str:
    return str(int(round(x))) if abs(x - round(x)) < 1e-9 else f"{x:g}"


def auto_range(extent: float) -> float:
    """The range that shows points up to ``extent`` (max of |x| and ASPECT * |y|)."""
    return float(max(MIN_AUTO_RANGE, math.ceil(extent + 0.5)))


def _mul(a, b):
    return ((a[0][0] * b[0][0] + a[0][1] * b[1][0], a[0][0] * b[0][1] + a[0][1] * b[1][1]),
            (a[1][0] * b[0][0] + a[1][1] * b[1][0], a[1][0] * b[0][1] + a[1][1] * b[1][1]))


def _at(m, c) -> tuple[float, float]:
    return (m[0][0] * c[0] + m[0][1] * c[1], m[1][0] * c[0] + m[1][1] * c[1])


IDENTITY = ((1.0, 0.0), (0.0, 1.0))


def trace(figure: Model) -> float:
    """Walk the steps as the kit will draw them; raise ValueError on a rule broken (naming the
    step as ``steps[i]: ``), else return how far out the figure reaches (ASPECT-weighted)."""
    limit = figure.range
    coords: dict[str, tuple[float, float]] = {}
    if figure.basis:
        coords.update(i=(1.0, 0.0), j=(0.0, 1.0))
    reach = ASPECT if figure.basis else 0.0

    def check(where: str, what: str, point: tuple[float, float]) -> None:
        nonlocal reach
        what = {"'i'": "i-hat", "'j'": "j-hat"}.get(what, what) if figure.basis else what
        x, y = point
        extent = max(abs(x), ASPECT * abs(y))
        reach = max(reach, extent)
        shown = f"({_num(round(x, 2))}, {_num(round(y, 2))})"
        if limit is not None and extent > limit + 1e-9:
            raise ValueError(
                f"{where}{what} reaches {shown}, off the plane (x from -{_num(limit)} to "
                f"{_num(limit)}, y from -{_num(limit / ASPECT)} to {_num(limit / ASPECT)}): "
                f"give a larger 'range:' or leave it out to fit")
        if limit is None and auto_range(extent) > MAX_RANGE:
            raise ValueError(f"{where}{what} reaches {shown}, too far out to draw (the plane "
                             f"shows at most -{_num(MAX_RANGE)}..{_num(MAX_RANGE)}): use "
                             f"smaller numbers")

    for k, vector in enumerate(figure.vectors):
        if vector.name in coords:
            why = "is a basis vector (i-hat, j-hat)" if vector.name in BASIS else \
                "is already drawn"
            raise ValueError(f"vectors[{k}]: '{vector.name}' {why}: give it another name")
        coords[vector.name] = vector.at
        check(f"vectors[{k}]: ", f"'{vector.name}'", vector.at)
    named = len(figure.vectors)
    m, last, moved, ghosts = IDENTITY, None, False, []

    def known(name: str | None, where: str, op: str) -> str:
        if name is None:
            raise ValueError(f"{where}'{op}' needs a vector")
        if name not in coords:
            listed = ", ".join(coords) or "none yet"
            raise ValueError(f"{where}unknown vector '{name}' (drawn: {listed})")
        return name

    for i, step in enumerate(figure.steps):
        where = f"steps[{i}]: "
        op = step.op
        if op in ("draw", "sum"):
            if op == "draw" and (step.vector is None or step.at is None):
                raise ValueError(f"{where}'draw' needs a name and coordinates, e.g. "
                                 "draw w = (-1, 2)")
            if op == "sum":
                if len(step.of) != 2:
                    raise ValueError(f"{where}'sum' adds two vectors, e.g. sum v w")
                a, b = (known(n, where, op) for n in step.of)
                ca, cb = coords[a], coords[b]
                new = (ca[0] + cb[0], ca[1] + cb[1])
                name = step.vector or f"{a}+{b}"
                ghosts = [ca, new]
            else:
                name, new, ghosts = step.vector, step.at, []
            if name in coords:
                raise ValueError(f"{where}'{name}' is already drawn: give the new vector "
                                 "another name")
            named += 1
            if named > MAX_VECTORS:
                raise ValueError(f"{where}more than {MAX_VECTORS} vectors on one plane: "
                                 "start another figure")
            coords[name] = new
            for point in ghosts:
                check(where, f"'{name}'", _at(m, point))
            check(where, f"'{name}'", _at(m, new))
        elif op in ("combine", "scale"):
            name = known(step.vector, where, op)
            if op == "scale":
                if step.factor is None:
                    raise ValueError(f"{where}'scale' needs a factor, e.g. scale v 2")
                if name in BASIS:
                    raise ValueError(f"{where}i-hat and j-hat stay as they are: scale a copy "
                                     f"(draw u = (2, 0))")
                c = coords[name]
                coords[name] = (c[0] * step.factor, c[1] * step.factor)
                check(where, f"'{name}'", _at(m, coords[name]))
            else:
                x, _ = coords[name]
                check(where, f"{_num(x)} i-hat", _at(m, (x, 0.0)))
        elif op == "apply":
            if step.matrix is None:
                raise ValueError(f"{where}'apply' needs a matrix, e.g. apply [[1, 1], [0, 1]]")
            m, last, moved = _mul(step.matrix, m), step.matrix, True
        elif op == "eigen":
            if step.matrix is None and last is None:
                raise ValueError(f"{where}'eigen' needs a matrix: apply one first (a reset "
                                 "clears it), or write eigen [[2, 1], [1, 2]]")
        elif op == "columns":
            if not figure.basis:
                raise ValueError(f"{where}'columns' labels where i-hat and j-hat land: add a "
                                 "'basis' line")
            if not moved:
                raise ValueError(f"{where}'columns' shows where i-hat and j-hat landed: apply "
                                 "a matrix first")
        elif op == "reset":
            if not moved:
                raise ValueError(f"{where}'reset' with no matrix applied since the start "
                                 "or the last reset")
            m, moved, last = IDENTITY, False, None
        for name, c in coords.items():  # every vector stays on the plane
            check(where, f"'{name}'", _at(m, c))
    return reach


VectorsFigure = Model


# -- the script syntax -----------------------------------------------------------------------
_DEFINE = re.compile(r"^(\S+?)\s*=\s*([(\[][^)\]]*[)\]])\s*(.*)$")


def parse(body: list[str], start: int, fail: Fail) -> Model:
    """The figure of a vectors block whose lines are ``body`` (the block opens on ``start``)."""
    block = Block.split(FENCE, body, start, fail)
    data: dict = {"kind": FENCE, "vectors": [], "steps": []}
    lines: dict[str, int] = {}
    vector_lines: list[int] = []
    for line in block.header:
        key, value = block.keyed(line.text, line.number)
        if key == "range":
            if "range" in data:
                raise block.error("a second 'range:' line", line.number, "keep one")
            data["range"] = block.number(value, line.number, "a range")
            lines["range"] = line.number
        elif line.text.lower() == "basis":
            data["basis"] = True
        elif "=" in line.text and not key:
            name, at, label = _definition(block, line)
            data["vectors"].append({"name": name, "at": at, "label": label})
            vector_lines.append(line.number)
        else:
            raise block.error(
                f"vectors lines are 'range: N', 'basis', 'name = (x, y) \"label\"' or steps "
                f"'- ...', got '{line.text}'", line.number, HINT)
    data["steps"] = [_step(block, line) for line in block.steps]
    try:
        Model.model_validate(data)
    except ValidationError as exc:  # a header vector's rule: name its own line
        first = exc.errors()[0]
        message = str(first.get("msg", "")).removeprefix("Value error, ")
        loc = first.get("loc", ())
        found = re.match(r"vectors\[(\d+)\]: ", message)
        if found and int(found.group(1)) < len(vector_lines):
            raise block.error(message[found.end():], vector_lines[int(found.group(1))],
                              HINT) from None
        if len(loc) >= 2 and loc[0] == "vectors" and isinstance(loc[1], int) \
                and loc[1] < len(vector_lines):
            raise block.error(message, vector_lines[loc[1]], HINT) from None
    return block.validated(Model, data, lines=lines)


def _definition(block: Block, line: Line) -> tuple[str, list[float], str | None]:
    """``name = (x, y) "label"``."""
    found = _DEFINE.match(line.text)
    if not found:
        raise block.error(f"a vector is 'name = (x, y)', got '{line.text}'", line.number,
                          'write e.g. v = (2, 1) "v"')
    name = block.name(found.group(1), line.number, "vector name")
    at = list(block.point(found.group(2), line.number))
    return name, at, _label(block, found.group(3), line.number)


def _label(block: Block, text: str, line: int) -> str | None:
    words = block.words(text, line) if text.strip() else []
    if len(words) > 1:
        raise block.error(f"one label, got {' '.join(words)!r}", line,
                          'quote a label with spaces: "2 v"')
    return words[0] if words else None


def _matrix(block: Block, text: str, line: int) -> tuple[list[list[float]], str]:
    """A 2x2 matrix written as rows ``[[a, b], [c, d]]`` (or ``[a b; c d]``), and the rest of
    the line."""
    text = text.strip()
    hint = "write its rows: [[a, b], [c, d]], e.g. [[1, 1], [0, 1]] (a shear)"
    if not text.startswith("["):
        raise block.error(f"expected a matrix [[a, b], [c, d]], got '{text}'", line, hint)
    depth, end = 0, None
    for index, ch in enumerate(text):
        depth += {"[": 1, "]": -1}.get(ch, 0)
        if depth == 0:
            end = index + 1
            break
    if end is None:
        raise block.error(f"the matrix '{text}' is missing a ']'", line, hint)
    written, rest = text[:end], text[end:]
    inner = written.strip()[1:-1]
    groups = re.findall(r"\[([^\[\]]*)\]", inner)
    if groups:  # [[a, b], [c, d]]
        if re.sub(r"\[[^\[\]]*\]", "", inner).strip(" ,"):
            raise block.error(f"'{written}' is not a matrix of rows", line, hint)
        rows_text = groups
    else:  # [a b; c d]
        rows_text = inner.split(";")
    rows = [[p for p in re.split(r"[\s,]+", r.strip()) if p] for r in rows_text]
    if len(rows) != 2 or any(len(r) != 2 for r in rows):
        shape = f"{len(rows)}x{max((len(r) for r in rows), default=0)}"
        raise block.error(f"'{written}' is {shape}, not a 2x2 matrix", line, hint)
    values = [[block.number(v, line, "a number (a matrix holds numbers)") for v in row]
              for row in rows]
    return values, rest


def _step(block: Block, line: Line) -> dict:
    op, _, rest = line.text.partition(" ")
    op, rest, n = op.lower(), rest.strip(), line.number
    if op not in OPS:
        raise block.error(f"unknown vectors step '{op}'", n, f"steps: {', '.join(OPS)}")
    if op == "draw":
        name, at, label = _definition(block, Line(n, rest))
        return {"op": op, "vector": name, "at": at, "label": label}
    if op == "apply" or (op == "eigen" and rest.startswith("[")):
        if not rest:
            raise block.error("'apply' needs a matrix", n,
                              "write e.g. '- apply [[1, 1], [0, 1]] \"shear\"'")
        matrix, rest = _matrix(block, rest, n)
        return {"op": op, "matrix": matrix, "label": _label(block, rest, n)}
    words = block.words(rest, n) if rest else []
    if op == "eigen":
        if words:
            return {"op": op, "label": _label(block, rest, n)}
        return {"op": op}
    if op in ("area", "reset", "columns"):
        if words:
            raise block.error(f"'{op}' takes nothing after it, got '{rest}'", n,
                              f"write '- {op}'")
        return {"op": op}
    if op == "sum":
        if len(words) not in (2, 3):
            raise block.error(f"'sum' adds two vectors, got '{rest}'", n,
                              "write e.g. '- sum v w' or '- sum v w \"v + w\"'")
        of = [block.name(w, n, "vector name") for w in words[:2]]
        label = words[2] if len(words) == 3 else f"{of[0]} + {of[1]}"
        if len(words) == 2 and len(label) > MAX_LABEL:
            label = None  # the kit shows the name
        return {"op": op, "of": of, "vector": f"{of[0]}+{of[1]}", "label": label}
    if op == "combine":
        if len(words) != 1:
            raise block.error(f"'combine' takes one vector, got '{rest}'", n,
                              "write e.g. '- combine v'")
        return {"op": op, "vector": block.name(words[0], n, "vector name")}
    # scale
    if len(words) not in (2, 3):
        raise block.error(f"'scale' takes a vector and a factor, got '{rest}'", n,
                          "write e.g. '- scale v 2' or '- scale v 2 \"2v\"'")
    name = block.name(words[0], n, "vector name")
    factor = block.number(words[1], n, "a factor")
    return {"op": op, "vector": name, "factor": factor,
            "label": words[2] if len(words) == 3 else None}


# -- scene code ------------------------------------------------------------------------------
def emit(v: Model, b) -> None:
    from flaming_horse.authoring.figures import emit_steps, kit_data  # the registry imports us

    # a step glides through nearly all the time to the next one (the grid moving is the
    # picture): still holds stay short
    emit_steps(v, b, build=f"kit.figure({kit_data(v)})", share=0.95, max_run=6.0)


_HATS = {"i": ("i", "i-hat", "i hat", "ihat", "\u00ee", "\u00ee-hat"),
         "j": ("j", "j-hat", "j hat", "jhat", "\u0135", "\u0135-hat")}


def flash(v: Model, var: str, term: str) -> str | None:
    """``**v**`` flashes vector v (by name or label), ``**i-hat**`` the basis vector,
    ``**matrix**`` / ``**determinant**`` the matrix card."""
    said = " ".join(term.lower().split())
    names = [*(("i", "j") if v.basis else ()), *(x.name for x in v.vectors),
             *(s.vector or f"{s.of[0]}+{s.of[1]}" for s in v.steps
               if s.op in ("draw", "sum"))]
    labels = {x.name: x.label for x in v.vectors}
    labels.update({s.vector or f"{s.of[0]}+{s.of[1]}": s.label for s in v.steps
                   if s.op in ("draw", "sum", "scale") and s.label})
    for name in names:
        spoken = _HATS.get(name, ()) if name in BASIS and v.basis else ()
        if said in spoken or said == name.lower() or \
                (labels.get(name) and said == " ".join(labels[name].lower().split())):
            return f"{var}.part({name!r})"
    if said in ("matrix", "the matrix", "determinant", "det") and any(
            s.op in ("apply", "eigen", "area") for s in v.steps):
        return f"{var}.part('card')"
    return None
