"""The ```` ```axes ```` block: functions on one pair of labelled axes, and what a calculus
lesson does on them, moving while it is said.

    ```axes
    x: -1, 4
    y: -1, 9
    f: x**2          "f(x) = x^2"
    g: 2*x + 1
    - point P on f at 1
    - tangent at P
    - move P to 3
    - secant P h=2
    - shrink h to 0.05
    - area f from 0 to 2
    - riemann f from 0 to 2 n=4
    - refine n=16
    ```

Header lines: ``x: min, max`` and ``y: min, max`` (an optional "quoted" axis label), then one
line per function ``name: expression "label"`` (a Python expression in x, as in a plot block).
Steps (``- `` lines, step 1 being the axes and their functions): ``point P on f at 1``,
``tangent at P``, ``move P to 3`` (the point travels, its tangent and secant follow), ``secant P
h=2``, ``shrink h to 0.05`` (the secant turns into the tangent), ``area f from 0 to 2`` or
``area between f and g from 0 to 2``, ``riemann f from 0 to 2 n=4 [left|right|mid]``, ``refine
n=16`` and ``draw g`` (a function drawn at that step instead of with the axes).

Every rule lives in the model's validator (an LLM fills the same model as JSON); the parser
reads the syntax and lets ``Block.validated`` report a broken rule on its script line.
"""

from __future__ import annotations

import ast
import math
import re
from functools import cache
from typing import TYPE_CHECKING, Literal, get_args

from pydantic import Field, field_validator, model_validator

from flaming_horse.authoring.figures.block import NAME, Block, Fail
from flaming_horse.authoring.model_base import Model as _Model
from flaming_horse.authoring.model_base import OneLine
from flaming_horse.authoring.plot_check import check_plot_function

if TYPE_CHECKING:
    import numpy as np

FENCE = "axes"
MAX_FUNCTIONS = 4  # more curves than this on one pair of axes cannot be told apart
MAX_POINTS = 3
MAX_AREAS = 2
MAX_RECTANGLES = 64  # thinner rectangles than this are a blur at 480p
MAX_READOUTS = 4  # value lines (slopes, areas, sums) the figure shows at once
PATH_SAMPLES = 64  # samples checked along a move, a shrink, an area or a Riemann sum



@cache
def _numeric() -> dict[str, object]:
    """The same maths as the kit's plot.make_function, which draws the curves. numpy is imported
    here, when a curve is first checked, and not by every command that reads a plan."""
    import numpy as np

    return {
        "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log,
        "sqrt": np.sqrt, "abs": np.abs, "arctan": np.arctan, "sinh": np.sinh, "cosh": np.cosh,
        "tanh": np.tanh, "pi": np.pi, "e": np.e,
    }


# -- functions ---------------------------------------------------------------------------------

def function_problem(expression: str) -> str | None:
    """Why ``expression`` is not a function of x to draw (None when it is one)."""
    class _Refused(Exception):
        pass

    try:
        check_plot_function(expression, lambda message: _Refused(message))
    except _Refused as refused:
        return str(refused).replace("plot function", "function")
    tree = ast.parse(expression, mode="eval")
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitXor):
            return f"'{expression}' uses ^; write powers with ** (x**2)"
        if isinstance(node, ast.Call) and (len(node.args) != 1 or node.keywords):
            return f"'{expression}': maths functions take one argument, e.g. sin(x)"
        if not isinstance(node, (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Call, ast.Name,
                                 ast.Constant, ast.Load, ast.operator, ast.unaryop)):
            return f"'{expression}' uses {type(node).__name__}, which is not allowed"
    return None


def evaluate(expression: str, xs: np.ndarray | float) -> np.ndarray:
    """``expression`` at ``xs`` (nan where it is undefined); checked by function_problem."""
    import numpy as np

    code = compile(ast.parse(expression, mode="eval"), "<axes>", "eval")
    x = np.asarray(xs, dtype=float)
    with np.errstate(all="ignore"):
        y = eval(code, {"__builtins__": {}, **_numeric(), "x": x})  # noqa: S307 - checked AST
    return np.broadcast_to(np.asarray(y, dtype=float), x.shape).astype(float)


