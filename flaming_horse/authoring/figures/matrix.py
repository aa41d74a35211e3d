"""The ```` ```matrix ```` block: matrices and tables, with steps that highlight a cell, a row or
a column, write a value, and multiply a row by a column.

    ```matrix
    A: 1 2 | 3 4
    B: 5 6 | 7 8
    C: ? ? | ? ?
    show: A × B = C
    - row A 1
    - column B 1
    - multiply 1 1
    ```

``rows: 1 2 | 3 4`` (rows split by ``|``, entries by commas when there are any, else by
spaces) or one ``row: 1, 2`` line per row is one grid; ``NAME: ...`` lines make named grids
(several: a product ``A × B = C``). ``brackets: yes|no`` (a matrix in brackets, or a table
with lines), ``header: row|column|both`` (the first row / column is a table's header), ``show:
A × B = C`` (the order of the grids and the signs between them). Steps: ``row [grid] i``,
``column [grid] j``, ``cell [grid] i j``, ``set [grid] i j = value``, ``multiply i j [= value]``
(row i of the first grid times column j of the second, written into the third). Rows and
columns count from 1 as written; a table's row or column may also be named by its header.
"""

from __future__ import annotations

import re
from typing import Literal, get_args

from pydantic import Field, ValidationError, model_validator

from flaming_horse.authoring.figures.block import Block, Fail, Line
from flaming_horse.authoring.model_base import Model as _Model
from flaming_horse.authoring.model_base import OneLine

FENCE = "matrix"
MAX_ROWS = 8  # rows (or columns) of one grid: more are too small to read
MAX_GRIDS = 3
MAX_ENTRY = 12  # characters in one entry
MAX_WIDTH = 56  # characters across the whole figure (entries, room around them, signs)
SIGNS = ("", "×", "·", "=", "+", "−", "→")
_SIGN_WORDS = {"x": "×", "*": "×", "×": "×", "times": "×", "·": "·", ".": "·", "=": "=",
               "equals": "=", "+": "+", "plus": "+", "-": "−", "−": "−", "minus": "−",
               "->": "→", "→": "→"}
_KEYS = ("rows", "row", "brackets", "header", "show")
_GRID_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_']{0,11}")


class Grid(_Model):
    """One grid of entries: a matrix in square brackets, or a table with cell lines and
    optionally a header row and/or column."""

    name: OneLine = Field("", max_length=12, description="what steps call it when there are "
                          "several grids, e.g. 'A'; '' for a single grid")
    rows: list[list[OneLine]] = Field(min_length=1, max_length=MAX_ROWS,
                                      description="the entries row by row: numbers or short "
                                      "text (no LaTeX), every row as long")
    brackets: bool = Field(True, description="true: a matrix in square brackets; false: a "
                           "table with cell lines")
    header: Literal["none", "row", "column", "both"] = Field(
        "none", description="a table's header: its first row, first column, or both")

    @model_validator(mode="after")
    def _shape(self) -> "Grid":
        what = f"grid {self.name}" if self.name else "the grid"
        width = len(self.rows[0])
        if not 1 <= width <= MAX_ROWS:
            raise ValueError(f"{what} has {width} columns (1 to {MAX_ROWS} fit the frame)")
        for number, row in enumerate(self.rows, start=1):
            if len(row) != width:
                raise ValueError(f"row {number} of {what} has {_entries(len(row))}, row 1 "
                                 f"has {width}")
            for entry in row:
                _check_entry(entry)
        if self.header != "none" and self.brackets:
            raise ValueError(f"{what} has a header, so it is a table: tables have no brackets")
        return self


class MatrixStep(_Model):
    """One step: ``row``, ``column`` or ``cell`` moves the grid's highlight there; ``set``
    writes ``value`` into a cell; ``multiply`` highlights row ``row`` of the first grid and
    column ``column`` of the second and writes ``value`` (their product) into the third."""

    op: Literal["row", "column", "cell", "set", "multiply"] = Field(
        description="what the step does")
    grid: OneLine = Field("", description="the grid's name ('' when there is one grid; "
                          "multiply always uses the first three)")
    row: int | None = Field(None, description="row number, from 1, as written")
    column: int | None = Field(None, description="column number, from 1, as written")
    value: OneLine | None = Field(None, description="set: the new entry; multiply: the "
                                  "result entry (row times column)")


