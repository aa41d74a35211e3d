"""The ```` ```geometry ```` block: a construction of named points, segments, polygons, circles,
marks and labels, built step by step, where moving a point moves everything attached to it.

    ```geometry
    points: A=(0,0), B=(4,0), C=(4,3)
    polygon A B C
    right-angle B
    label AB "a"
    - square on BC grid
    - square on AB grid
    - count square on AB
    - highlight AC
    - move C to (4,4)
    - angle A degrees
    ```

Header lines: ``points: A=(x, y), ...`` and the elements drawn from the start. Each ``- `` line
is one step (step 1 being the header's figure): an element drawn (``- square on BC``, or
``- draw square on BC``), ``point D=(x, y)`` (a new point), ``move C to (x, y)``, ``highlight
AC, square on AC`` or ``count square on AB`` (its unit cells lit one by one, then their count).

Points are named as written; ``AB`` is the side from A to B (names are split into the points
they are made of, ``A B`` works too). Elements: ``segment A B``, ``polygon A B C ...``
(``triangle``), ``circle O 2`` or ``circle O A`` (through A), ``arc O A B`` (centre O, from A
counterclockwise to the ray OB), ``angle A ["θ" | degrees]`` (at a polygon's vertex A, or
``angle B A C``), ``right-angle B`` (or ``right-angle A B C``), ``ticks AB CD`` (equal sides:
each ``ticks`` line one more mark), ``label AB "a"`` (a side) or ``label A "A(0, 0)"`` (a
point's text), ``square on AB [grid] ["a²"]`` and ``shade A B C``.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Iterable, Literal, Optional

from pydantic import Field, ValidationError, model_validator

from flaming_horse import figure_rules as rules
from flaming_horse.authoring.figures.block import NAME, Block, Fail, Line
from flaming_horse.authoring.model_base import Model as _Model
from flaming_horse.authoring.model_base import OneLine

FENCE = "geometry"
HINT = "see README, 'Figures: geometry'"
MAX_POINTS = 26
MAX_ELEMENTS = 60
MAX_GRID = 12  # a counted square has at most 12 x 12 cells
MAX_TICKS = 3
RIGHT_TOLERANCE = 0.5  # degrees: a right-angle mark on anything further from 90 is refused
SHAPES = ("segment", "polygon", "circle", "arc", "angle", "right_angle", "ticks", "label",
          "square", "shade")
OPS = ("draw", "point", "move", "highlight", "count")

Number = Annotated[float, Field(allow_inf_nan=False)]
Pair = tuple[Number, Number]
PointName = Annotated[str, Field(pattern=rf"^{NAME.pattern}$",
                                 description="a point's name (letters, digits, _ and ')")]
Text = Annotated[OneLine, Field(min_length=1, max_length=24)]


class Element(_Model):
    """One thing drawn on the points: a ``segment``, ``polygon``, ``circle``, ``arc``, ``angle``
    mark, ``right_angle`` mark, equal-length ``ticks``, a ``label``, a ``square`` built outward
    on a side, or a ``shade``d region."""

    shape: Literal["segment", "polygon", "circle", "arc", "angle", "right_angle", "ticks",
                   "label", "square", "shade"]
    points: list[PointName] = Field(
        default_factory=list,
        description="segment: its ends; polygon, shade: the corners in order; circle: the "
        "centre (and a point it passes through, when there is no radius); arc: centre, start, "
        "end (counterclockwise); angle, right_angle: arm, vertex, arm; label: one point or a "
        "side's two points; square: its side's two points; ticks: none (use sides)")
    radius: Optional[Number] = Field(None, description="circle: its radius (in coordinates)")
    text: Optional[Text] = Field(
        None, description="label: the text; angle: its value (e.g. 'θ' or '90°'); square: "
        "the text inside it (e.g. 'a²')")
    degrees: bool = Field(False, description="angle: show its measure in degrees (it follows "
                          "moves)")
    grid: bool = Field(False, description="square: draw its unit cells (for count)")
    sides: list[tuple[PointName, PointName]] = Field(
        default_factory=list, description="ticks: the sides marked equal")
    marks: int = Field(1, ge=1, le=MAX_TICKS, description="ticks: marks on each side (1-3); "
                       "another group of equal sides gets another count")

    @model_validator(mode="after")
    def _well_formed(self) -> "Element":
        """What each shape is made of, and no field a shape does not use."""
        shape, pts = self.shape, self.points
        count = {"segment": (2, 2), "polygon": (3, 12), "circle": (1, 2), "arc": (3, 3),
                 "angle": (3, 3), "right_angle": (3, 3), "ticks": (0, 0), "label": (1, 2),
                 "square": (2, 2), "shade": (3, 12)}[shape]
        if not count[0] <= len(pts) <= count[1]:
            wanted = f"{count[0]}" if count[0] == count[1] else f"{count[0]} to {count[1]}"
            raise ValueError(f"a {_word(shape)} takes {wanted} points, got {len(pts)}")
        if len(set(pts)) != len(pts) and shape != "arc":
            raise ValueError(f"a {_word(shape)} names a point twice ({' '.join(pts)})")
        if shape == "arc" and pts[0] in pts[1:]:
            raise ValueError("an arc's centre is also its start or end")
        if shape == "circle":
            if (self.radius is None) == (len(pts) == 1):
                raise ValueError("a circle takes a centre and a radius, or a centre and a "
                                 "point it passes through")
            if self.radius is not None and self.radius <= 0:
                raise ValueError(f"a circle's radius must be more than 0, got {_num(self.radius)}")
        elif self.radius is not None:
            raise ValueError(f"only a circle has a radius, not a {_word(shape)}")
        if self.text is not None and shape not in ("label", "angle", "square"):
            raise ValueError(f"a {_word(shape)} has no text (labels, angles and squares do)")
        if shape == "label" and self.text is None:
            raise ValueError('a label needs its text, e.g. label AB "a"')
        if self.degrees and (shape != "angle" or self.text is not None):
            raise ValueError("'degrees' is for an angle without a text")
        if self.grid and shape != "square":
            raise ValueError("only a square has a grid")
        if shape == "ticks":
            if not self.sides:
                raise ValueError("ticks need the sides they mark, e.g. ticks AB CD")
            if any(a == b for a, b in self.sides):
                raise ValueError("a side of ticks names one point twice")
        elif self.sides:
            raise ValueError(f"only ticks have sides, not a {_word(shape)}")
        if shape != "ticks" and self.marks != 1:
            raise ValueError("only ticks have marks")
        return self


class Step(_Model):
    """One step: ``draw`` an element; ``point`` adds a new point at ``at``; ``move`` a point to
    ``at`` (everything on it follows); ``highlight`` the parts named in ``targets`` (the last
    highlight fades); ``count`` the unit cells of the grid square on ``side``."""

    op: Literal["draw", "point", "move", "highlight", "count"]
    element: Optional[Element] = Field(None, description="draw: what is drawn")
    point: Optional[PointName] = Field(None, description="point, move: the point")
    at: Optional[Pair] = Field(None, description="point, move: its coordinates (x, y)")
    targets: list[Text] = Field(
        default_factory=list,
        description="highlight: parts by name: a point 'A', a side or segment 'AB', a polygon "
        "'ABC', 'square on AB', 'angle A' or 'angle BAC', 'right-angle B', 'circle O', "
        "'arc AB', 'shade ABC'")
    side: list[PointName] = Field(default_factory=list,
                                  description="count: the two points of the square's side")

    @model_validator(mode="after")
    def _has_what_it_needs(self) -> "Step":
        needs = {"draw": ("element",), "point": ("point", "at"), "move": ("point", "at"),
                 "highlight": ("targets",), "count": ("side",)}[self.op]
        for name in ("element", "point", "at", "targets", "side"):
            value = getattr(self, name)
            given = bool(value) if isinstance(value, list) else value is not None
            if given != (name in needs):
                raise ValueError(f"a '{self.op}' step {'needs' if name in needs else 'has no'} "
                                 f"'{name}'")
        if self.op == "count" and len(self.side) != 2:
            raise ValueError("count takes the two points of a square's side")
        return self


class Model(_Model):
    """A geometry construction: named points by coordinates; segments, polygons, circles, arcs,
    angle marks with values, right-angle marks, equal-length ticks, labels on sides and points,
    squares built on sides (with unit cells to count) and shaded regions; steps draw more,
    highlight parts, count a square's cells, or move a point (everything on it follows)."""

    kind: Literal["geometry"] = "geometry"
    points: dict[PointName, Pair] = Field(
        min_length=1, max_length=MAX_POINTS, description="the points by name: {'A': [0, 0]}; "
        "y is up")
    elements: list[Element] = Field(default_factory=list, max_length=MAX_ELEMENTS,
                                    description="what is drawn from the start (step 1)")
    steps: list[Step] = Field(default_factory=list)

    @model_validator(mode="after")
    def _drawable(self) -> "Model":
        """Every element names known points and can be drawn (no degenerate polygon, no
        zero-length side, a right angle is right, ticked sides are equal) at every step, and
        every step names what is drawn by then."""
        trace(self)
        return self


