"""The ```` ```bars ```` block: a bar chart whose bars grow, change and light up.

    ```bars
    bars: 2=1, 3=2, 4=3, 5=4, 6=5, 7=6
    y: 0, 8 "count"
    x: "sum of two dice"
    - grow
    - set 7=8
    - add 6, 5=2
    - highlight 7
    ```

``bars: label=value, ...`` lists the bars (a label with spaces in quotes); ``y: [0,] max
["label"]`` sets the top of the scale (default: the largest value any step reaches, rounded
up) and names the axis; ``x: "label"`` names the categories. Steps: ``grow`` (first: the bars
rise from zero), ``set label=value, ...``, ``add label[=amount], ...`` (default 1, for
counting), ``highlight label ...``. Bar values are counts and sizes: never below zero.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, model_validator

from flaming_horse.authoring.figures import charts
from flaming_horse.authoring.figures.block import Block, Fail, Line
from flaming_horse.authoring.model_base import Model as _Model
from flaming_horse.authoring.model_base import OneLine

FENCE = "bars"
README = "bar charts"  # the README section: 'Figures: bar charts'
MAX_BARS = 24  # more bars than this are too thin to label


class Bar(_Model):
    """One bar: its label under it and its value (its height, written over it)."""

    label: OneLine = Field(min_length=1, description="the category, written under the bar")
    value: float = Field(description="its height, 0 or more")


class GrowStep(_Model):
    """The bars rise from zero to their values (only as the first step)."""

    op: Literal["grow"] = "grow"


class SetStep(_Model):
    """Bars change height to new values."""

    op: Literal["set"] = "set"
    values: dict[str, float] = Field(description="bar label -> its new value")


class AddStep(_Model):
    """Bars grow (or shrink) by amounts, e.g. one more roll counted."""

    op: Literal["add"] = "add"
    values: dict[str, float] = Field(description="bar label -> the amount added (1 to count)")


class HighlightStep(_Model):
    """Bars turn the accent colour and pulse."""

    op: Literal["highlight"] = "highlight"
    labels: list[OneLine] = Field(min_length=1, description="the labels of the bars")


Step = Annotated[Union[GrowStep, SetStep, AddStep, HighlightStep], Field(discriminator="op")]


class Model(_Model):
    """A bar chart: labelled bars with their values over them, a value axis from 0, and steps
    that grow the bars from zero, set or add to values, and highlight bars (counts, votes,
    frequencies, histograms of outcomes)."""

    kind: Literal["bars"] = "bars"
    bars: list[Bar] = Field(min_length=1, max_length=MAX_BARS, description="the bars, left "
                            "to right")
    y_max: float | None = Field(None, description="the top of the value axis; null: the "
                                "largest value reached, rounded up")
    y_label: OneLine | None = Field(None, description="the name of the value axis, e.g. count")
    x_label: OneLine | None = Field(None, description="the name of the categories")
    steps: list[Step] = Field(default_factory=list, description="what happens next, in order")

    @model_validator(mode="after")
    def _drawable(self) -> "Model":
        """Labels are unique, values never go below zero nor over ``y_max``, steps name bars
        that exist, and ``grow`` comes first."""
        labels = [b.label for b in self.bars]
        if self.y_max is not None and self.y_max <= 0:
            raise ValueError(f"y: the top of the scale must be above 0, got {self.y_max:g}")
        top = self.y_max if self.y_max is not None else float("inf")
        for i, bar in enumerate(self.bars):
            if bar.label in labels[:i]:
                raise ValueError(f"bars[{i}]: two bars are labelled '{bar.label}'")
            if bar.value < 0:
                raise ValueError(f"bars[{i}]: the bar '{bar.label}' is {bar.value:g}; bars are "
                                 "0 or more (a bar chart here shows counts and sizes)")
            if bar.value > top:
                raise ValueError(f"bars[{i}]: the bar '{bar.label}' is {bar.value:g}, over the "
                                 f"top of the scale (y: {top:g})")
        now = {b.label: b.value for b in self.bars}
        for k, step in enumerate(self.steps):
            if isinstance(step, GrowStep) and k:
                raise ValueError(f"steps[{k}]: 'grow' must be the first step (the bars rise "
                                 "from zero before anything else happens)")
            named = list(step.values) if isinstance(step, (SetStep, AddStep)) else \
                list(getattr(step, "labels", []))
            if isinstance(step, (SetStep, AddStep)) and not named:
                raise ValueError(f"steps[{k}]: '{step.op}' names no bar")
            for name in named:
                if name not in now:
                    raise ValueError(f"steps[{k}]: there is no bar '{name}' (bars: "
                                     f"{', '.join(labels)})")
            for name in named if isinstance(step, (SetStep, AddStep)) else ():
                value = step.values[name] + (now[name] if isinstance(step, AddStep) else 0)
                if value < 0:
                    raise ValueError(f"steps[{k}]: the bar '{name}' would be {value:g}; bars "
                                     "are 0 or more")
                if value > top:
                    raise ValueError(f"steps[{k}]: the bar '{name}' would reach {value:g}, over "
                                     f"the top of the scale (y: {top:g})")
                now[name] = value
        return self


def parse(body: list[str], start: int, fail: Fail) -> Model:
    """The figure of a bars block whose lines are ``body`` (the fence is on ``start``)."""
    block = Block.split(FENCE, body, start, fail)
    block.kind = README
    data: dict = {"steps": []}
    where: dict[str, int | list[int]] = {}
    for line in block.header:
        key, rest = block.keyed(line.text, line.number)
        if key == "bars":
            pairs = _pairs(block, rest, line.number, None)
            if not pairs:
                raise block.error("'bars:' needs label=value pairs", line.number,
                                  "write e.g. 'bars: 2=1, 3=2, 4=3'")
            if len(pairs) > MAX_BARS:
                raise block.error(f"{len(pairs)} bars are too many to label", line.number,
                                  f"show at most {MAX_BARS} bars (group the rest)")
            data["bars"] = [{"label": k, "value": v} for k, v in pairs]
        elif key == "y":
            words = block.words(rest, line.number)
            numbers = [w for w in words if _numeric(w)]
            names = [w for w in words if not _numeric(w)]
            if len(numbers) > 2 or numbers and words[:len(numbers)] != numbers:
                raise block.error(f"'y: {rest}' is not 'y: [0,] max [\"label\"]'", line.number,
                                  "write e.g. 'y: 0, 8 \"count\"'")
            values = [block.number(n.strip(","), line.number) for n in numbers]
            if len(values) == 2 and values[0] != 0:
                raise block.error(f"the value axis starts at {values[0]:g}", line.number,
                                  "bars stand on 0: write 'y: 0, max' or just 'y: max'")
            data["y_max"] = values[-1] if values else None
            data["y_label"] = charts.label(block, names, line.number)
        elif key == "x":
            data["x_label"] = charts.label(block, block.words(rest, line.number), line.number)
        else:
            raise block.error(f"'{line.text}' is not a bar chart line", line.number,
                              "start with 'bars: a=1, b=2', then optional 'y: 0, 8 \"count\"' "
                              "and 'x: \"label\"', then the '- ' steps")
        where["y" if key == "y" else key] = line.number
    if "bars" not in data:
        raise block.error("a bars block needs a 'bars:' line", start,
                          "start the block with e.g. 'bars: 2=1, 3=2, 4=3'")
    labels = [b["label"] for b in data["bars"]]
    for line in block.steps:
        data["steps"].append(_step(block, line, labels))
    return charts.validated(block, Model, data, where)


def _numeric(word: str) -> bool:
    try:
        float(word.strip(",").replace("\u2212", "-"))
    except ValueError:
        return False
    return True


def _name(text: str, labels: list[str] | None) -> str:
    """A bar label as written (quotes dropped), matched case-insensitively to ``labels``."""
    name = text.strip().strip('"').strip("'").strip()
    if labels is not None and name not in labels:
        return next((label for label in labels if label.lower() == name.lower()), name)
    return name


def _pairs(block: Block, text: str, line: int, labels: list[str] | None,
           default: float | None = None) -> list[tuple[str, float]]:
    """``label=value, ...`` (``label`` alone means ``default`` when there is one)."""
    found: list[tuple[str, float]] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.rpartition("=")
        if not sep and default is not None:
            name, value = value, ""
        elif not sep or not name.strip():
            raise block.error(f"'{part}' is not label=value", line, "write e.g. '7=6'")
        name = _name(name, labels)
        if not name:
            raise block.error(f"'{part}' has no label", line, "write e.g. '7=6'")
        if name in [n for n, _ in found]:
            raise block.error(f"the bar '{name}' is named twice", line,
                              "name each bar once per line")
        found.append((name, block.number(value, line) if value.strip() else float(default)))
    return found


def _step(block: Block, line: Line, labels: list[str]) -> dict:
    op, _, rest = line.text.partition(" ")
    op = op.lower()
    if op == "grow":
        if rest.strip():
            raise block.error("'grow' takes nothing after it", line.number, "write '- grow'")
        return {"op": "grow"}
    if op in ("set", "add"):
        pairs = _pairs(block, rest, line.number, labels, 1.0 if op == "add" else None)
        if not pairs:
            raise block.error(f"'{op}' needs bars", line.number,
                              f"write e.g. '- {op} 7{'' if op == 'add' else '=8'}'")
        return {"op": op, "values": dict(pairs)}
    if op == "highlight":
        names = [_name(w, labels) for w in block.words(rest.replace(",", " "), line.number)]
        if not names:
            raise block.error("'highlight' needs bars", line.number, "write e.g. '- highlight 7'")
        return {"op": "highlight", "labels": names}
    raise block.error(f"unknown bar chart step '{op}'", line.number,
                      "steps: grow, set, add, highlight")


def emit(v: Model, b) -> None:
    from flaming_horse.authoring.figures import emit_steps, kit_data

    emit_steps(v, b, build=f"kit.figure({kit_data(v)})", share=0.75, max_run=3.0)


def flash(v: Model, var: str, term: str) -> str | None:
    """A **term** that is a bar's label flashes that bar."""
    name = next((b.label for b in v.bars if b.label.lower() == term.strip().lower()), None)
    return f"{var}.part({name!r})" if name else None