class Model(_Model):
    """Matrices or tables drawn as grids of entries, with steps that highlight cells, rows and
    columns, write values, and multiply a row by a column (matrix multiplication)."""

    kind: Literal["matrix"] = "matrix"
    grids: list[Grid] = Field(min_length=1, max_length=MAX_GRIDS,
                              description="the grids, left to right")
    signs: list[OneLine] = Field(default_factory=list, description="signs between the grids "
                                 "(one fewer than grids), e.g. ['×', '=']; [] for none")
    steps: list[MatrixStep] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rules(self) -> "Model":
        names = [g.name for g in self.grids]
        if len(self.grids) > 1 and not all(names):
            raise ValueError("name every grid when there are several (A: ..., B: ...)")
        for name in names:
            if name and not _GRID_NAME.fullmatch(name):
                raise ValueError(f"'{name}' is not a grid name (a letter, then letters or "
                                 "digits)")
            if names.count(name) > 1:
                raise ValueError(f"the grid name '{name}' is used twice")
        if self.signs and len(self.signs) != len(self.grids) - 1:
            raise ValueError(f"{len(self.signs)} signs between {len(self.grids)} grids")
        for sign in self.signs:
            if sign not in SIGNS:
                raise ValueError(f"'{sign}' is not a sign between grids ({' '.join(SIGNS[1:])})")
        now = [[list(row) for row in g.rows] for g in self.grids]
        widest = [[len(e) for e in g.rows[0]] for g in self.grids]  # per grid and column
        for i, step in enumerate(self.steps):
            where = f"steps[{i}]: "
            if step.op == "multiply":
                target = _multiplied(self.grids, now, step, where)
            else:
                target = self._single(step, where)
            if target is not None:
                g, r, c = target
                _check_entry(step.value or "", where)
                now[g][r][c] = step.value or ""
            for g, grid in enumerate(now):
                for row in grid:
                    widest[g] = [max(w, len(e)) for w, e in zip(widest[g], row)]
        across = sum(sum(w + 2 for w in ws) + 3 for ws in widest) + 3 * len(self.signs)
        if across > MAX_WIDTH:
            raise ValueError(f"the grids are too wide to read ({across} characters across, at "
                             f"most {MAX_WIDTH}): fewer columns or shorter entries")
        return self

    def _single(self, step: MatrixStep, where: str) -> tuple[int, int, int] | None:
        """The rules of a row, column, cell or set step; the cell a ``set`` writes."""
        names = [g.name for g in self.grids]
        if step.grid == "" and len(self.grids) > 1:
            raise ValueError(where + f"say which grid ({', '.join(names)}), e.g. "
                             f"'- {step.op} {names[0]} 1'")
        if step.grid not in names and not (step.grid == "" and len(self.grids) == 1):
            raise ValueError(where + f"there is no grid '{step.grid}' ({', '.join(names)})")
        g = names.index(step.grid) if step.grid in names else 0
        grid = self.grids[g]
        need_row = step.op in ("row", "cell", "set")
        need_column = step.op in ("column", "cell", "set")
        if need_row != (step.row is not None) or need_column != (step.column is not None):
            shape = {"row": "a row", "column": "a column", "cell": "a row and a column",
                     "set": "a row and a column"}[step.op]
            raise ValueError(where + f"'{step.op}' takes {shape}")
        if (step.op == "set") != (step.value is not None):
            raise ValueError(where + ("'set' needs a value" if step.op == "set"
                                      else f"'{step.op}' takes no value"))
        what = f"grid {grid.name}" if grid.name else "the grid"
        if step.row is not None and not 1 <= step.row <= len(grid.rows):
            raise ValueError(where + f"row {step.row} is past the end of {what} (rows 1 to "
                             f"{len(grid.rows)})")
        if step.column is not None and not 1 <= step.column <= len(grid.rows[0]):
            raise ValueError(where + f"column {step.column} is past the end of {what} "
                             f"(columns 1 to {len(grid.rows[0])})")
        if step.op == "set":
            return g, step.row - 1, step.column - 1
        return None


def _entries(count: int) -> str:
    return f"{count} entr{'y' if count == 1 else 'ies'}"


def _check_entry(entry: str, where: str = "") -> None:
    if not entry.strip():
        raise ValueError(where + "an entry is empty (write '?' or '-' for an empty place)")
    if len(entry) > MAX_ENTRY:
        raise ValueError(where + f"the entry '{entry}' is too long to read in a cell (at most "
                         f"{MAX_ENTRY} characters)")


def number(text: str) -> float | None:
    """The number an entry shows, if it is one (``−3`` and ``2.5`` are)."""
    try:
        value = float(text.strip().replace("\u2212", "-"))
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def shown(value: float) -> str:
    """A product as an entry: ``19``, ``2.5``, ``−3``."""
    text = f"{value:.6g}" if value != int(value) or abs(value) >= 1e15 else str(int(value))
    return text.replace("-", "\u2212")