def _word(shape: str) -> str:
    return shape.replace("_", "-")


def _num(x: float) -> str:
    return str(int(round(x))) if abs(x - round(x)) < 1e-9 else f"{x:g}"


# -- names of the parts: the kit's (figure_rules.py), so a highlight the script
# names is the part the video lights ------------------------------------------------------------

def part_names(el: Element | dict) -> list[str]:
    """The names a highlight may call an element by; the first is its own."""
    return rules.part_names(el if isinstance(el, dict) else el.model_dump())


def sides_of(el: Element | dict) -> list[tuple[str, str]]:
    """The sides a segment or polygon draws (each a highlightable 'AB')."""
    return rules.sides_of(el if isinstance(el, dict) else el.model_dump())


def known_names(drawn: Iterable[Element], points: Iterable[str]) -> set[str]:
    """Every name a highlight may use, with what is drawn."""
    names = set(points)
    for el in drawn:
        names.update(part_names(el))
        for a, b in sides_of(el):
            names.update({a + b, b + a})
    return names


# -- the rules, walked step by step --------------------------------------------------------------

def _sub(a: Pair, b: Pair) -> tuple[float, float]:
    return a[0] - b[0], a[1] - b[1]


def _cross(u, v) -> float:
    return u[0] * v[1] - u[1] * v[0]