def _number(value: float) -> str:
    return f"{value:g}"


# -- the model ---------------------------------------------------------------------------------

class AxesFunction(_Model):
    """One function drawn on the axes."""

    name: str = Field(pattern=NAME.pattern, description="short name steps use, e.g. f")
    expression: OneLine = Field(description="Python expression in x: numbers, + - * / **, pi, e, "
                                "sin cos tan exp log sqrt abs arctan sinh cosh tanh")
    label: OneLine | None = Field(None, description="text shown by the curve, e.g. f(x) = x^2 "
                                  "(^2 is shown as a superscript); default: the name")

    @field_validator("expression")
    @classmethod
    def _a_function_of_x(cls, expression: str) -> str:
        problem = function_problem(expression)
        if problem:
            raise ValueError(problem)
        return expression


Op = Literal["point", "tangent", "move", "secant", "shrink", "area", "riemann", "refine", "draw"]


class AxesStep(_Model):
    """One step. point: a dot P on function f at x. tangent: the tangent at point P (it
    follows P). move: P travels along its curve to x. secant: the line through P and the curve
    at x + h. shrink: h goes to a new value (towards 0 the secant becomes the tangent). area:
    shaded from start to end under function (or between function and other). riemann: n
    rectangles under function from start to end. refine: the rectangles become n. draw: function
    is drawn now (a function no draw step names is drawn with the axes)."""

    op: Op
    point: str | None = Field(None, description="point name (point, tangent, move, secant, "
                              "shrink)")
    function: str | None = Field(None, description="function name (point, area, riemann, draw)")
    other: str | None = Field(None, description="area only: the second function, for the area "
                              "between the two")
    x: float | None = Field(None, description="point: where it is placed; move: where it goes")
    h: float | None = Field(None, description="secant: the width h (not 0); shrink: the new h")
    start: float | None = Field(None, description="area, riemann: left end")
    end: float | None = Field(None, description="area, riemann: right end")
    n: int | None = Field(None, description=f"riemann, refine: rectangles, 1 to {MAX_RECTANGLES}")
    rule: Literal["left", "right", "mid"] | None = Field(
        None, description="riemann: where each rectangle meets the curve (default left)")


_NEEDS = {"point": ("point", "function", "x"), "tangent": ("point",), "move": ("point", "x"),
          "secant": ("point", "h"), "shrink": ("point", "h"),
          "area": ("function", "start", "end"), "riemann": ("function", "start", "end", "n"),
          "refine": ("n",), "draw": ("function",)}
OPS = get_args(Op)


class Model(_Model):
    """Functions on one pair of labelled axes, and steps that move on them: a point travelling
    along a curve with its tangent, a secant shrinking to the tangent, a shaded area, Riemann
    rectangles that refine (derivatives, integrals, comparing functions)."""

    kind: Literal["axes"] = "axes"
    x_range: tuple[float, float] = Field(description="x from, to (from < to)")
    y_range: tuple[float, float] = Field(description="y from, to (from < to)")
    x_label: OneLine = Field("x", description="label of the x axis")
    y_label: OneLine = Field("y", description="label of the y axis")
    functions: list[AxesFunction] = Field(min_length=1, max_length=MAX_FUNCTIONS)
    steps: list[AxesStep] = Field(default_factory=list)

    @field_validator("x_range", "y_range")
    @classmethod
    def _increasing(cls, value: tuple[float, float]) -> tuple[float, float]:
        low, high = value
        if not (math.isfinite(low) and math.isfinite(high)):
            raise ValueError("a range needs finite numbers")
        if not low < high:
            raise ValueError(f"a range needs min < max, got {_number(low)}, {_number(high)}")
        return value

    @model_validator(mode="after")
    def _steps_make_sense(self) -> "Model":
        names = [f.name for f in self.functions]
        if len(set(names)) != len(names):
            twice = next(n for n in names if names.count(n) > 1)
            raise ValueError(f"two functions are named '{twice}'")
        _Walk(self).run()
        return self