def product(row: list[str], column: list[str]) -> float | None:
    """Row times column, when every entry is a number."""
    numbers = [number(e) for e in (*row, *column)]
    if any(n is None for n in numbers):
        return None
    half = len(row)
    return sum(a * b for a, b in zip(numbers[:half], numbers[half:]))  # type: ignore[operator]


def _multiplied(grids: list[Grid], now: list[list[list[str]]], step: MatrixStep,
                where: str) -> tuple[int, int, int]:
    """The rules of a multiply step; the cell of the third grid it writes."""
    if len(grids) < 3:
        raise ValueError(where + "'multiply' needs three grids: left × right = result")
    left, right, result = grids[:3]
    if any(g.header != "none" for g in (left, right, result)):
        raise ValueError(where + "'multiply' works on matrices, not tables with headers")
    rows, inner, columns = len(left.rows), len(left.rows[0]), len(right.rows[0])
    if len(right.rows) != inner:
        raise ValueError(where + f"{left.name} has {inner} columns but {right.name} has "
                         f"{len(right.rows)} rows: they cannot be multiplied")
    if (len(result.rows), len(result.rows[0])) != (rows, columns):
        raise ValueError(where + f"{left.name} × {right.name} is {rows}×{columns}, but "
                         f"{result.name} is {len(result.rows)}×{len(result.rows[0])}")
    if step.grid not in ("", result.name):
        raise ValueError(where + f"'multiply' writes into {result.name}, the third grid")
    if step.row is None or step.column is None:
        raise ValueError(where + "'multiply' takes a row (of the left grid) and a column (of "
                         "the right grid)")
    if not 1 <= step.row <= rows:
        raise ValueError(where + f"row {step.row} is past the end of {left.name} (rows 1 to "
                         f"{rows})")
    if not 1 <= step.column <= columns:
        raise ValueError(where + f"column {step.column} is past the end of {right.name} "
                         f"(columns 1 to {columns})")
    made = product(now[0][step.row - 1], [r[step.column - 1] for r in now[1]])
    if step.value is None:
        raise ValueError(where + "'multiply' needs the entry it writes"
                         + ("" if made is None else f" ({shown(made)})"))
    given = number(step.value)
    if made is not None and (given is None or abs(given - made) > 1e-9 * max(1, abs(made))):
        raise ValueError(where + f"row {step.row} of {left.name} times column {step.column} "
                         f"of {right.name} is {shown(made)}, not {step.value}")
    return 2, step.row - 1, step.column - 1


MatrixFigure = Model
OPS = get_args(MatrixStep.model_fields["op"].annotation)


