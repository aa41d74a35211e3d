"""The ```` ```numberline ```` block: a number line with named points and intervals.

    ```numberline
    range: -3, 5
    point 2 "a"
    - interval 0 to 3 open-closed "A"
    - move a to 4
    - highlight A
    ```

``range: min, max`` (a third number sets the tick step) comes first; ``point x "name"`` and
``interval a to b [closed|open|open-closed|closed-open] ["name"]`` (or ``(a, b]``; ``-inf`` and
``inf`` for unbounded ends) lines are drawn with the line. As steps they appear on their word
(a point drops onto the line, an interval sweeps from left to right); ``move name to x``
slides a point along the line, ``highlight name`` flashes a point or interval.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, model_validator

from flaming_horse.authoring.figures import charts
from flaming_horse.authoring.figures.block import Block, Fail, Line
from flaming_horse.authoring.model_base import Model as _Model
from flaming_horse.authoring.model_base import OneLine

FENCE = "numberline"
README = "number lines"  # the README section: 'Figures: number lines'
MAX_TICKS = 40  # more ticks than this cannot be told apart
MAX_MARKS = 12  # points and intervals on one line


class Point(_Model):
    """A point on the line, with an optional name shown above it."""

    x: float = Field(description="where the point is on the line")
    label: OneLine | None = Field(None, description="its name, shown above it (moves and "
                                  "highlights use it); null for none")


class Interval(_Model):
    """A stretch of the line: closed ends are filled dots, open ends hollow circles, an
    unbounded end an arrow to the end of the line."""

    low: float | None = Field(description="the left end; null: unbounded to the left")
    high: float | None = Field(description="the right end; null: unbounded to the right")
    low_open: bool = Field(False, description="true: the left end is not included")
    high_open: bool = Field(False, description="true: the right end is not included")
    label: OneLine | None = Field(None, description="its name, shown above it; null for none")


class PointStep(Point):
    """A point drops onto the line."""

    op: Literal["point"] = "point"


class IntervalStep(Interval):
    """An interval sweeps along the line from its left end to its right."""

    op: Literal["interval"] = "interval"


class MoveStep(_Model):
    """A named point slides along the line to ``to``."""

    op: Literal["move"] = "move"
    label: OneLine = Field(description="the name of the point to move")
    to: float = Field(description="where it goes")


class HighlightStep(_Model):
    """A named point or interval flashes."""

    op: Literal["highlight"] = "highlight"
    label: OneLine = Field(description="the name of the point or interval")


Step = Annotated[Union[PointStep, IntervalStep, MoveStep, HighlightStep],
                 Field(discriminator="op")]


class Model(_Model):
    """A number line from ``start`` to ``end`` with named points and intervals, and steps that
    add points and intervals, move points and highlight them (inequalities, solution sets,
    distances)."""

    kind: Literal["numberline"] = "numberline"
    start: float = Field(description="the smallest number on the line")
    end: float = Field(description="the largest number on the line")
    tick: float | None = Field(None, description="the step between ticks; null: chosen to fit")
    points: list[Point] = Field(default_factory=list, description="points shown with the line")
    intervals: list[Interval] = Field(default_factory=list,
                                      description="intervals shown with the line")
    steps: list[Step] = Field(default_factory=list, description="what happens next, in order")

    @model_validator(mode="after")
    def _on_the_line(self) -> "Model":
        """The range runs upwards, every mark lies on it, names are unique, and a step names
        only points and intervals shown by then."""
        lo, hi = self.start, self.end
        if not lo < hi:
            raise ValueError(f"range: the line runs from {lo:g} to {hi:g}; the first number "
                             "must be the smaller")
        if self.tick is not None and (self.tick <= 0 or (hi - lo) / self.tick > MAX_TICKS):
            raise ValueError(f"range: a tick every {self.tick:g} from {lo:g} to {hi:g} is "
                             f"{'not a step' if self.tick <= 0 else 'too many ticks'} (at most "
                             f"{MAX_TICKS} ticks)")
        names: dict[str, str] = {}  # name -> 'point' or 'interval'
        marks = [(f"points[{i}]", p) for i, p in enumerate(self.points)] + \
            [(f"intervals[{i}]", v) for i, v in enumerate(self.intervals)] + \
            [(f"steps[{k}]", s) for k, s in enumerate(self.steps)]
        if sum(isinstance(m, (Point, Interval)) for _, m in marks) > MAX_MARKS:
            raise ValueError(f"more than {MAX_MARKS} points and intervals on one line")
        for where, mark in marks:
            if isinstance(mark, Point):
                if not lo <= mark.x <= hi:
                    raise ValueError(f"{where}: the point {mark.x:g} is off the line "
                                     f"({lo:g} to {hi:g})")
            elif isinstance(mark, Interval):
                for end in (mark.low, mark.high):
                    if end is not None and not lo <= end <= hi:
                        raise ValueError(f"{where}: the end {end:g} is off the line "
                                         f"({lo:g} to {hi:g})")
                if mark.low is not None and mark.high is not None and mark.low >= mark.high:
                    raise ValueError(f"{where}: the interval {mark.low:g} to {mark.high:g} runs "
                                     "backwards (write the smaller end first)")
            elif isinstance(mark, MoveStep):
                if names.get(mark.label) != "point":
                    raise ValueError(f"{where}: no point named '{mark.label}' to move "
                                     f"({_known(names, 'point')})")
                if not lo <= mark.to <= hi:
                    raise ValueError(f"{where}: {mark.to:g} is off the line ({lo:g} to {hi:g})")
            elif mark.label not in names:  # a highlight
                raise ValueError(f"{where}: nothing named '{mark.label}' to highlight "
                                 f"({_known(names)})")
            if isinstance(mark, (Point, Interval)) and mark.label is not None:
                if mark.label in names:
                    raise ValueError(f"{where}: the name '{mark.label}' is taken")
                names[mark.label] = "point" if isinstance(mark, Point) else "interval"
        return self


def _known(names: dict[str, str], kind: str | None = None) -> str:
    found = [n for n, k in names.items() if kind is None or k == kind]
    return "named so far: " + ", ".join(found) if found else "none is named yet"


def parse(body: list[str], start: int, fail: Fail) -> Model:
    """The figure of a numberline block whose lines are ``body`` (the fence is on ``start``)."""
    block = Block.split(FENCE, body, start, fail)
    block.kind = README
    data: dict = {"points": [], "intervals": [], "steps": []}
    where: dict[str, int | list[int]] = {"points": [], "intervals": []}
    for line in block.header:
        key, rest = block.keyed(line.text, line.number)
        if key == "range":
            numbers = block.numbers(rest.replace(" to ", ","), line.number)
            if len(numbers) not in (2, 3):
                raise block.error(f"'range:' takes a smallest and a largest number, got "
                                  f"'{rest}'", line.number, "write e.g. 'range: -3, 5'")
            data.update(start=numbers[0], end=numbers[1],
                        tick=numbers[2] if len(numbers) == 3 else None)
            where["range"] = line.number
            continue
        mark = None if key else _mark(block, line)
        if mark is None:
            raise block.error(f"'{line.text}' is not a number line line", line.number,
                              "start with 'range: -3, 5', then 'point 2 \"a\"' or "
                              "'interval 0 to 3' lines, then the '- ' steps")
        group = "points" if mark.pop("op") == "point" else "intervals"
        data[group].append(mark)
        where[group].append(line.number)  # type: ignore[union-attr]
    if "start" not in data:
        raise block.error("a numberline block needs a 'range:' line", start,
                          "start the block with e.g. 'range: -3, 5'")
    for line in block.steps:
        data["steps"].append(_step(block, line))
    return charts.validated(block, Model, data, where)


def _mark(block: Block, line: Line) -> dict | None:
    """A ``point`` or ``interval`` line as data (with its op), None for another line."""
    op, _, rest = line.text.partition(" ")
    op = op.lower()
    if op == "point":
        words = block.words(rest, line.number)
        if not words:
            raise block.error("'point' needs where it is", line.number,
                              "write e.g. 'point 2 \"a\"'")
        x = block.number(words[0], line.number)
        return {"op": "point", "x": x, "label": charts.label(block, words[1:], line.number)}
    if op == "interval":
        return {"op": "interval", **charts.interval(block, rest, line.number)}
    return None


def _step(block: Block, line: Line) -> dict:
    mark = _mark(block, line)
    if mark is not None:
        return mark
    op, _, rest = line.text.partition(" ")
    op = op.lower()
    if op == "move":
        words = block.words(rest, line.number)
        if len(words) != 3 or words[1].lower() != "to":
            raise block.error(f"'move {rest}' is not 'move name to x'", line.number,
                              "write e.g. '- move a to 4'")
        return {"op": "move", "label": words[0], "to": block.number(words[2], line.number)}
    if op == "highlight":
        name = charts.label(block, block.words(rest, line.number), line.number, "name")
        if name is None:
            raise block.error("'highlight' needs the name of a point or interval", line.number,
                              "write e.g. '- highlight a'")
        return {"op": "highlight", "label": name}
    raise block.error(f"unknown number line step '{op}'", line.number,
                      "steps: point, interval, move, highlight")


def emit(v: Model, b) -> None:
    from flaming_horse.authoring.figures import emit_steps, kit_data

    emit_steps(v, b, build=f"kit.figure({kit_data(v)})", share=0.8, max_run=3.5)


def flash(v: Model, var: str, term: str) -> str | None:
    """A **term** naming a point or interval flashes it; a number flashes the point there."""
    named = [m.label for m in [*v.points, *v.intervals, *v.steps]
             if isinstance(m, (Point, Interval)) and m.label]
    name = next((n for n in named if n.lower() == term.strip().lower()), None)
    if name is None:
        try:
            x = float(term.strip().replace("\u2212", "-"))
        except ValueError:
            return None
        name = next((m.label for m in [*v.points, *v.steps]
                     if isinstance(m, Point) and m.label and m.x == x), None)
    return f"{var}.part({name!r})" if name else None