class _Walk:
    """Steps in order, with what each leaves on the axes, checked against the rules."""

    def __init__(self, model: Model) -> None:
        self.m = model
        self.functions = {f.name: f.expression for f in model.functions}
        self.drawn = {f.name for f in model.functions} - {
            s.function for s in model.steps if s.op == "draw"}
        self.points: dict[str, tuple[str, float]] = {}  # name -> (function, x)
        self.tangents: set[str] = set()
        self.secants: dict[str, float] = {}  # point -> h
        self.areas = 0
        self.riemann = False
        self.i = 0

    def fail(self, message: str) -> ValueError:
        return ValueError(f"steps[{self.i}]: {message}")

    def readouts(self) -> int:
        return len(self.tangents) + len(self.secants) + self.areas + int(self.riemann)

    def function(self, name: str | None, what: str = "function") -> str:
        if name not in self.functions:
            raise self.fail(f"unknown {what} '{name}' (functions: {', '.join(self.functions)})")
        if name not in self.drawn:
            raise self.fail(f"function '{name}' is not drawn yet: its '- draw {name}' step "
                            "comes later")
        return name

    def point(self, name: str | None) -> tuple[str, float]:
        if name not in self.points:
            placed = ", ".join(self.points) or "none yet"
            raise self.fail(f"no point '{name}' has been placed (points: {placed}); place it "
                            f"first with '- point {name} on f at 1'")
        return self.points[name]

    def inside_x(self, x: float, what: str) -> None:
        low, high = self.m.x_range
        if not low <= x <= high:
            raise self.fail(f"{what} x = {_number(x)} is outside the x range {_number(low)} to "
                            f"{_number(high)}")

    def on_curve(self, name: str, xs: np.ndarray | list[float], what: str) -> None:
        """The curve ``name`` is defined, and inside the y range, at every x of ``xs``."""
        import numpy as np

        ys = evaluate(self.functions[name], xs)
        low, high = self.m.y_range
        for x, y in zip(np.atleast_1d(xs), np.atleast_1d(ys)):
            if not math.isfinite(y):
                raise self.fail(f"{name}({_number(round(float(x), 4))}) is undefined, so {what} "
                                "cannot be drawn there")
            if not low - 1e-9 <= y <= high + 1e-9:
                raise self.fail(f"{what} leaves the y range: {name}({_number(round(float(x), 4))})"
                                f" = {_number(round(float(y), 4))}, outside {_number(low)} to "
                                f"{_number(high)} (widen 'y:')")

    def slope_defined(self, name: str, x: float, what: str) -> None:
        import numpy as np

        span = self.m.x_range[1] - self.m.x_range[0]
        d = span * 1e-5
        ys = evaluate(self.functions[name], np.array([x - d, x, x + d]))
        if not np.all(np.isfinite(ys)):
            raise self.fail(f"{name} has no slope at x = {_number(x)}, so {what} cannot be drawn")

    def path(self, a: float, b: float) -> np.ndarray:
        import numpy as np

        return np.linspace(a, b, PATH_SAMPLES)

    def run(self) -> None:
        for self.i, step in enumerate(self.m.steps):
            missing = [f for f in _NEEDS[step.op] if getattr(step, f) is None]
            if missing:
                raise self.fail(f"'{step.op}' needs {', '.join(missing)}")
            getattr(self, f"_{step.op}")(step)
            if self.readouts() > MAX_READOUTS:
                raise self.fail(f"more than {MAX_READOUTS} values (slopes, areas, sums) on one "
                                "figure; split it into two blocks")

    def _point(self, s: AxesStep) -> None:
        if s.point in self.points:
            raise self.fail(f"point '{s.point}' is already placed; '- move {s.point} to ...' "
                            "moves it")
        if not NAME.fullmatch(s.point or ""):
            raise self.fail(f"'{s.point}' is not a valid point name")
        if s.point in self.functions:
            raise self.fail(f"'{s.point}' already names a function; name the point otherwise")
        if len(self.points) == MAX_POINTS:
            raise self.fail(f"at most {MAX_POINTS} points on one figure")
        name = self.function(s.function)
        self.inside_x(s.x, f"point {s.point}'s")
        self.on_curve(name, [s.x], f"point {s.point}")
        self.points[s.point] = (name, s.x)

    def _tangent(self, s: AxesStep) -> None:
        name, x = self.point(s.point)
        if s.point in self.tangents:
            raise self.fail(f"the tangent at {s.point} is already drawn")
        self.slope_defined(name, x, f"the tangent at {s.point}")
        self.tangents.add(s.point)

    def _move(self, s: AxesStep) -> None:
        name, x = self.point(s.point)
        self.inside_x(s.x, f"{s.point}'s new")
        xs = self.path(x, s.x)
        self.on_curve(name, xs, f"{s.point} on its way")
        if s.point in self.tangents:
            for t in xs:
                self.slope_defined(name, float(t), f"the tangent at {s.point}")
        if s.point in self.secants:
            h = self.secants[s.point]
            self.inside_x(s.x + h, "the secant's second point (x + h), at")
            self.on_curve(name, xs + h, "the secant's second point")
        self.points[s.point] = (name, s.x)

    def _secant(self, s: AxesStep) -> None:
        name, x = self.point(s.point)
        if s.point in self.secants:
            raise self.fail(f"the secant at {s.point} is already drawn; '- shrink h to ...' "
                            "changes h")
        if s.h == 0 or not math.isfinite(s.h):
            raise self.fail("a secant needs h other than 0, e.g. h=1")
        self.inside_x(x + s.h, "the secant's second point (x + h) at")
        # it slides out from P to x + h as the secant appears
        self.on_curve(name, x + self.path(0.02 * s.h, s.h),
                      "the secant's second point")
        self.secants[s.point] = s.h

    def _shrink(self, s: AxesStep) -> None:
        name, x = self.point(s.point)
        if s.point not in self.secants:
            raise self.fail(f"there is no secant at {s.point} to shrink; draw it first with "
                            f"'- secant {s.point} h=1'")
        h = self.secants[s.point]
        if s.h == 0 or (s.h > 0) != (h > 0):
            raise self.fail(f"h goes from {_number(h)} towards 0 keeping its sign: write e.g. "
                            f"'shrink h to {_number(math.copysign(0.05, h))}'")
        self.inside_x(x + s.h, "the secant's second point (x + h) at")
        self.on_curve(name, x + self.path(h, s.h), "the secant's second point")
        self.secants[s.point] = s.h

    def _interval(self, s: AxesStep, what: str) -> None:
        if not s.start < s.end:
            raise self.fail(f"{what} needs from < to, got from {_number(s.start)} to "
                            f"{_number(s.end)}")
        self.inside_x(s.start, f"{what} starts at")
        self.inside_x(s.end, f"{what} ends at")

    def _area(self, s: AxesStep) -> None:
        if self.areas == MAX_AREAS:
            raise self.fail(f"at most {MAX_AREAS} areas on one figure")
        self._interval(s, "the area")
        names = [self.function(s.function)]
        if s.other is not None:
            names.append(self.function(s.other, "second function"))
            if s.other == s.function:
                raise self.fail("an area between a function and itself is empty; name two "
                                "functions")
        for name in names:
            self.on_curve(name, self.path(s.start, s.end), "the area")
        self.areas += 1

    def _count(self, n: int) -> None:
        if not 1 <= n <= MAX_RECTANGLES:
            raise self.fail(f"n = {n} rectangles: use 1 to {MAX_RECTANGLES}")

    def _riemann(self, s: AxesStep) -> None:
        if self.riemann:
            raise self.fail("a Riemann sum is already shown; '- refine n=...' changes it")
        name = self.function(s.function)
        self._interval(s, "the Riemann sum")
        self._count(s.n)
        self.on_curve(name, self.path(s.start, s.end), "the Riemann sum")
        self.riemann = True

    def _refine(self, s: AxesStep) -> None:
        if not self.riemann:
            raise self.fail("there are no rectangles to refine; start with '- riemann f from 0 "
                            "to 2 n=4'")
        self._count(s.n)

    def _draw(self, s: AxesStep) -> None:
        if s.function not in self.functions:
            raise self.fail(f"unknown function '{s.function}' (functions: "
                            f"{', '.join(self.functions)})")
        if s.function in self.drawn:
            raise self.fail(f"function '{s.function}' is already drawn")
        self.drawn.add(s.function)