# -- the script block ----------------------------------------------------------------------------
def parse(body: list[str], start: int, fail: Fail) -> MatrixFigure:
    """The figure of a matrix block whose lines are ``body`` (the block opens on ``start``)."""
    block = Block.split(FENCE, body, start, fail)
    rows: dict[str, list[list[str]]] = {}  # grid name ('' unnamed) -> rows
    first_line: dict[str, int] = {}
    brackets: bool | None = None
    header = "none"
    show: tuple[list[str], list[str], Line] | None = None
    for line in block.header:
        match = re.fullmatch(r"([A-Za-z][A-Za-z0-9_']*)\s*:\s*(.*)", line.text)
        if not match:
            raise block.error(f"matrix lines are 'rows: 1 2 | 3 4', 'row: 1, 2', 'A: ...' (a "
                              f"named grid), 'brackets:', 'header:', 'show:' or steps '- ...', "
                              f"got '{line.text}'", line.number)
        key, rest = match.groups()
        low = key.lower()
        if low == "brackets":
            if rest.lower() not in ("yes", "no", "true", "false"):
                raise block.error(f"'brackets:' is yes or no, got '{rest}'", line.number,
                                  "write 'brackets: no' for a table with cell lines")
            brackets = rest.lower() in ("yes", "true")
        elif low == "header":
            if rest.lower() not in ("row", "column", "both", "none"):
                raise block.error(f"'header:' is row, column, both or none, got '{rest}'",
                                  line.number, "write 'header: row' for a table whose first "
                                  "row names its columns")
            header = rest.lower()
        elif low == "show":
            show = (*_show(block, rest, line), line)
        else:
            name = "" if low in ("rows", "row") else key
            if name and not _GRID_NAME.fullmatch(name):
                raise block.error(f"'{name}' is not a grid name", line.number,
                                  "a letter, then letters or digits (up to 12)")
            if (name == "") != all(n == "" for n in rows) and rows:
                raise block.error("a block has one grid ('rows:') or named grids ('A: ...'), "
                                  "not both", line.number,
                                  "name every grid: 'A: 1 2 | 3 4', 'B: ...'")
            if name not in rows and len(rows) == MAX_GRIDS:
                raise block.error(f"more than {MAX_GRIDS} grids do not fit the frame",
                                  line.number, "show at most three grids, e.g. A × B = C")
            grid = rows.setdefault(name, [])
            first_line.setdefault(name, line.number)
            for row in _rows(block, rest, line):
                if grid and len(row) != len(grid[0]):
                    raise block.error(f"row {len(grid) + 1} has {_entries(len(row))}, the "
                                      f"rows above have {len(grid[0])}", line.number,
                                      "give every row as many entries (write '?' for an "
                                      "empty place)")
                grid.append(row)
                if len(grid) > MAX_ROWS:
                    raise block.error(f"a grid of {len(grid)} rows does not fit the frame",
                                      line.number, f"show at most {MAX_ROWS} rows")
    if not rows:
        raise block.error("a matrix block needs its entries", start,
                          "write e.g. 'rows: 1 2 | 3 4', or 'A: 1 2 | 3 4' for named grids")
    if brackets is None:
        brackets = header == "none"
    names = list(rows)
    signs: list[str] = []
    if show is not None:
        order, signs, line = show
        if sorted(order) != sorted(names):
            raise block.error(f"'show:' lists the grids {', '.join(order) or 'none'}, the block "
                              f"has {', '.join(names)}", line.number,
                              "name each grid once: 'show: A × B = C'")
        names = order
        if not any(signs):
            signs = []
    grids = [{"name": n, "rows": rows[n], "brackets": brackets, "header": header}
             for n in names]
    for name in names:  # shape rules, on the grid's own line
        try:
            Grid.model_validate(grids[names.index(name)])
        except ValidationError as exc:
            message = str(exc.errors()[0].get("msg", "invalid"))
            raise block.error(message.removeprefix("Value error, "), first_line[name]) from None
    now = {n: [list(r) for r in rows[n]] for n in names}
    steps = [_step(block, line, grids, now) for line in block.steps]
    data = {"grids": grids, "signs": signs, "steps": steps}
    return block.validated(MatrixFigure, data, lines={"grids": start + 1, "signs": start + 1})


def _rows(block: Block, text: str, line: Line) -> list[list[str]]:
    found = []
    for part in text.split("|"):
        entries = [e.strip() for e in (part.split(",") if "," in part else part.split())]
        if not entries or any(not e for e in entries):
            raise block.error(f"an empty entry in '{text}'", line.number,
                              "rows are split by '|', entries by commas or spaces; write '?' "
                              "for an empty place")
        if len(entries) > MAX_ROWS:
            raise block.error(f"a row of {len(entries)} entries does not fit the frame",
                              line.number, f"show at most {MAX_ROWS} columns")
        long = next((e for e in entries if len(e) > MAX_ENTRY), None)
        if long:
            raise block.error(f"the entry '{long}' is too long to read in a cell",
                              line.number, f"keep entries to {MAX_ENTRY} characters")
        found.append(entries)
    return found


def _show(block: Block, text: str, line: Line) -> tuple[list[str], list[str]]:
    """``A × B = C``: the grids in order and the signs between them ('' for none)."""
    order: list[str] = []
    signs: list[str] = []
    for word in text.split():
        sign = _SIGN_WORDS.get(word.lower())
        if sign is not None and order and len(signs) == len(order) - 1:
            signs.append(sign)
        elif sign is not None and word.lower() != "x":
            raise block.error(f"'{word}' must stand between two grids", line.number,
                              "write e.g. 'show: A × B = C'")
        else:
            if order and len(signs) == len(order) - 1:
                signs.append("")  # two grids side by side
            order.append(word)
    if len(signs) != max(0, len(order) - 1):
        raise block.error(f"'show: {text}' ends with a sign", line.number,
                          "write e.g. 'show: A × B = C'")
    return order, signs


def _index(block: Block, word: str, names: list[str], what: str, line: int) -> int:
    """A row or column number from 1, or a table's header entry naming it."""
    if re.fullmatch(r"\d+", word):
        return int(word)
    lowered = [n.lower() for n in names]
    if word.lower() in lowered:
        return lowered.index(word.lower()) + 1
    known = f", or a name in the header: {', '.join(names)}" if names else ""
    raise block.error(f"'{word}' is not a {what}", line, f"{what}s count from 1{known}")