def _len(u) -> float:
    return math.hypot(u[0], u[1])


def _angle_at(a: Pair, v: Pair, b: Pair) -> float:
    u, w = _sub(a, v), _sub(b, v)
    return math.degrees(math.atan2(abs(_cross(u, w)), u[0] * w[0] + u[1] * w[1]))


def _check_shape(el: Element, pos: dict[str, Pair], size: float) -> None:
    """Raise ValueError when ``el`` cannot be drawn with the points at ``pos``."""
    tiny = 1e-6 * size
    p = [pos[n] for n in el.points]
    name = part_names(el)[0] if part_names(el) else _word(el.shape)
    if el.shape in ("polygon", "shade"):
        what = "polygon" if el.shape == "polygon" else "shaded region"
        for i in range(len(p)):
            for j in range(i + 1, len(p)):
                if _len(_sub(p[i], p[j])) <= tiny:
                    raise ValueError(f"the {what} {''.join(el.points)} is degenerate: "
                                     f"{el.points[i]} and {el.points[j]} are the same point")
        for i in range(len(p)):
            a, v, b = p[i - 1], p[i], p[(i + 1) % len(p)]
            if abs(_cross(_sub(v, a), _sub(b, v))) <= 1e-9 * _len(_sub(v, a)) * _len(_sub(b, v)):
                raise ValueError(f"the {what} {''.join(el.points)} is degenerate: "
                                 f"{el.points[i - 1]}, {el.points[i]} and "
                                 f"{el.points[(i + 1) % len(p)]} lie on one line")
        area = sum(_cross(p[i], p[(i + 1) % len(p)]) for i in range(len(p))) / 2
        if abs(area) <= tiny * size:
            raise ValueError(f"the {what} {''.join(el.points)} has no area")
    elif el.shape in ("segment", "square", "label") and len(p) == 2:
        if _len(_sub(p[0], p[1])) <= tiny:
            raise ValueError(f"{el.points[0]} and {el.points[1]} are the same point, so "
                             f"{name if el.shape != 'label' else 'the labelled side'} has no "
                             "length")
    elif el.shape in ("circle", "arc"):
        for other in p[1:]:
            if _len(_sub(other, p[0])) <= tiny:
                raise ValueError(f"the {name} has radius 0: its points lie on its centre "
                                 f"{el.points[0]}")
    elif el.shape in ("angle", "right_angle"):
        for arm, arm_name in ((p[0], el.points[0]), (p[2], el.points[2])):
            if _len(_sub(arm, p[1])) <= tiny:
                raise ValueError(f"the {name} has no arm: {arm_name} lies on the vertex "
                                 f"{el.points[1]}")
        if el.shape == "right_angle":
            degrees = _angle_at(p[0], p[1], p[2])
            if abs(degrees - 90) > RIGHT_TOLERANCE:
                raise ValueError(f"the angle {''.join(el.points)} is {degrees:.1f}°, not a "
                                 "right angle (mark it with 'angle' instead)")
    elif el.shape == "ticks":
        lengths = [_len(_sub(pos[a], pos[b])) for a, b in el.sides]
        if min(lengths) <= tiny:
            raise ValueError("a side marked with ticks has no length")
        if max(lengths) - min(lengths) > 0.01 * max(lengths):
            shown = ", ".join(f"{a}{b} = {_len(_sub(pos[a], pos[b])):.3g}" for a, b in el.sides)
            raise ValueError(f"tick marks say the sides are equal, but {shown}")