AxesFigure = Model


# -- the script syntax -------------------------------------------------------------------------

_N = r"(\S+)"
_STEPS = {
    "point": (re.compile(rf"point\s+{_N}(?:\s+on\s+{_N})?\s+(?:at\s+|x\s*=\s*){_N}", re.I),
              "- point P on f at 1"),
    "tangent": (re.compile(rf"tangent(?:\s+(?:at|to))?\s+{_N}", re.I), "- tangent at P"),
    "move": (re.compile(rf"move\s+{_N}\s+(?:to\s+|x\s*=\s*){_N}", re.I), "- move P to 3"),
    "secant": (re.compile(rf"secant(?:\s+(?:at|through))?\s+{_N}\s+h\s*=\s*{_N}", re.I),
               "- secant P h=2"),
    "shrink": (re.compile(rf"shrink(?:\s+(?!h\b|h=)([^\s=]+))?\s+h(?:\s*=\s*|\s+to\s+){_N}",
                          re.I), "- shrink h to 0.05"),
    "area": (re.compile(rf"area\s+(?:under\s+)?(?:between\s+{_N}\s+and\s+{_N}|{_N})\s+from\s+"
                        rf"{_N}\s+to\s+{_N}", re.I), "- area f from 0 to 2"),
    "riemann": (re.compile(rf"riemann\s+{_N}\s+from\s+{_N}\s+to\s+{_N}\s+n\s*=\s*{_N}"
                           rf"(?:\s+(left|right|mid))?", re.I), "- riemann f from 0 to 2 n=4"),
    "refine": (re.compile(rf"refine\s+(?:n\s*=\s*|to\s+)?{_N}", re.I), "- refine n=16"),
    "draw": (re.compile(rf"draw\s+{_N}", re.I), "- draw g"),
}
_LABEL = re.compile(r'^(.*?)\s*(?:"([^"]*)")?\s*$')


