"""A geometry construction: named points (dots), segments, polygons, circles, arcs, angle and
right-angle marks, equal-length ticks, labels, squares built on sides (with unit cells to count)
and shaded regions, built from a storyboard's data:

    g = kit.figure({"kind": "geometry", "points": {"A": [0, 0], "B": [4, 0], "C": [4, 3]},
                    "elements": [{"shape": "polygon", "points": ["A", "B", "C"]}],
                    "steps": [{"op": "draw", "element": {"shape": "square",
                                                         "points": ["B", "C"]}},
                              {"op": "move", "point": "C", "at": [4, 4]}]})
    self.play(*g.enter())
    self.play(*g.step(1))

Everything is drawn from the points' dots: a step that moves a dot moves every segment, mark,
square and label on it (each part redraws itself when the dots or its highlight change). The
whole construction, at every step, is scaled by one factor into the box (y up), with room left
around it for labels, which are placed outside the figure where they touch no other text.

Parts: ``g.part("A")`` (a point's dot), ``g.part("AB")`` (a side or segment), ``g.part("ABC")``
(a polygon), ``g.part("square on AB")``, ``g.part("angle A")``, ``g.part("right-angle B")``,
``g.part("circle O")``, ``g.part("arc AB")``, ``g.part("shade ABC")``.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from manim import (
    Animation, AnimationGroup, Arc, Circle, Create, Dot, FadeIn, GrowFromCenter, Indicate,
    Line, ManimColor, Mobject, Polygon, Text, Transform, ValueTracker, VGroup, VMobject,
    UpdateFromAlphaFunc, interpolate_color, linear,
)

from manim.animation.animation import prepare_animation

from flaming_horse.figure_rules import part_names, side_key, sides_of
from flaming_horse.scene_kit import palette
from flaming_horse.scene_kit.figure import Figure
from flaming_horse.scene_kit.labels import Rect, overlap, rect
from flaming_horse.scene_kit.labels import place as _place
from flaming_horse.scene_kit.layout import Box, body_area, tag_font

GAP = 0.12  # between a label and what it labels
NAME_SIZE = 28  # a point's name
SIDE_SIZE = 28  # a side's label
ANGLE_SIZE = 24  # an angle's value
AREA_SIZE = 28  # the text in a square
STROKE = 4.0
DOT_RADIUS = 0.07
ANGLE_RADIUS = 0.42  # frame units
RIGHT_SIZE = 0.22
TICK_LENGTH = 0.2
TICK_SPACING = 0.08
LINE_COLOUR = palette.TEXT
HIGHLIGHT = palette.ACCENT_2
SQUARE_COLOURS = (palette.ACCENT, palette.GOOD, palette.ACCENT_2)
SHADE_COLOUR = palette.GOOD
HALO = 16.0  # the width of a lit part's halo
PULSE = 14.0  # added while a part pulses (its label appears)


# -- plane geometry ------------------------------------------------------------------------------

def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 1e-12 else np.zeros_like(v)


def outward(a: np.ndarray, b: np.ndarray, centre: np.ndarray | None) -> np.ndarray:
    """The unit normal of side a-b pointing away from ``centre`` (its right side without one)."""
    d = b[:2] - a[:2]
    n = _unit(np.array([d[1], -d[0]]))
    if centre is not None and float(np.dot(centre[:2] - (a[:2] + b[:2]) / 2, n)) > 1e-9:
        n = -n
    return n


def square_corners(a: np.ndarray, b: np.ndarray, centre: np.ndarray | None,
                   grow: float = 1.0) -> list[np.ndarray]:
    """The square on side a-b, built away from ``centre`` (``grow`` of it, for its growing)."""
    a2, b2 = a[:2], b[:2]
    n = outward(a, b, centre) * float(np.linalg.norm(b2 - a2)) * grow
    return [a2, b2, b2 + n, a2 + n]


def _distance(c: np.ndarray, p: np.ndarray, q: np.ndarray) -> float:
    """From point c to segment p-q."""
    d = q[:2] - p[:2]
    t = float(np.clip(np.dot(c[:2] - p[:2], d) / max(float(np.dot(d, d)), 1e-12), 0, 1))
    return float(np.linalg.norm(c[:2] - (p[:2] + t * d)))


def _xyz(p: np.ndarray) -> np.ndarray:
    return np.array([float(p[0]), float(p[1]), 0.0])


# -- parts that follow the points -----------------------------------------------------------------

class _Live(VGroup):
    """A part drawn by ``draw`` from what ``key`` reads (its points, its highlight), redrawn
    when that changes: everything on a moving point follows it. Both are functions, which a
    copy shares (an animation's copy of a part is not a copy of the whole figure)."""

    def __init__(self, key: Callable[[], tuple], draw: Callable[[], VGroup]) -> None:
        self.key, self.draw = key, draw
        self.seen = key()
        super().__init__(*draw().submobjects)
        self.add_updater(_Live._follow)

    def refresh(self) -> "_Live":
        self.seen = self.key()
        self.become(self.draw())
        return self

    @staticmethod
    def _follow(mob: "_Live") -> None:
        if mob.seen != mob.key():
            mob.refresh()


class _Reveal(AnimationGroup):
    """Animations of parts that join the figure when they start playing (a step's parts are made
    before the scene waits for its word; they must not show before it)."""

    def __init__(self, figure: "GeometryFigure", joins: list[tuple[VGroup, Mobject]],
                 *animations: Animation, linear: bool = False, **kwargs: Any) -> None:
        self.figure, self.joins = figure, joins
        animations = tuple(prepare_animation(anim) for anim in animations)  # .animate builders
        if linear:  # a step: the scene eases the whole step out, so it moves from its word on
            for anim in animations:
                _linear(anim)
        super().__init__(*animations, group=figure, suspend_mobject_updating=False, **kwargs)

    def _setup_scene(self, scene: Any) -> None:
        for layer, part in self.joins:
            if part not in layer.submobjects:
                if isinstance(part, _Live):
                    part.refresh()
                layer.add(part)
        self.figure.relayout()
        super()._setup_scene(scene)


def _linear(anim: Animation) -> None:
    anim.rate_func = linear
    for sub in getattr(anim, "animations", []):
        _linear(sub)


@dataclass
class _Slot:
    """A label: where it hangs (``anchor``), which way it prefers to go (``prefer``), its text
    (``text``: a function, for values that change), and whether it sits right on its anchor."""

    mob: Text
    size: float
    colour: str
    anchor: Callable[[], np.ndarray]
    prefer: Callable[[], np.ndarray]
    text: Callable[[], str]
    fixed: bool = False
    glow: str | None = None
    shown: str = ""
    lit: float = 0.0
    fit_width: Callable[[], float] | None = None
    extra: dict = field(default_factory=dict)


def _pulses(keys: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(k.replace("glow:", "pulse:", 1) for k in keys)


def _text(content: str, size: float, colour: str) -> Text:
    return tag_font(Text(content or " ", font=palette.FONT, font_size=size, color=colour), size)


class GeometryFigure(Figure):
    """The construction of ``data`` (a geometry figure's model_dump), fitted to ``box``."""

    def __init__(self, data: dict[str, Any], box: Box | None = None) -> None:
        self.fills, self.squares, self.lines, self.marks, self.dots_layer, self.labels = (
            VGroup() for _ in range(6))
        super().__init__(data, self.fills, self.squares, self.lines, self.marks,
                         self.dots_layer, self.labels)
        self.box = box or body_area()
        self.state: tuple = ((), ())
        steps = data.get("steps", [])
        header = list(data.get("elements", []))
        self.everything = header + [s["element"] for s in steps if s["op"] == "draw"]
        self.start: dict[str, np.ndarray] = {n: np.array(p, float)
                                             for n, p in data["points"].items()}
        self.every_point = dict(self.start)
        for s in steps:
            if s["op"] == "point":
                self.every_point[s["point"]] = np.array(s["at"], float)
        self.now = dict(self.start)  # world positions as the steps so far leave them
        self.trackers: dict[str, ValueTracker] = {}
        self.aliases: dict[str, str] = {}
        self.lit: set[str] = set()
        self.slots: list[_Slot] = []
        self.vertex: dict[str, _Slot] = {}
        self.slot_of: dict[int, _Slot] = {}  # an element's label, by its index in everything
        self._index()
        self._make_slots()
        self._fit()
        self.dots = {n: Dot(self.frame(p), radius=DOT_RADIUS, color=LINE_COLOUR)
                     for n, p in self.every_point.items()}
        for name, dot in self.dots.items():
            self.parts[f"point:{name}"] = dot
        self.state_key = self.key_of(list(self.dots), list(self.trackers))
        self.made = [self._make(el, i) for i, el in enumerate(self.everything)]
        self.relayout()
        # the header is in the figure from the start; enter() draws it
        self.halos = {n: self._halo(n) for n in self.every_point}
        self.first = [(self.dots_layer, self.halos[n], None) for n in self.start]
        self.first += [(self.dots_layer, self.dots[n], GrowFromCenter(self.dots[n]))
                       for n in self.start]
        self.first += [(self.labels, self.vertex[n].mob, FadeIn(self.vertex[n].mob))
                       for n in self.start]
        for i in range(len(header)):
            self.first += self.made[i]
        for layer, part, _ in self.first:
            if part not in layer.submobjects:
                layer.add(part)
        self.drawn_count = len(header)
        self.add_updater(GeometryFigure._tick)

    _SHARED = ("halos", "data", "parts", "box", "everything", "start", "every_point", "now", "trackers",
               "aliases", "lit", "slots", "vertex", "slot_of", "made", "first", "dots",
               "state_key", "drawn_count", "unit", "offset")

    def __deepcopy__(self, memo: dict) -> "GeometryFigure":
        """An animation's copy of the figure is a picture of it: its state is shared, not
        copied (copying every tracker, label and pending animation is slow and useless)."""
        result = self.__class__.__new__(self.__class__)
        memo[id(self)] = result
        for key, value in self.__dict__.items():
            setattr(result, key, value if key in self._SHARED else copy.deepcopy(value, memo))
        return result

    # -- names, trackers ---------------------------------------------------------------------
    def _tracker(self, key: str, value: float = 0.0) -> ValueTracker:
        if key not in self.trackers:
            self.trackers[key] = ValueTracker(value)
        return self.trackers[key]

    def glow(self, *keys: str | None) -> float:
        return max([self.trackers[k].get_value() for k in keys if k and k in self.trackers]
                   or [0.0])

    def _index(self) -> None:
        for name in self.every_point:
            self.aliases[name] = f"point:{name}"
            self._tracker(f"glow:point:{name}")
            self._tracker(f"pulse:point:{name}")
        for index, el in enumerate(self.everything):
            names = part_names(el)
            if el["shape"] == "ticks":
                self._tracker(f"glow:el:ticks {index}")
                self._tracker(f"pulse:el:ticks {index}")
            if names:
                key = f"el:{names[0]}"
                for name in names:
                    self.aliases.setdefault(name, key)
                self._tracker(f"glow:{key}")
                self._tracker(f"pulse:{key}")
            for a, b in sides_of(el):
                for name in (a + b, b + a):
                    self.aliases.setdefault(name, side_key(a, b))
                self._tracker(f"glow:{side_key(a, b)}")
                self._tracker(f"pulse:{side_key(a, b)}")
            if el["shape"] == "square":
                self._tracker(f"grow:{names[0]}")
                self._tracker(f"count:{names[0]}")

    def part(self, name: str) -> Mobject:
        key = self.aliases.get(name) or self.aliases.get(name.strip())
        if key is None or key not in self.parts:
            raise KeyError(f"no part {name!r} in this geometry figure")
        return self.parts[key]

    # -- where things are ----------------------------------------------------------------------
    def frame(self, world: np.ndarray) -> np.ndarray:
        return _xyz(self.offset + self.unit * np.asarray(world, float)[:2])

    def at(self, name: str) -> np.ndarray:
        return self.dots[name].get_center()

    def _polygon_with(self, a: str, b: str | None = None) -> list[str] | None:
        """The first polygon having side a-b (or vertex a)."""
        for el in self.everything:
            if el["shape"] != "polygon":
                continue
            if b is None and a in el["points"]:
                return el["points"]
            if b is not None and any({a, b} == {p, q} for p, q in sides_of(el)):
                return el["points"]
        return None

    def _centre_of(self, names: list[str], where: Callable[[str], np.ndarray]) -> np.ndarray:
        return np.mean([where(n)[:2] for n in names], axis=0)

    def _reference(self, a: str, b: str | None = None) -> list[str]:
        """The points whose centre 'outside' is away from, for side a-b (or point a)."""
        return self._polygon_with(a, b) or list(self.every_point)

    def side_centre(self, a: str, b: str, where: Callable[[str], np.ndarray]) \
            -> np.ndarray | None:
        ref = [n for n in self._reference(a, b) if n not in (a, b)]
        return self._centre_of(ref, where) if ref else None

    # -- fitting -------------------------------------------------------------------------------
    def _states(self) -> list[dict[str, np.ndarray]]:
        pos = dict(self.start)
        states = [dict(pos)]
        for s in self.data.get("steps", []):
            if s["op"] in ("point", "move"):
                pos[s["point"]] = np.array(s["at"], float)
                states.append(dict(pos))
        return states

    def _fit(self) -> None:
        """One scale for the whole construction at every step (y up), the largest at which it
        fits the box with its points' and sides' labels around it."""
        items: list[tuple[float, float, float, float]] = []  # world x, y; room x, y around it
        room = {name: (slot.mob.width + GAP + DOT_RADIUS, slot.mob.height + GAP + DOT_RADIUS)
                for name, slot in self.vertex.items()}
        sides = [(self.everything[i]["points"], slot) for i, slot in self.slot_of.items()
                 if self.everything[i]["shape"] == "label"]
        for pos in self._states():
            def where(n: str) -> np.ndarray:
                return pos[n]
            for name, p in pos.items():
                items.append((p[0], p[1], *room[name]))
            for (a, b), slot in sides:
                if a in pos and b in pos:
                    mid = (pos[a] + pos[b]) / 2
                    items.append((mid[0], mid[1], slot.mob.width + GAP, slot.mob.height + GAP))
            for el in self.everything:
                pts = el.get("points", [])
                if any(n not in pos for n in pts):
                    continue
                if el["shape"] == "square":
                    a, b = pts
                    for c in square_corners(pos[a], pos[b], self.side_centre(a, b, where)):
                        items.append((c[0], c[1], 0.0, 0.0))
                elif el["shape"] in ("circle", "arc"):
                    r = el.get("radius") or float(np.linalg.norm(pos[pts[1]] - pos[pts[0]]))
                    o = pos[pts[0]]
                    items += [(o[0] + dx, o[1] + dy, 0.0, 0.0)
                              for dx, dy in ((r, 0), (-r, 0), (0, r), (0, -r))]
        data = np.array(items, float)

        def extent(unit: float, axis: int) -> tuple[float, float]:
            low = float(np.min(unit * data[:, axis] - data[:, axis + 2]))
            high = float(np.max(unit * data[:, axis] + data[:, axis + 2]))
            return low, high

        def fits(unit: float) -> bool:
            (x0, x1), (y0, y1) = extent(unit, 0), extent(unit, 1)
            return x1 - x0 <= self.box.width and y1 - y0 <= self.box.height

        low, high = 1e-3, 1e3
        for _ in range(60):
            mid = math.sqrt(low * high)
            low, high = (mid, high) if fits(mid) else (low, mid)
        self.unit = low
        (x0, x1), (y0, y1) = extent(low, 0), extent(low, 1)
        self.offset = self.box.center[:2] - np.array([(x0 + x1) / 2, (y0 + y1) / 2])

    # -- labels --------------------------------------------------------------------------------
    def _make_slots(self) -> None:
        """Every label the figure will ever show, in the order they are placed: the texts in
        squares (fixed), the points' names, then sides' labels and angles' values."""
        for i, el in enumerate(self.everything):
            if el["shape"] == "square":
                self._square_slot(el, i)
        point_text = {el["points"][0]: el["text"] for el in self.everything[:self._header()]
                      if el["shape"] == "label" and len(el["points"]) == 1}
        for name in self.every_point:
            content = point_text.get(name, name)
            slot = _Slot(_text(content, NAME_SIZE, palette.TEXT), NAME_SIZE, palette.TEXT,
                         anchor=lambda n=name: self.at(n),
                         prefer=lambda n=name: self._away(n),
                         text=lambda c=content: c, glow=f"glow:point:{name}", shown=content)
            self.vertex[name] = slot
            self.slots.append(slot)
        for i, el in enumerate(self.everything):
            if el["shape"] == "label" and len(el["points"]) == 2:
                a, b = el["points"]
                slot = _Slot(_text(el["text"], SIDE_SIZE, palette.TEXT), SIDE_SIZE,
                             palette.TEXT, anchor=lambda a=a, b=b: (self.at(a) + self.at(b)) / 2,
                             prefer=lambda a=a, b=b: _xyz(outward(
                                 self.at(a), self.at(b), self.side_centre(a, b, self.at))),
                             text=lambda t=el["text"]: t, glow=f"glow:{side_key(a, b)}",
                             shown=el["text"])
                self.slots.append(slot)
                self.slot_of[i] = slot
            elif el["shape"] == "angle" and (el.get("text") or el.get("degrees")):
                p, v, q = el["points"]
                if el.get("degrees"):
                    def content(p=p, v=v, q=q) -> str:
                        return f"{round(self._degrees(p, v, q))}°"
                else:
                    def content(t=el["text"]) -> str:
                        return t
                first = "180°" if el.get("degrees") else el["text"]  # the widest it gets
                slot = _Slot(_text(first, ANGLE_SIZE, palette.ACCENT_2), ANGLE_SIZE,
                             palette.ACCENT_2,
                             anchor=lambda p=p, v=v, q=q: self.at(v) + self._bisector(p, v, q)
                             * self._angle_radius(p, v, q),
                             prefer=lambda p=p, v=v, q=q: self._bisector(p, v, q),
                             text=content, glow=f"glow:el:{part_names(el)[0]}", shown="\0")
                self.slots.append(slot)
                self.slot_of[i] = slot

    def _header(self) -> int:
        return len(self.data.get("elements", []))

    def _square_slot(self, el: dict, index: int) -> None:
        a, b = el["points"]
        name = part_names(el)[0]
        text = el.get("text") or ""
        counter = self.trackers[f"count:{name}"]

        def content() -> str:
            counted = int(math.floor(counter.get_value() + 1e-6))
            if counted <= 0:
                return text
            return f"{text} = {counted}" if text else str(counted)

        def centre() -> np.ndarray:
            corners = square_corners(self.at(a), self.at(b), self.side_centre(a, b, self.at))
            return _xyz(np.mean(corners, axis=0))

        def width() -> float:
            return 0.8 * float(np.linalg.norm(self.at(b) - self.at(a)))

        cells = max([round(float(np.linalg.norm(pos[a] - pos[b]))) ** 2 for pos in self._states()
                     if a in pos and b in pos] + [1]) if el.get("grid") else 0
        longest = (f"{text} = {cells}" if text else str(cells)) if cells else text
        slot = _Slot(_text(longest, AREA_SIZE, palette.TEXT), AREA_SIZE, palette.TEXT,
                     anchor=centre, prefer=lambda: _xyz(np.array([0.0, 1.0])), text=content,
                     fixed=True, shown="\0", fit_width=width)  # on the square's fill: not tinted
        slot.extra["reserve"] = (slot.mob.width, slot.mob.height) if longest else None
        self.slots.append(slot)
        self.slot_of[index] = slot

    def _away(self, name: str) -> np.ndarray:
        ref = [n for n in self._reference(name) if n != name]
        if not ref:
            return np.array([0.0, 1.0, 0.0])
        return _xyz(_unit(self.at(name)[:2] - self._centre_of(ref, self.at)))

    def _segments(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Every line the figure will draw, where it is now: labels keep off them."""
        segs: list[tuple[np.ndarray, np.ndarray]] = []
        for el in self.everything:
            shape, pts = el["shape"], el.get("points", [])
            if shape in ("segment", "polygon", "shade"):
                ring = [self.at(n) for n in pts]
                pairs = zip(ring, ring[1:] + ring[:1]) if len(ring) > 2 else [tuple(ring)]
                segs += [(p, q) for p, q in pairs]
            elif shape == "square":
                a, b = pts
                c = [_xyz(x) for x in square_corners(self.at(a), self.at(b),
                                                     self.side_centre(a, b, self.at))]
                segs += list(zip(c, c[1:] + c[:1]))
            elif shape in ("circle", "arc"):
                o = self.at(pts[0])
                r = el["radius"] * self.unit if el.get("radius") else \
                    float(np.linalg.norm(self.at(pts[1]) - o))
                ring = [o + r * np.array([math.cos(t), math.sin(t), 0.0])
                        for t in np.linspace(0, 2 * math.pi, 25)]
                segs += list(zip(ring, ring[1:]))
            elif shape in ("angle", "right_angle"):
                p, v, q = pts
                r = self._angle_radius(p, v, q) if shape == "angle" else RIGHT_SIZE * 1.4
                u1, u2 = self._arm(v, p), self._arm(v, q)
                segs.append((self.at(v) + u1 * r, self.at(v) + self._bisector(p, v, q) * r))
                segs.append((self.at(v) + self._bisector(p, v, q) * r, self.at(v) + u2 * r))
        return segs

    def relayout(self, place: bool = True) -> None:
        """Texts that change (counts, degrees), their highlight, then (when the points moved,
        or with ``place``) every label where it touches least."""
        self.state = self.state_key()
        segs = self._segments() if place else []
        rects: list[Rect] = []
        for dot in self.dots.values():
            c = dot.get_center()
            rects.append((c[0] - 0.09, c[1] - 0.09, c[0] + 0.09, c[1] + 0.09))
        for slot in self.slots:
            content = slot.text()
            if content != slot.shown:
                if content.strip():
                    new = _text(content, slot.size, slot.colour)
                    if slot.fit_width is not None and new.width > slot.fit_width() > 0:
                        new.scale_to_fit_width(slot.fit_width())
                    new.move_to(slot.mob.get_center())
                    slot.mob.become(new)
                    slot.mob.kit_font = new.kit_font  # type: ignore[attr-defined]
                    slot.mob.original_text = content  # what QC's findings call it
                    slot.lit = 0.0
                slot.mob.set_opacity(1.0 if content.strip() else 0.0)
                slot.shown = content
            lit = self.glow(slot.glow)
            if abs(lit - slot.lit) > 1e-4:
                slot.mob.set_color(interpolate_color(ManimColor(slot.colour),
                                                     ManimColor(HIGHLIGHT), lit))
                slot.lit = lit
            if slot.fixed:
                slot.mob.move_to(slot.anchor())
            elif place:
                self._place(slot, slot.mob, rects, segs)
            reserve = slot.extra.get("reserve", ())
            if reserve:
                c = slot.mob.get_center()
                rects.append((c[0] - reserve[0] / 2, c[1] - reserve[1] / 2,
                              c[0] + reserve[0] / 2, c[1] + reserve[1] / 2))
            elif reserve is not None and slot.shown.strip():
                rects.append(rect(slot.mob))

    def _place(self, slot: _Slot, mob: Mobject, rects: list[Rect],
               segs: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """``mob`` (the slot's label) beside its anchor, clear of ``rects`` (other labels) and as
        clear as it can be of ``segs`` (the figure's lines)."""
        anchor = slot.anchor()
        reach = math.hypot(mob.width, mob.height) + GAP + 0.1
        near = [(p, q) for p, q in segs if _distance(anchor, p, q) < reach]
        close = [r for r in rects if r[0] - reach < anchor[0] < r[2] + reach
                 and r[1] - reach < anchor[1] < r[3] + reach]
        prefer = slot.prefer()
        # text over text is worse than text over a line: weigh the labels up, and when a label
        # still lands on one, hang it further out
        for gap in (GAP, GAP + 0.2, GAP + 0.45, GAP + 0.8):
            _place(mob, anchor, prefer=prefer, avoid_rects=close * 8, avoid_segments=near,
                   gap=gap, box=self.box)
            if not any(overlap(rect(mob), r) > 1e-4 for r in close):
                break

    def key_of(self, points: list[str], trackers: list[str]) -> Callable[[], tuple]:
        """What a part is drawn from: where its points are, and its trackers' values."""
        dots = [self.dots[n] for n in dict.fromkeys(points)]
        values = [self.trackers[t] for t in trackers if t in self.trackers]

        def key() -> tuple:
            return (tuple(round(float(v), 4) for d in dots for v in d.get_center()[:2]),
                    tuple(round(t.get_value(), 4) for t in values))
        return key

    @staticmethod
    def _tick(figure: "GeometryFigure") -> None:
        where, look = figure.state_key()
        if where != figure.state[0]:
            figure.relayout()
        elif look != figure.state[1]:
            figure.relayout(place=False)
    # -- angles --------------------------------------------------------------------------------
    def _arm(self, v: str, p: str) -> np.ndarray:
        return _xyz(_unit(self.at(p)[:2] - self.at(v)[:2]))

    def _bisector(self, p: str, v: str, q: str) -> np.ndarray:
        u1, u2 = self._arm(v, p), self._arm(v, q)
        b = u1 + u2
        if np.linalg.norm(b) < 1e-6:  # a straight angle: the left of the first arm
            b = np.array([-u1[1], u1[0], 0.0])
        return _xyz(_unit(b[:2]))

    def _degrees(self, p: str, v: str, q: str) -> float:
        u1, u2 = self._arm(v, p), self._arm(v, q)
        return math.degrees(math.atan2(abs(u1[0] * u2[1] - u1[1] * u2[0]),
                                       float(np.dot(u1, u2))))

    def _angle_radius(self, p: str, v: str, q: str) -> float:
        arms = min(np.linalg.norm(self.at(p) - self.at(v)), np.linalg.norm(self.at(q) -
                                                                         self.at(v)))
        wide = ANGLE_RADIUS * (1.4 if self._degrees(p, v, q) < 40 else 1.0)
        return float(min(wide, 0.45 * arms))

    # -- drawing ------------------------------------------------------------------------------
    def haloed(self, path: VMobject, keys: tuple[str, ...]) -> VGroup:
        """``path`` over a wide soft stroke of the highlight colour, as wide as the part is lit
        (and wider while it pulses): a highlight shows from across the room."""
        lit, pulse = self.glow(*keys), self.glow(*_pulses(keys))
        width = HALO * lit + PULSE * pulse
        halo = path.copy().set_fill(opacity=0).set_stroke(
            HIGHLIGHT, width=max(width, 1e-3), opacity=0.4 if width > 1e-3 else 0.0)
        return VGroup(halo, path)

    def _halo(self, name: str) -> _Live:
        """The soft disc under a point's dot that shows it lit."""
        keys = (f"glow:point:{name}",)

        def draw() -> VGroup:
            lit = max(self.glow(*keys), self.glow(*_pulses(keys)))
            return VGroup(Circle(radius=DOT_RADIUS * (1 + 2.5 * lit), stroke_width=0,
                                 fill_color=HIGHLIGHT, fill_opacity=0.5 if lit > 0.01 else 0.0)
                          .move_to(self.at(name)))
        return _Live(self.key_of([name], [*keys, *_pulses(keys)]), draw)

    def _colour(self, base: str, lit: float) -> ManimColor:
        return interpolate_color(ManimColor(base), ManimColor(HIGHLIGHT), lit)

    def _make(self, el: dict, index: int) -> list[tuple[VGroup, Mobject, Animation]]:
        """The parts of one element, made now (hidden until revealed), with how each appears."""
        shape, pts = el["shape"], el.get("points", [])
        names = part_names(el)
        key = f"el:{names[0]}" if names else None
        out: list[tuple[VGroup, Mobject, Animation]] = []

        def line_part(a: str, b: str, keys: tuple[str, ...]) -> _Live:
            def draw() -> VGroup:
                lit = self.glow(*keys)
                return self.haloed(Line(self.at(a), self.at(b),
                                        color=self._colour(LINE_COLOUR, lit),
                                        stroke_width=STROKE * (1 + 0.6 * lit)), keys)
            return _Live(self.key_of([a, b], [*keys, *_pulses(keys)]), draw)

        if shape == "segment":
            a, b = pts
            live = line_part(a, b, (f"glow:{side_key(a, b)}", f"glow:{key}"))
            self.parts.setdefault(side_key(a, b), live)
            self.parts.setdefault(key, live)
            out.append((self.lines, live, Create(live, lag_ratio=0)))
        elif shape == "polygon":
            def fill() -> VGroup:
                lit = self.glow(f"glow:{key}")
                return VGroup(Polygon(*[self.at(n) for n in pts], stroke_width=0,
                                      fill_color=palette.ACCENT, fill_opacity=0.12 + 0.2 * lit))
            body = _Live(self.key_of(pts, [f"glow:{key}"]), fill)
            sides = []
            for a, b in sides_of(el):
                live = line_part(a, b, (f"glow:{side_key(a, b)}", f"glow:{key}"))
                self.parts.setdefault(side_key(a, b), live)
                sides.append(live)
            whole = VGroup(body, *sides)
            self.parts.setdefault(key, whole)
            out.append((self.lines, whole, AnimationGroup(*[
                Create(s, lag_ratio=0) for s in sides], FadeIn(body), lag_ratio=0.2)))
        elif shape == "square":
            a, b = pts
            colour = SQUARE_COLOURS[sum(1 for e in self.everything[:index]
                                        if e["shape"] == "square") % len(SQUARE_COLOURS)]
            grow = self.trackers[f"grow:{names[0]}"]
            counter = self.trackers[f"count:{names[0]}"]
            grid = bool(el.get("grid"))

            def square() -> VGroup:
                lit = self.glow(f"glow:{key}")
                g = grow.get_value()
                pa, pb = self.at(a), self.at(b)
                corners = [_xyz(c) for c in square_corners(pa, pb, self.side_centre(
                    a, b, self.at), g)]
                body = Polygon(*corners, color=self._colour(colour, lit),
                               stroke_width=STROKE * (0.8 + 0.6 * lit), fill_color=colour,
                               fill_opacity=0.18 + 0.2 * lit)
                lines, cells = VGroup(), VGroup()
                if grid:
                    along = pb - pa
                    length = float(np.linalg.norm(along))
                    u = _xyz(_unit(along[:2])) * self.unit
                    n = corners[3] - corners[0]
                    depth = float(np.linalg.norm(n))
                    v = _xyz(_unit(n[:2])) * self.unit if depth > 1e-9 else 0 * u
                    steps = int(math.floor(length / self.unit + 1e-6))
                    for i in range(1, steps + 1):
                        if i * self.unit < length - 1e-6:
                            lines.add(Line(pa + u * i, pa + u * i + n, stroke_width=1.5,
                                           color=palette.MUTED))
                        if i * self.unit < depth - 1e-6:
                            lines.add(Line(pa + v * i, pb + v * i, stroke_width=1.5,
                                           color=palette.MUTED))
                    filled = int(math.floor(counter.get_value() + 1e-6))
                    for k in range(min(filled, steps * steps)):
                        row, col = divmod(k, steps)
                        base = pa + u * col + v * row
                        cells.add(Polygon(base, base + u, base + u + v, base + v,
                                          stroke_width=0, fill_color=colour,
                                          fill_opacity=0.55))
                return VGroup(body, lines, cells)

            live = _Live(self.key_of([a, b, *self._reference(a, b)], [
                f"glow:{key}", f"grow:{names[0]}", f"count:{names[0]}"]), square)
            self.parts.setdefault(key, live)
            slot = self.slot_of[index]
            out.append((self.squares, live, AnimationGroup(
                grow.animate.set_value(1.0), FadeIn(slot.mob), lag_ratio=0.6)))
            out.append((self.labels, slot.mob, None))
        elif shape == "circle":
            o = pts[0]

            def circle() -> VGroup:
                lit = self.glow(f"glow:{key}")
                r = el["radius"] * self.unit if el.get("radius") else \
                    float(np.linalg.norm(self.at(pts[1]) - self.at(o)))
                return self.haloed(Circle(radius=max(r, 1e-4),
                                          color=self._colour(palette.ACCENT, lit),
                                          stroke_width=STROKE * (0.8 + 0.6 * lit))
                                   .move_to(self.at(o)), (f"glow:{key}",))
            live = _Live(self.key_of(pts, [f"glow:{key}", f"pulse:{key}"]), circle)
            self.parts.setdefault(key, live)
            out.append((self.lines, live, Create(live, lag_ratio=0)))
        elif shape == "arc":
            o, p, q = pts

            def arc() -> VGroup:
                lit = self.glow(f"glow:{key}")
                d1, d2 = self.at(p) - self.at(o), self.at(q) - self.at(o)
                start = math.atan2(d1[1], d1[0])
                sweep = (math.atan2(d2[1], d2[0]) - start) % (2 * math.pi) or 2 * math.pi
                return self.haloed(Arc(radius=max(float(np.linalg.norm(d1)), 1e-4),
                                       start_angle=start, angle=sweep, arc_center=self.at(o),
                                       color=self._colour(palette.ACCENT, lit),
                                       stroke_width=STROKE * (0.8 + 0.6 * lit)),
                                   (f"glow:{key}",))
            live = _Live(self.key_of(pts, [f"glow:{key}", f"pulse:{key}"]), arc)
            self.parts.setdefault(key, live)
            out.append((self.lines, live, Create(live, lag_ratio=0)))
        elif shape in ("angle", "right_angle"):
            p, v, q = pts

            def mark() -> VGroup:
                lit = self.glow(f"glow:{key}")
                colour = self._colour(palette.ACCENT_2, lit)
                width = STROKE * (0.8 + 0.6 * lit)
                u1, u2 = self._arm(v, p), self._arm(v, q)
                at = self.at(v)
                if shape == "right_angle":
                    s = min(RIGHT_SIZE, 0.3 * min(np.linalg.norm(self.at(p) - at),
                                                  np.linalg.norm(self.at(q) - at)))
                    corner = VMobject(color=colour, stroke_width=width)
                    corner.set_points_as_corners([at + u1 * s, at + (u1 + u2) * s, at + u2 * s])
                    return self.haloed(corner, (f"glow:{key}",))
                r = self._angle_radius(p, v, q)
                start = math.atan2(u1[1], u1[0])
                sweep = math.atan2(u1[0] * u2[1] - u1[1] * u2[0], float(np.dot(u1, u2)))
                return self.haloed(Arc(radius=r, start_angle=start, angle=sweep, arc_center=at,
                                       color=colour, stroke_width=width), (f"glow:{key}",))
            live = _Live(self.key_of(pts, [f"glow:{key}", f"pulse:{key}"]), mark)
            self.parts.setdefault(key, live)
            out.append((self.marks, live, Create(live, lag_ratio=0)))
            if index in self.slot_of:
                slot = self.slot_of[index]
                out.append((self.labels, slot.mob, FadeIn(slot.mob)))
        elif shape == "ticks":
            count = int(el.get("marks", 1))

            def ticks() -> VGroup:
                group = VGroup()
                for a, b in el["sides"]:
                    pa, pb = self.at(a), self.at(b)
                    mid, along = (pa + pb) / 2, self._arm(a, b)
                    across = np.array([-along[1], along[0], 0.0])
                    for k in range(count):
                        c = mid + along * TICK_SPACING * (k - (count - 1) / 2)
                        group.add(Line(c - across * TICK_LENGTH / 2, c + across * TICK_LENGTH / 2,
                                       color=LINE_COLOUR, stroke_width=STROKE * 0.75))
                return self.haloed(group, (f"glow:{key}",))
            key = f"el:ticks {index}"
            live = _Live(self.key_of([n for side in el["sides"] for n in side],
                                     [f"glow:{key}", f"pulse:{key}"]), ticks)
            out.append((self.marks, live, Create(live, lag_ratio=0)))
        elif shape == "shade":
            def shade() -> VGroup:
                lit = self.glow(f"glow:{key}")
                return VGroup(Polygon(*[self.at(n) for n in pts], stroke_width=0,
                                      fill_color=self._colour(SHADE_COLOUR, lit),
                                      fill_opacity=0.35 + 0.2 * lit))
            live = _Live(self.key_of(pts, [f"glow:{key}"]), shade)
            self.parts.setdefault(key, live)
            out.append((self.fills, live, GrowFromCenter(live)))
        elif shape == "label":
            if len(pts) == 2:
                slot = self.slot_of[index]
                out.append((self.labels, slot.mob, FadeIn(slot.mob, scale=0.6)))
            # a point's text: its name label changes when the step plays (see do())
        return out

    # -- steps ---------------------------------------------------------------------------------
    def enter(self) -> list[Animation]:
        """The header's construction drawn: its lines (with the dots), then squares and shaded
        regions, then marks, then labels, each phase starting as the one before is half done."""
        order = [self.lines, self.dots_layer, self.fills, self.squares, self.marks, self.labels]
        phase = {id(self.lines): 0, id(self.dots_layer): 0, id(self.fills): 1,
                 id(self.squares): 1, id(self.marks): 2, id(self.labels): 3}
        phases: dict[int, list[Animation]] = {}
        for layer in order:  # within a phase, lines first: the figure is seen drawing at once
            for where, _, anim in self.first:
                if where is layer and anim is not None:
                    phases.setdefault(phase[id(layer)], []).append(anim)
        groups = [AnimationGroup(*phases[k], lag_ratio=0.15) for k in sorted(phases)]
        return [_Reveal(self, [(layer, part) for layer, part, _ in self.first], *groups,
                        lag_ratio=0.5, linear=True)]

    def do(self, step: dict[str, Any]) -> list[Animation]:
        """A step's animations, in one group on the figure (so a value tracker driving it never
        joins the scene on its own)."""
        op = step["op"]
        joins: list[tuple[VGroup, Mobject]] = []
        if op == "draw":
            el = step["element"]
            index = self.drawn_count
            self.drawn_count += 1
            if el["shape"] == "label" and len(el["points"]) == 1:
                anims = self._rename(el["points"][0], el["text"])
                anims.append(self._pulse(f"point:{el['points'][0]}"))
            else:
                made = self.made[index]
                joins = [(layer, part) for layer, part, _ in made]
                anims = [anim for _, _, anim in made if anim is not None]
                if el["shape"] in ("angle", "right_angle", "ticks"):  # too small to watch drawn:
                    anims = anims[1:]  # it is there at once, and its glow swells (below)
                # a small mark, or a label, swells as it appears (or what it names does)
                if el["shape"] == "label":
                    anims.append(self._pulse(side_key(*el["points"])))
                elif el["shape"] in ("angle", "right_angle"):
                    anims.append(self._pulse(f"el:{part_names(el)[0]}"))
                elif el["shape"] == "ticks":
                    anims.append(self._pulse(f"el:ticks {index}"))
        elif op == "point":
            name = step["point"]
            self.now[name] = np.array(step["at"], float)
            slot = self.vertex[name]
            joins = [(self.dots_layer, self.halos[name]), (self.dots_layer, self.dots[name]),
                     (self.labels, slot.mob)]
            anims = [GrowFromCenter(self.dots[name]), FadeIn(slot.mob),
                     self._pulse(f"point:{name}")]
        elif op == "move":
            anims = self._move(step["point"], np.array(step["at"], float))
        elif op == "highlight":
            keys = {self.aliases[t] for t in step["targets"]}
            anims = [self.trackers[f"glow:{k}"].animate.set_value(0.0) for k in self.lit - keys]
            anims += [self.trackers[f"glow:{k}"].animate.set_value(1.0) for k in keys - self.lit]
            if not anims:  # already lit: flash them again
                anims = [Indicate(self.parts[k], color=HIGHLIGHT) for k in keys if k in self.parts]
            self.lit = keys
        elif op == "count":
            a, b = step["side"]
            el = next(e for e in self.everything if e["shape"] == "square"
                      and set(e["points"]) == {a, b})
            n = int(round(float(np.linalg.norm(self.now[a] - self.now[b]))))
            anims = [self.trackers[f"count:{part_names(el)[0]}"].animate.set_value(float(n * n))]
        else:
            raise ValueError(f"unknown geometry step {op!r}")
        return [_Reveal(self, joins, *anims, linear=True)]

    def _pulse(self, key: str) -> Animation:
        """A part swells and settles back (a label is being put on it)."""
        return UpdateFromAlphaFunc(self.trackers[f"pulse:{key}"], lambda tracker, alpha: tracker
                                   .set_value(math.sqrt(max(math.sin(math.pi * alpha), 0.0))))

    def _rename(self, name: str, text: str) -> list[Animation]:
        """A point's label becomes ``text``."""
        slot = self.vertex[name]
        new = _text(text, slot.size, slot.colour)
        slot.text = lambda t=text: t
        slot.shown = text
        others = [rect(s.mob) for s in self.slots if s is not slot and s.mob in self.labels
                  and s.shown.strip()]
        self._place(slot, new, others, self._segments())
        slot.mob.kit_font = new.kit_font  # type: ignore[attr-defined]
        slot.mob.original_text = text
        return [Transform(slot.mob, new)]

    def _move(self, name: str, to: np.ndarray) -> list[Animation]:
        before = dict(self.now)
        self.now[name] = to
        anims: list[Animation] = [self.dots[name].animate.move_to(self.frame(to))]
        for el in self.everything:
            if el["shape"] != "square" or name not in el["points"]:
                continue
            a, b = el["points"]
            counter = self.trackers[f"count:{part_names(el)[0]}"]
            if counter.get_value() > 0 and abs(np.linalg.norm(before[a] - before[b])
                                               - np.linalg.norm(self.now[a] - self.now[b])) > 1e-9:
                anims.append(counter.animate.set_value(0.0))  # the count no longer holds
        return anims



def build(data: dict[str, Any], box: Box | None = None) -> GeometryFigure:
    return GeometryFigure(data, box)