def _check_points(el: Element, pos: dict[str, Pair]) -> None:
    names = list(el.points) + [n for side in el.sides for n in side]
    unknown = [n for n in names if n not in pos]
    if unknown:
        raise ValueError(f"unknown point '{unknown[0]}' (the points are {', '.join(pos)})")


def _square_length(pos: dict[str, Pair], side: list[str]) -> float:
    return _len(_sub(pos[side[0]], pos[side[1]]))


def trace(figure: Model) -> list[dict[str, Pair]]:
    """Walk the steps as the kit draws them; raise ValueError on a rule broken (naming the
    element as ``elements[i]: `` or the step as ``steps[i]: ``); return the points' positions
    at the start and after each step."""
    pos: dict[str, Pair] = dict(figure.points)
    states = [dict(pos)]

    def size() -> float:
        xs = [x for x, _ in pos.values()] + [y for _, y in pos.values()]
        return max(1.0, max(xs) - min(xs))

    drawn: list[Element] = []
    for i, el in enumerate(figure.elements):
        try:
            _check_points(el, pos)
            _check_shape(el, pos, size())
        except ValueError as exc:
            raise ValueError(f"elements[{i}]: {exc}") from None
        drawn.append(el)
    for k, step in enumerate(figure.steps):
        try:
            if step.op == "draw":
                _check_points(step.element, pos)
                _check_shape(step.element, pos, size())
                drawn.append(step.element)
            elif step.op == "point":
                if step.point in pos:
                    raise ValueError(f"there is already a point {step.point}")
                if len(pos) >= MAX_POINTS:
                    raise ValueError(f"more than {MAX_POINTS} points")
                pos[step.point] = step.at
            elif step.op == "move":
                if step.point not in pos:
                    raise ValueError(f"unknown point '{step.point}' (the points are "
                                     f"{', '.join(pos)})")
                pos[step.point] = step.at
                for el in drawn:
                    try:
                        _check_shape(el, pos, size())
                    except ValueError as exc:
                        raise ValueError(f"moving {step.point} to ({_num(step.at[0])}, "
                                         f"{_num(step.at[1])}) breaks it: {exc}") from None
            elif step.op == "highlight":
                names = known_names(drawn, pos)
                for target in step.targets:
                    if target not in names:
                        raise ValueError(f"'{target}' is not drawn yet (drawn: "
                                         f"{', '.join(sorted(names, key=len)[:12])})")
            elif step.op == "count":
                a, b = step.side
                square = next((el for el in drawn if el.shape == "square"
                               and set(el.points) == {a, b}), None)
                if square is None:
                    raise ValueError(f"there is no square on {a}{b} to count (draw it first: "
                                     f"square on {a}{b} grid)")
                if not square.grid:
                    raise ValueError(f"the square on {a}{b} has no grid to count (draw it "
                                     "with: square on ... grid)")
                length = _square_length(pos, step.side)
                if abs(length - round(length)) > 1e-3 or not 1 <= round(length) <= MAX_GRID:
                    raise ValueError(f"the square on {a}{b} has side {length:.3g}: only a whole "
                                     f"side from 1 to {MAX_GRID} has cells to count")
        except ValueError as exc:
            raise ValueError(f"steps[{k}]: {exc}") from None
        states.append(dict(pos))
    if len(drawn) > MAX_ELEMENTS:
        raise ValueError(f"more than {MAX_ELEMENTS} elements do not fit one figure")
    return states