def parse(body: list[str], start: int, fail: Fail) -> AxesFigure:
    """The figure of an axes block whose lines are ``body`` (the block opens on ``start``)."""
    block = Block.split(FENCE, body, start, fail)
    data: dict = {"kind": FENCE, "functions": [], "steps": []}
    lines: dict[str, int] = {}
    for line in block.header:
        key, sep, rest = line.text.partition(":")
        key = key.strip()
        if not sep or not key:
            raise block.error(f"axes lines are 'x: min, max', 'y: min, max' or 'name: "
                              f"expression', got '{line.text}'", line.number,
                              'write e.g. \'f: x**2 "f(x) = x^2"\'')
        value, label = _LABEL.match(rest.strip()).groups()
        if key.lower() in ("x", "y"):
            axis = key.lower()
            low, high = block.numbers(value, line.number, 2, f"numbers for the {axis} range")
            if not low < high:
                raise block.error(f"the {axis} range needs min < max, got '{value}'",
                                  line.number, f"write e.g. '{axis}: -1, 4'")
            data[f"{axis}_range"], lines[f"{axis}_range"] = (low, high), line.number
            if label is not None:
                data[f"{axis}_label"] = label
            continue
        name = block.name(key, line.number, "function name")
        if any(f["name"] == name for f in data["functions"]):
            raise block.error(f"a second function named '{name}'", line.number,
                              "give each function its own name")
        if not value:
            raise block.error(f"function '{name}' has no expression", line.number,
                              f"write e.g. '{name}: x**2'")
        problem = function_problem(value)
        if problem:
            raise block.error(problem, line.number,
                              "a function is a Python expression in x, e.g. x**2 - 1 or "
                              "sin(x) / x")
        if len(data["functions"]) == MAX_FUNCTIONS:
            raise block.error(f"more than {MAX_FUNCTIONS} functions on one pair of axes",
                              line.number, "split them into two blocks")
        data["functions"].append({"name": name, "expression": value, "label": label})
        lines.setdefault("functions", line.number)
    for axis in ("x", "y"):
        if f"{axis}_range" not in data:
            raise block.error(f"an axes block needs an '{axis}: min, max' line", start,
                              f"write e.g. '{axis}: -1, 4' first")
    if not data["functions"]:
        raise block.error("an axes block needs a function line", start,
                          "write e.g. 'f: x**2' (a Python expression in x)")
    first = data["functions"][0]["name"]
    secants: list[str] = []
    for line in block.steps:
        step = _step(block, line, first, secants)
        if step["op"] == "secant":
            secants.append(step["point"])
        data["steps"].append(step)
    return block.validated(Model, data, lines=lines)


