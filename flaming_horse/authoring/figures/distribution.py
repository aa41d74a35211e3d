"""The ```` ```distribution ```` block: a probability distribution's curve (or, for the
binomial, its bars), its parameters, shaded probabilities and mean / standard deviation marks.

    ```distribution
    normal: mean=0, sd=1
    x: -4, 4 "z"
    - mean
    - sd
    - shade -1 to 1 "68%"
    - shade -2 to 2
    - set sd=1.5
    ```

The first line names the distribution and its parameters: ``normal: mean=, sd=``, ``uniform:
a=, b=``, ``exponential: rate=``, ``binomial: n=, p=`` (missing ones take their defaults; plain
numbers are taken in that order). ``x: min, max ["label"]`` sets the axis (default: wide enough
for every step). ``shade a to b ["label"]`` (``-inf`` and ``inf`` for tails; without a label
the probability is computed and shown), ``mean`` and ``sd`` lines are drawn with the curve; as
steps they appear on their word (a shade sweeps from left to right). ``set name=value, ...``
changes parameters: the curve, marks and probabilities follow.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, Union

from pydantic import Field, model_validator

from flaming_horse.authoring.figures import charts
from flaming_horse.authoring.figures.block import Block, Fail, Line
from flaming_horse.authoring.model_base import Model as _Model
from flaming_horse.authoring.model_base import OneLine

FENCE = "distribution"
README = "distributions"  # the README section: 'Figures: distributions'
MAX_N = 40  # a binomial with more trials has bars too thin to see
MAX_SHADES = 4
PARAMETERS = {"normal": ("mean", "sd"), "uniform": ("a", "b"), "exponential": ("rate",),
              "binomial": ("n", "p")}
DEFAULTS = {"normal": {"mean": 0.0, "sd": 1.0}, "uniform": {"a": 0.0, "b": 1.0},
            "exponential": {"rate": 1.0}, "binomial": {"n": 10.0, "p": 0.5}}
ALIASES = {"mu": "mean", "\u03bc": "mean", "sigma": "sd", "\u03c3": "sd", "lambda": "rate",
           "\u03bb": "rate", "min": "a", "max": "b"}


def problem(family: str, params: dict[str, float]) -> str | None:
    """What makes ``params`` no ``family`` distribution, or None when they are one."""
    names = PARAMETERS[family]
    unknown = [k for k in params if k not in names]
    if unknown or set(params) != set(names):
        return (f"the {family} distribution takes {' and '.join(names)}"
                + (f", not {', '.join(unknown)}" if unknown else ""))
    if family == "normal" and params["sd"] <= 0:
        return f"the standard deviation must be above 0, got sd={params['sd']:g}"
    if family == "uniform" and params["a"] >= params["b"]:
        return f"a uniform distribution needs a < b, got a={params['a']:g}, b={params['b']:g}"
    if family == "exponential" and params["rate"] <= 0:
        return f"the rate must be above 0, got rate={params['rate']:g}"
    if family == "binomial":
        n, p = params["n"], params["p"]
        if n != int(n) or not 1 <= n <= MAX_N:
            return f"n must be a whole number from 1 to {MAX_N}, got n={n:g}"
        if not 0 <= p <= 1:
            return f"p is a probability, from 0 to 1, got p={p:g}"
    return None


class Shade(_Model):
    """The probability of a range, shaded under the curve, with its value (or a label)."""

    low: float | None = Field(description="the left end; null: the whole left tail")
    high: float | None = Field(description="the right end; null: the whole right tail")
    low_open: bool = Field(False, description="binomial: true leaves out the bar at low")
    high_open: bool = Field(False, description="binomial: true leaves out the bar at high")
    label: OneLine | None = Field(None, description="shown in the shaded area; null: the "
                                  "probability, computed")


class ShadeStep(Shade):
    """A range is shaded from left to right, its probability counting up."""

    op: Literal["shade"] = "shade"


class MeanStep(_Model):
    """A line marks the mean."""

    op: Literal["mean"] = "mean"


class SdStep(_Model):
    """Lines one standard deviation either side of the mean, an arrow the length of one."""

    op: Literal["sd"] = "sd"


class SetStep(_Model):
    """Parameters change; the curve, marks and probabilities morph to follow."""

    op: Literal["set"] = "set"
    params: dict[str, float] = Field(description="parameter -> its new value")


Step = Annotated[Union[ShadeStep, MeanStep, SdStep, SetStep], Field(discriminator="op")]
Marker = Literal["mean", "sd"]


class Model(_Model):
    """A probability distribution: its density curve (bars for the binomial) on axes, its
    parameters written by it, and steps that shade probabilities (computed and shown), mark
    the mean and standard deviation, and change parameters (the curve morphs)."""

    kind: Literal["distribution"] = "distribution"
    family: Literal["normal", "uniform", "exponential", "binomial"] = Field(
        description="which distribution")
    params: dict[str, float] = Field(description="normal: mean, sd; uniform: a, b; "
                                     "exponential: rate; binomial: n, p")
    x_min: float | None = Field(None, description="the axis' left end; null: chosen to fit")
    x_max: float | None = Field(None, description="the axis' right end; null: chosen to fit")
    x_label: OneLine | None = Field(None, description="what the axis measures")
    shades: list[Shade] = Field(default_factory=list, description="shown with the curve")
    markers: list[Marker] = Field(default_factory=list, description="mean and/or sd marks "
                                  "shown with the curve")
    steps: list[Step] = Field(default_factory=list, description="what happens next, in order")

    @model_validator(mode="after")
    def _valid(self) -> "Model":
        """The parameters make a distribution at every step, the axis runs upwards, shades run
        upwards inside it, and each mark is added once."""
        trouble = problem(self.family, self.params)
        if trouble:
            raise ValueError(f"params: {trouble}")
        lo = self.x_min if self.x_min is not None else -math.inf
        hi = self.x_max if self.x_max is not None else math.inf
        if lo >= hi:
            raise ValueError(f"x: the axis runs from {lo:g} to {hi:g}; the first number must "
                             "be the smaller")
        shades = [(f"shades[{i}]", s) for i, s in enumerate(self.shades)] + \
            [(f"steps[{k}]", s) for k, s in enumerate(self.steps) if isinstance(s, Shade)]
        if len(shades) > MAX_SHADES:
            raise ValueError(f"{shades[MAX_SHADES][0]}: more than {MAX_SHADES} shaded ranges")
        for where, shade in shades:
            if shade.low is not None and shade.high is not None and shade.low >= shade.high:
                raise ValueError(f"{where}: the range {shade.low:g} to {shade.high:g} runs "
                                 "backwards (write the smaller end first)")
            for end in (shade.low, shade.high):
                if end is not None and not lo <= end <= hi:
                    raise ValueError(f"{where}: {end:g} is off the axis ({lo:g} to {hi:g})")
        marked = list(self.markers)
        if len(set(marked)) < len(marked):
            raise ValueError(f"markers: '{marked[-1]}' is marked twice")
        params = dict(self.params)
        for k, step in enumerate(self.steps):
            if isinstance(step, (MeanStep, SdStep)):
                if step.op in marked:
                    raise ValueError(f"steps[{k}]: the {step.op} is marked already")
                marked.append(step.op)
            elif isinstance(step, SetStep):
                unknown = [n for n in step.params if n not in PARAMETERS[self.family]]
                if unknown or not step.params:
                    raise ValueError(f"steps[{k}]: the {self.family} distribution's parameters"
                                     f" are {', '.join(PARAMETERS[self.family])}"
                                     + (f", not {', '.join(unknown)}" if unknown else ""))
                params.update(step.params)
                trouble = problem(self.family, params)
                if trouble:
                    raise ValueError(f"steps[{k}]: {trouble}")
        return self


def parse(body: list[str], start: int, fail: Fail) -> Model:
    """The figure of a distribution block whose lines are ``body`` (the fence is on
    ``start``)."""
    block = Block.split(FENCE, body, start, fail)
    block.kind = README
    data: dict = {"shades": [], "markers": [], "steps": []}
    where: dict[str, int | list[int]] = {"shades": [], "markers": []}
    families = ", ".join(PARAMETERS)
    for line in block.header:
        key, rest = block.keyed(line.text, line.number)
        if not key and line.text.strip().lower() in PARAMETERS:  # 'normal': the defaults
            key, rest = line.text.strip().lower(), ""
        if key in PARAMETERS:
            if "family" in data:
                raise block.error("a second distribution", line.number,
                                  "one distribution per block")
            data["family"] = key
            data["params"] = {**DEFAULTS[key], **_params(block, key, rest, line.number, True)}
            where["params"] = line.number
        elif key == "x":
            words = block.words(rest.replace(",", " "), line.number)
            numbers = [block.number(w, line.number) for w in words[:2] if _numeric(w)]
            if len(numbers) not in (0, 2):
                raise block.error(f"'x: {rest}' is not 'x: min, max [\"label\"]'",
                                  line.number, "write e.g. 'x: -4, 4 \"height\"'")
            if numbers:
                data.update(x_min=numbers[0], x_max=numbers[1])
            data["x_label"] = charts.label(block, words[len(numbers):], line.number)
            where["x"] = line.number
        elif key:
            raise block.error(f"unknown distribution '{key}'", line.number,
                              f"distributions: {families}; the axis: 'x: min, max'")
        else:
            element = _element(block, line)
            if element is None:
                raise block.error(f"'{line.text}' is not a distribution line", line.number,
                                  f"start with the distribution ({families}), e.g. 'normal: "
                                  "mean=0, sd=1', then 'shade a to b', 'mean' or 'sd' lines, "
                                  "then the '- ' steps")
            if element["op"] == "shade":
                data["shades"].append({k: v for k, v in element.items() if k != "op"})
                where["shades"].append(line.number)  # type: ignore[union-attr]
            else:
                data["markers"].append(element["op"])
                where["markers"] = line.number
    if "family" not in data:
        raise block.error("a distribution block needs the distribution first", start,
                          f"start with one of {families}, e.g. 'normal: mean=0, sd=1'")
    for line in block.steps:
        step = _element(block, line)
        if step is None:
            op, _, rest = line.text.partition(" ")
            if op.lower() != "set":
                raise block.error(f"unknown distribution step '{op}'", line.number,
                                  "steps: shade, mean, sd, set")
            step = {"op": "set", "params": _params(block, data["family"], rest, line.number,
                                                   False)}
            if not step["params"]:
                raise block.error("'set' needs parameters", line.number,
                                  f"write e.g. '- set {PARAMETERS[data['family']][-1]}=2'")
        data["steps"].append(step)
    return charts.validated(block, Model, data, where)


def _numeric(word: str) -> bool:
    try:
        float(word.replace("\u2212", "-"))
    except ValueError:
        return False
    return True


def _params(block: Block, family: str, text: str, line: int,
            positional: bool) -> dict[str, float]:
    """``name=value, ...`` (plain numbers in the family's order when ``positional``)."""
    names = PARAMETERS[family]
    found: dict[str, float] = {}
    for index, part in enumerate(p.strip() for p in text.split(",") if p.strip()):
        name, sep, value = part.partition("=")
        if not sep:
            if not positional or index >= len(names):
                raise block.error(f"'{part}' is not name=value", line,
                                  f"the {family} distribution's parameters: "
                                  f"{', '.join(f'{n}=' for n in names)}")
            name, value = names[index], part
        name = ALIASES.get(name.strip().lower(), name.strip().lower())
        if name not in names:
            raise block.error(f"'{name}' is not a parameter of the {family} distribution",
                              line, f"its parameters: {', '.join(names)}")
        found[name] = block.number(value, line)
    return found


def _element(block: Block, line: Line) -> dict | None:
    """A ``shade``, ``mean`` or ``sd`` line as data (with its op), None for another line."""
    op, _, rest = line.text.partition(" ")
    op = op.lower()
    if op == "shade":
        return {"op": "shade", **charts.interval(block, rest, line.number)}
    if op in ("mean", "sd"):
        if rest.strip():
            raise block.error(f"'{op}' takes nothing after it", line.number, f"write '{op}'")
        return {"op": op}
    return None


def emit(v: Model, b) -> None:
    from flaming_horse.authoring.figures import emit_steps, kit_data

    emit_steps(v, b, build=f"kit.figure({kit_data(v)})", share=0.7, max_run=2.2)


_TERMS = {"mean": "mean", "average": "mean", "\u03bc": "mean", "mu": "mean",
          "sd": "sd", "standard deviation": "sd", "\u03c3": "sd", "sigma": "sd",
          "spread": "sd"}


def flash(v: Model, var: str, term: str) -> str | None:
    """**mean** / **standard deviation** flash their marks, a shade's label its shade, the
    distribution's name (or 'curve') the curve."""
    word = term.strip().lower()
    marks = [*v.markers, *(s.op for s in v.steps if isinstance(s, (MeanStep, SdStep)))]
    if _TERMS.get(word) in marks:
        return f"{var}.part({_TERMS[word]!r})"
    shades = [*v.shades, *(s for s in v.steps if isinstance(s, Shade))]
    for index, shade in enumerate(shades):
        if shade.label and shade.label.lower() == word:
            return f"{var}.part('shade {index + 1}')"
    if word in (v.family, "curve", "distribution", "bell curve", "density"):
        return f"{var}.part('curve')"
    return None