def _step(block: Block, line: Line, grids: list[dict], now: dict[str, list[list[str]]]) -> dict:
    words = block.words(line.text, line.number)
    op = words[0].lower() if words else ""
    op = {"col": "column", "times": "multiply"}.get(op, op)
    if op not in OPS:
        raise block.error(f"unknown matrix step '{op}'", line.number,
                          f"steps: {', '.join(OPS)}")
    rest = words[1:]
    value = None
    if op in ("set", "multiply"):
        if "=" in rest:
            at = rest.index("=")
            value, rest = " ".join(rest[at + 1:]), rest[:at]
        elif any(w.startswith("=") or w.endswith("=") for w in rest):
            at = next(i for i, w in enumerate(rest) if w.startswith("=") or w.endswith("="))
            head, _, tail = rest[at].partition("=")
            value = " ".join([tail, *rest[at + 1:]]).strip()
            rest = rest[:at] + ([head] if head else [])
        elif op == "set" and len(rest) >= 3:
            value, rest = rest[-1], rest[:-1]
        if value is not None and not value:
            raise block.error(f"'{op}' has nothing after '='", line.number,
                              "write e.g. '- set 2 2 = 9'")
        if op == "set" and value is None:
            raise block.error("'set' needs a cell and a value", line.number,
                              "write e.g. '- set 2 2 = 9' (row 2, column 2 becomes 9)")
    names = [g["name"] for g in grids]
    grid = ""
    if rest and rest[0] in names and rest[0]:
        grid, rest = rest[0], rest[1:]
    g = names.index(grid) if grid in names else 0
    if op == "multiply":
        g = 2 if len(grids) >= 3 else g
    header = grids[g]["header"]
    entries = now[names[g]]
    row_names = [r[0] for r in entries] if header in ("column", "both") else []
    column_names = list(entries[0]) if header in ("row", "both") else []
    wanted = {"row": ["row"], "column": ["column"]}.get(op, ["row", "column"])
    if len(rest) != len(wanted):
        example = {"row": "row 2", "column": "column 1", "cell": "cell 1 2",
                   "set": "set 2 2 = 9", "multiply": "multiply 1 2"}[op]
        raise block.error(f"'{op}' takes {' and '.join('a ' + w for w in wanted)}, got "
                          f"'{' '.join(rest) or 'nothing'}'", line.number,
                          f"write e.g. '- {example}'" + (f" (name the grid first: '- {op} "
                                                         f"{names[0]} ...')" if len(names) > 1
                                                         and op != "multiply" else ""))
    step: dict = {"op": op, "grid": grid}
    for what, word in zip(wanted, rest):
        step[what] = _index(block, word, row_names if what == "row" else column_names, what,
                            line.number)
    if op == "multiply" and value is None and len(grids) >= 3:
        r, c = step["row"], step["column"]
        left, right = now[names[0]], now[names[1]]
        if 1 <= r <= len(left) and 1 <= c <= len(right[0]):
            made = product(left[r - 1], [row[c - 1] for row in right])
            if made is None:
                raise block.error("the entries are not all numbers, so give the result",
                                  line.number, f"write e.g. '- multiply {r} {c} = ab + cd'")
            value = shown(made)
    if value is not None:
        step["value"] = value
        target = now[names[g]]
        r, c = step["row"] - 1, step["column"] - 1
        if 0 <= r < len(target) and 0 <= c < len(target[0]):
            target[r][c] = value
    return step


# -- scene code ------------------------------------------------------------------------------------
def emit(v: MatrixFigure, b) -> None:
    from flaming_horse.authoring.figures import emit_steps, kit_data

    emit_steps(v, b, build=f"kit.figure({kit_data(v)})", share=0.75, max_run=2.5)


def flash(v: MatrixFigure, var: str, term: str) -> str | None:
    """A term equal to an entry (as first shown, or as a step writes it) flashes that entry; a
    grid's name flashes the grid."""
    want = " ".join(term.split()).lower()
    for g, grid in enumerate(v.grids):
        if grid.name and grid.name.lower() == want:
            return f"{var}.part('grid {g}')"
        for r, row in enumerate(grid.rows, start=1):
            for c, entry in enumerate(row, start=1):
                if entry.strip().lower() == want:
                    return f"{var}.part('cell {g} {r} {c}')"
    names = [g.name for g in v.grids]
    for step in v.steps:
        if step.value is not None and step.value.strip().lower() == want:
            g = 2 if step.op == "multiply" else names.index(step.grid) if step.grid else 0
            return f"{var}.part('cell {g} {step.row} {step.column}')"
    return None