def _step(block: Block, line, first: str, secants: list[str]) -> dict:
    op = line.text.split(maxsplit=1)[0].lower() if line.text else ""
    if op not in _STEPS:
        raise block.error(f"unknown axes step '{op}'", line.number, f"steps: {', '.join(OPS)}")
    pattern, example = _STEPS[op]
    match = pattern.fullmatch(line.text.strip())
    if not match:
        raise block.error(f"cannot read '{line.text}'", line.number, f"write it as '{example}'")
    g = match.groups()
    num = lambda text, what="a number": block.number(text, line.number, what)  # noqa: E731
    if op == "point":
        return {"op": op, "point": g[0], "function": g[1] or first, "x": num(g[2])}
    if op == "tangent":
        return {"op": op, "point": g[0]}
    if op == "move":
        return {"op": op, "point": g[0], "x": num(g[1])}
    if op == "secant":
        return {"op": op, "point": g[0], "h": num(g[1], "a width h")}
    if op == "shrink":
        point = g[0]
        if point is None:
            if len(set(secants)) != 1:
                raise block.error("which secant? name its point", line.number,
                                  "write e.g. '- shrink P h to 0.05'" if secants else
                                  "draw a secant first: '- secant P h=1'")
            point = secants[0]
        return {"op": op, "point": point, "h": num(g[1], "a width h")}
    if op == "area":
        return {"op": op, "function": g[0] or g[2], "other": g[1], "start": num(g[3]),
                "end": num(g[4])}
    if op == "riemann":
        n = num(g[3], "a number of rectangles")
        if n != int(n):
            raise block.error(f"n = {g[3]} is not a whole number", line.number, "write e.g. n=8")
        return {"op": op, "function": g[0], "start": num(g[1]), "end": num(g[2]), "n": int(n),
                "rule": g[4].lower() if g[4] else None}
    if op == "refine":
        n = num(g[0], "a number of rectangles")
        if n != int(n):
            raise block.error(f"n = {g[0]} is not a whole number", line.number, "write e.g. n=16")
        return {"op": op, "n": int(n)}
    return {"op": op, "function": g[0]}


# -- the scene ---------------------------------------------------------------------------------

def emit(v: AxesFigure, b) -> None:
    import pprint

    from flaming_horse.authoring.figures import emit_steps  # the package imports this module

    data = pprint.pformat(v.model_dump(mode="json", exclude_none=True), width=88,
                          sort_dicts=False)  # a step's unused fields left out
    # a point travelling along a curve or a secant shrinking fills most of its sentence
    emit_steps(v, b, build=f"kit.figure({data})", share=0.9, max_run=6.0)


_PARTS = {"tangent": "tangent", "tangents": "tangent", "secant": "secant", "secants": "secant",
          "area": "area", "rectangles": "riemann", "riemann": "riemann"}


def flash(v: AxesFigure, var: str, term: str) -> str | None:
    """A function's name flashes its curve, a point's name its dot; 'tangent', 'secant',
    'area' and 'rectangles' the first of those."""
    names = [f.name for f in v.functions] + [s.point for s in v.steps if s.op == "point"]
    name = next((n for n in names if n == term), None) or next(
        (n for n in names if n.lower() == term.lower()), None)
    if name is not None:
        return f"{var}.part({name!r})"
    part = _PARTS.get(term.lower())
    ops = {s.op for s in v.steps}
    if part and part in ops:
        return f"{var}.part({part!r})"
    return None