# -- the script syntax ----------------------------------------------------------------------------

KEYWORDS = {"segment": "segment", "line": "segment", "polygon": "polygon",
            "triangle": "polygon", "circle": "circle", "arc": "arc", "angle": "angle",
            "right-angle": "right_angle", "right_angle": "right_angle",
            "rightangle": "right_angle", "ticks": "ticks", "equal": "ticks", "label": "label",
            "square": "square", "shade": "shade"}
TARGET_WORDS = {"square": "square on", "angle": "angle", "right-angle": "right-angle",
                "right_angle": "right-angle", "rightangle": "right-angle", "circle": "circle",
                "arc": "arc", "shade": "shade"}
TOKEN = re.compile(r'"([^"]*)"|\'([^\']*)\'|(\S+)')
ASSIGN = re.compile(r"\s*([^=,\s]+)\s*=\s*\(([^)]*)\)\s*(?:,|$)")


class _Parser:
    def __init__(self, block: Block) -> None:
        self.block = block
        self.points: dict[str, tuple[float, float]] = {}
        self.polygons: list[list[str]] = []  # drawn so far, for 'angle A' and 'right-angle B'
        self.ticks = 0
        self.squares: list[tuple[str, str]] = []

    def error(self, message: str, line: Line, hint: str = "") -> Exception:
        return self.block.error(message, line.number, hint)

    # -- words ---------------------------------------------------------------------------------
    def tokens(self, text: str, line: Line) -> list[tuple[str, bool]]:
        """(word, quoted) pairs; quoted text is kept whole."""
        if text.count('"') % 2:
            raise self.error(f"an unclosed quote in '{text}'", line,
                             'close the quote: label AB "a"')
        out = []
        for match in TOKEN.finditer(text):
            if match.group(3) is not None:
                out.append((match.group(3), False))
            else:
                out.append((match.group(1) if match.group(1) is not None else match.group(2),
                            True))
        return out

    def refs(self, word: str, line: Line) -> list[str]:
        """The points a word names: a point's name, or names written together ('ABC')."""
        if word in self.points:
            return [word]
        splits = self._splits(word)
        if len(splits) == 1:
            return splits[0]
        known = ", ".join(self.points) or "none yet"
        if splits:
            raise self.error(f"'{word}' can be read as points in more than one way", line,
                             f"separate the points with spaces, e.g. {' '.join(splits[0])}")
        at, bad = 0, word
        while at < len(word):
            name = max((n for n in self.points if word.startswith(n, at)), key=len, default=None)
            if name is None:
                match = NAME.match(word, at)
                bad = match.group(0) if match else word[at:]
                if match and len(bad) > 1 and bad[0] + "'" != bad[:2]:
                    bad = bad[0] if bad[0].isalpha() else bad
                break
            at += len(name)
        raise self.error(f"unknown point '{bad}'", line,
                         f"the points are {known}; declare it in 'points:' or with "
                         "'- point D=(x, y)'")

    def _splits(self, word: str) -> list[list[str]]:
        if not word:
            return [[]]
        found = []
        for name in self.points:
            if word.startswith(name):
                found += [[name, *rest] for rest in self._splits(word[len(name):])]
            if len(found) > 1:
                break
        return found

    def names(self, words: list[str], line: Line) -> list[str]:
        return [n for w in words for n in self.refs(w, line)]

    def pair(self, text: str, line: Line) -> tuple[float, float]:
        x, y = self.block.point(text, line.number)
        return x, y

    # -- lines ---------------------------------------------------------------------------------
    def assignments(self, text: str, line: Line) -> list[tuple[str, tuple[float, float]]]:
        found, at, text = [], 0, text.strip()
        while at < len(text):
            match = ASSIGN.match(text, at)
            if not match:
                raise self.error(f"points are written 'A=(0, 0), B=(4, 0)', got "
                                 f"'{text[at:].strip()}'", line,
                                 "write each point as Name=(x, y), separated by commas")
            name = self.block.name(match.group(1), line.number, "point name")
            found.append((name, self.pair(match.group(2), line)))
            at = match.end()
        if not found:
            raise self.error("'points:' needs points", line, "write e.g. 'points: A=(0, 0), "
                             "B=(4, 0), C=(4, 3)'")
        return found

    def add_point(self, name: str, at: tuple[float, float], line: Line) -> None:
        if name in self.points:
            raise self.error(f"there is already a point {name}", line, "give it another name")
        if len(self.points) >= MAX_POINTS:
            raise self.error(f"more than {MAX_POINTS} points", line, "draw fewer points")
        self.points[name] = at

    def element(self, text: str, line: Line) -> dict:
        words = self.tokens(text, line)
        if not words or words[0][1]:
            raise self.error(f"expected an element, got '{text}'", line,
                             f"elements: {', '.join(sorted(set(KEYWORDS) - {'line'}))}")
        keyword = words[0][0].lower()
        if keyword == "right" and len(words) > 1 and words[1][0].lower() == "angle":
            keyword, words = "right-angle", words[1:]
        if keyword not in KEYWORDS:
            raise self.error(f"unknown geometry element '{words[0][0]}'", line,
                             "elements: segment, polygon, triangle, circle, arc, angle, "
                             "right-angle, ticks, label, square, shade; steps also: point, "
                             "move, highlight, count")
        shape = KEYWORDS[keyword]
        rest = words[1:]
        texts = [w for w, quoted in rest if quoted]
        plain = [w for w, quoted in rest if not quoted]
        data: dict = {"shape": shape}
        if len(texts) > 1:
            raise self.error("more than one quoted text", line, 'give one text: label AB "a"')
        if texts:
            if shape not in ("label", "angle", "square"):
                raise self.error(f"a {_word(shape)} has no text", line,
                                 "labels, angles and squares take a quoted text")
            data["text"] = texts[0]
        if shape == "square":
            plain = [w for w in plain if w.lower() != "on"]
            if "grid" in [w.lower() for w in plain]:
                data["grid"] = True
                plain = [w for w in plain if w.lower() != "grid"]
        if shape == "angle" and [w.lower() for w in plain[-1:]] == ["degrees"]:
            data["degrees"], plain = True, plain[:-1]
        if shape == "circle":
            plain = [w for w in plain if w.lower() != "through"]
            if len(plain) == 2 and re.fullmatch(r"[-+\u2212]?[\d.].*", plain[1]):
                radius = self.block.number(plain[1], line.number, "a radius")
                if radius <= 0:
                    raise self.error(f"a circle's radius must be more than 0, got "
                                     f"{_num(radius)}", line, "write e.g. 'circle O 2'")
                data["radius"], plain = radius, plain[:1]
        if shape == "ticks":
            sides = []
            for word in plain:
                pts = self.refs(word, line)
                if len(pts) != 2:
                    raise self.error(f"'{word}' is not a side (two points)", line,
                                     "write the sides as AB CD")
                sides.append(pts)
            if self.ticks >= MAX_TICKS:
                raise self.error(f"more than {MAX_TICKS} groups of tick marks", line,
                                 "mark at most three groups of equal sides")
            self.ticks += 1
            data.update(sides=sides, marks=self.ticks)
            return data
        points = self.names(plain, line)
        if shape in ("angle", "right_angle") and len(points) == 1:
            points = self.around(points[0], shape, line)
        data["points"] = points
        if shape == "polygon":
            if keyword == "triangle" and len(points) != 3:
                raise self.error(f"a triangle has 3 corners, got {len(points)}", line,
                                 "write e.g. 'triangle A B C' (or 'polygon' for more)")
            self.polygons.append(points)
        return data

    def around(self, vertex: str, shape: str, line: Line) -> list[str]:
        """'angle A': the angle of the last polygon drawn with the vertex A."""
        for poly in reversed(self.polygons):
            if vertex in poly:
                i = poly.index(vertex)
                return [poly[i - 1], vertex, poly[(i + 1) % len(poly)]]
        raise self.error(f"'{_word(shape)} {vertex}' needs a polygon with the vertex {vertex}",
                         line, f"draw the polygon first, or name the arms: "
                         f"{_word(shape)} B {vertex} C")

    def target(self, text: str, line: Line) -> str:
        words = [w for w, _ in self.tokens(text, line)]
        if not words:
            raise self.error("'highlight' needs what to highlight", line,
                             "write e.g. '- highlight AC' or '- highlight square on AC'")
        head = words[0].lower()
        if head == "right" and len(words) > 1 and words[1].lower() == "angle":
            head, words = "right-angle", words[1:]
        if head in TARGET_WORDS:
            rest = [w for w in words[1:] if not (head == "square" and w.lower() == "on")]
            return f"{TARGET_WORDS[head]} {''.join(self.names(rest, line))}"
        return "".join(self.names(words, line))

    def step(self, line: Line) -> dict:
        op, _, rest = line.text.partition(" ")
        op = op.lower()
        rest = rest.strip()
        if op == "draw":
            return {"op": "draw", "element": self.element(rest, line)}
        if op in KEYWORDS or op == "right":
            return {"op": "draw", "element": self.element(line.text, line)}
        if op in ("point", "points"):
            found = self.assignments(rest, line)
            if len(found) != 1:
                raise self.error("a 'point' step adds one point", line,
                                 "write one point per step: '- point D=(2, 1)'")
            name, at = found[0]
            self.add_point(name, at, line)
            return {"op": "point", "point": name, "at": at}
        if op == "move":
            match = re.fullmatch(r"(\S+)\s+(?:to\s+)?(.+)", rest)
            if not match:
                raise self.error("'move' needs a point and where it goes", line,
                                 "write e.g. '- move C to (4, 4)'")
            name = match.group(1)
            if name not in self.points:
                known = ", ".join(self.points)
                raise self.error(f"unknown point '{name}'", line, f"the points are {known}")
            at = self.pair(match.group(2), line)
            self.points[name] = at
            return {"op": "move", "point": name, "at": at}
        if op == "highlight":
            targets = [self.target(t, line) for t in rest.split(",") if t.strip()]
            if not targets:
                raise self.error("'highlight' needs what to highlight", line,
                                 "write e.g. '- highlight AC' or '- highlight square on AC'")
            return {"op": "highlight", "targets": targets}
        if op == "count":
            words = [w for w, _ in self.tokens(rest, line)
                     if w.lower() not in ("square", "on", "the", "cells", "of")]
            side = self.names(words, line)
            if len(side) != 2:
                raise self.error("'count' takes the side of a square", line,
                                 "write e.g. '- count square on AB'")
            return {"op": "count", "side": side}
        raise self.error(f"unknown geometry step '{op}'", line,
                         "steps: draw (or an element: square on AB, angle A, ...), point, move, "
                         "highlight, count")


def parse(body: list[str], start: int, fail: Fail) -> Model:
    """The figure of a geometry block whose lines are ``body`` (the block opens on ``start``)."""
    block = Block.split(FENCE, body, start, fail)
    parser = _Parser(block)
    elements, element_lines, points_line = [], [], start
    for line in block.header:
        key, rest = block.keyed(line.text, line.number)
        if key in ("points", "point"):
            points_line = line.number if not parser.points else points_line
            for name, at in parser.assignments(rest, line):
                parser.add_point(name, at, line)
        elif key:
            raise block.error(f"unknown geometry line '{key}:'", line.number,
                              "the header has 'points: A=(0, 0), ...' and elements such as "
                              "'polygon A B C'")
        else:
            if not parser.points:
                raise block.error("an element before the 'points:' line", line.number,
                                  "start the block with 'points: A=(0, 0), B=(4, 0), ...'")
            elements.append(parser.element(line.text, line))
            element_lines.append(line.number)
    if not parser.points:
        line = block.steps[0].number if block.steps else start
        raise block.error("a step before the 'points:' line" if block.steps else
                          "a geometry block needs a 'points:' line", line,
                          "start the block with 'points: A=(0, 0), B=(4, 0), C=(4, 3)'")
    header_points = dict(parser.points)
    steps = [parser.step(line) for line in block.steps]
    data = {"kind": FENCE, "points": header_points, "elements": elements, "steps": steps}
    try:
        return Model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = first.get("loc", ())
        message = str(first.get("msg", "")).removeprefix("Value error, ")
        match = re.match(r"elements\[(\d+)\]: ", message)
        if match and int(match.group(1)) < len(element_lines):
            raise block.error(message[match.end():], element_lines[int(match.group(1))]) \
                from None
        if len(loc) >= 2 and loc[0] == "elements" and isinstance(loc[1], int):
            raise block.error(message, element_lines[loc[1]]) from None
        return block.validated(Model, data, lines={"points": points_line})


def emit(v: Model, b) -> None:
    from flaming_horse.authoring.figures import emit_steps, kit_data  # the registry imports us

    emit_steps(v, b, build=f"kit.figure({kit_data(v)})", share=0.8, max_run=3.0)


def flash(v: Model, var: str, term: str) -> str | None:
    """``**AC**`` flashes the side AC; a label's text (``**c**``) flashes what it labels."""
    drawn = [*v.elements, *(s.element for s in v.steps if s.op == "draw")]
    points = [*v.points, *(s.point for s in v.steps if s.op == "point")]
    names = known_names(drawn, points)
    if term in names:
        return f"{var}.part({term!r})"
    for el in drawn:
        if el.shape == "label" and el.text and el.text.strip().lower() == term.strip().lower():
            return f"{var}.part({''.join(el.points)!r})"
        if el.shape in ("angle", "square") and el.text and \
                el.text.strip().lower() == term.strip().lower():
            return f"{var}.part({part_names(el)[0]!r})"
    return None
