"""A vectors figure: a coordinate plane with basis and named vectors, and 2x2 matrices applied to
the whole plane, as manim's LinearTransformationScene does, inside one figure (a VGroup) that
stays in its box: the moving grid is clipped to the plane's frame, a faint copy of the first
grid stays behind it, and the matrix, its determinant and notes sit in a card beside the plane.

Everything on the plane is kept in grid coordinates ``c`` and drawn at ``M @ c`` (``M`` the
matrices applied since the last reset); a step moves ``M`` (and the vectors' ``c``) from one
state to the next in one animation, interpolating linearly as ApplyMatrix does.

    f = kit.figure({"kind": "vectors", "basis": True, "vectors": [...], "steps": [...]})
    self.play(*f.enter())
    self.play(*f.step(1))
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from manim import (
    BOLD, DOWN, LEFT, RIGHT, UP, Animation, Rectangle, RoundedRectangle, Text,
    UpdateFromAlphaFunc, VGroup, VMobject,
)

from flaming_horse.scene_kit import labels, palette
from flaming_horse.scene_kit.figure import Figure
from flaming_horse.scene_kit.layout import Box, body_area, fit, tag_font, text_block

ASPECT = 4 / 3  # the plane's width over its height (authoring/figures/vectors.py has the same)
MIN_AUTO_RANGE = 3.0
I_COLOR = palette.GOOD
J_COLOR = "#F27C8C"
COLORS = [palette.ACCENT_2, "#C792EA", "#F2E45E", palette.ACCENT, "#5EF2C8", "#F29E5E",
          "#9EB8F2", "#E0E0E0"]
GRID_COLOR = "#3D6E9E"
EIGEN_COLOR = "#F2E45E"
AREA_COLOR = palette.ACCENT_2
LABEL_SIZE = 28
HELPER_OPACITY = 0.85
CARD_SIZE = 24
NOTE_SIZE = 22
CARD_WIDTH = 4.0
GAP = 0.35
TEXT_WEIGHT = 8  # a label over a label costs this many times more than over a line
MAX_LINES = 60  # grid lines per direction at most (a nearly flat matrix packs them densely)

Pose = Callable[[float], None]


def auto_range(extent: float) -> float:
    return float(max(MIN_AUTO_RANGE, math.ceil(extent + 0.5)))


def num(x: float) -> str:
    """A number as a teacher writes it: 2, 0.5, −1.25 (a real minus sign)."""
    x = 0.0 if abs(x) < 5e-10 else x
    text = str(int(round(x))) if abs(x - round(x)) < 1e-9 else f"{round(x, 2):g}"
    return text.replace("-", "\u2212")


def _clip(p: np.ndarray, d: np.ndarray, r: float, ry: float) -> tuple | None:
    """The part of the line p + s d inside [-r, r] x [-ry, ry] (Liang-Barsky), or None."""
    lo, hi = -math.inf, math.inf
    for pk, dk, bound in ((p[0], d[0], r), (p[1], d[1], ry)):
        if abs(dk) < 1e-12:
            if abs(pk) > bound:
                return None
            continue
        a, b = (-bound - pk) / dk, (bound - pk) / dk
        lo, hi = max(lo, min(a, b)), min(hi, max(a, b))
    if hi - lo < 1e-9:
        return None
    return p + lo * d, p + hi * d


@dataclass
class _Thing:
    """A vector, or a tip-to-tail helper: an arrow from ``M @ tail`` to ``M @ tip``."""

    name: str
    color: str
    tail: np.ndarray
    tip: np.ndarray
    arrow: VMobject
    label: Text | None
    group: VGroup
    opacity: float = 1.0
    off: np.ndarray = field(default_factory=lambda: np.zeros(3))  # label centre - anchor
    tag: bool = False  # a coordinates tag (no arrow): stale once the plane moves again
    start: np.ndarray | None = None  # where its label travels in from (frame units)


class _Steady(UpdateFromAlphaFunc):
    """A step that moves at a steady pace to its end (easing out gently), whatever rate
    function the scene plays it with: a plane that glides the whole time its words are
    spoken, rather than jumping and then standing still (QC counts still holds)."""

    def interpolate_mobject(self, alpha: float) -> None:
        t = min(1.0, max(0.0, float(alpha)))
        self.update_function(self.mobject, 1 - (1 - t) ** 2)


@dataclass
class _Eigen:
    """An eigen-direction: a line through the origin (fixed: it stays while its matrix is
    applied), and its eigenvalue's label, placed once."""

    line: VMobject
    text: Text
    direction: np.ndarray
    placed: bool = False


def _padded(mob, pad: float = 0.08) -> tuple[float, float, float, float]:
    """The box of ``mob`` grown by ``pad``: labels keep that far apart."""
    x0, y0, x1, y1 = labels.rect(mob)
    return x0 - pad, y0 - pad, x1 + pad, y1 + pad


def _coordinates(v: _Thing) -> list[tuple]:
    """The grid lines through a vector's tip, x = its x and y = its y (where it is read)."""
    x, y = v.tip
    return [((x, 0.0), (0.0, 1.0), v.color), ((0.0, y), (1.0, 0.0), v.color)]


def _path_clear(mob, start: np.ndarray, end: np.ndarray, others: list) -> bool:
    """Whether ``mob`` travelling from ``start`` to ``end`` stays clear of ``others`` (boxes)
    over the second half of its way (the first half runs over the card and the plane's
    edge, away from the plane's labels)."""
    half = np.array([mob.width / 2, mob.height / 2, 0.0])
    for g in np.linspace(0.4, 1.0, 13):
        c = (1 - g) * start + g * end
        r = (c[0] - half[0], c[1] - half[1], c[0] + half[0], c[1] + half[1])
        if any(labels.overlap(r, o) > 0 for o in others):
            return False
    return True


def _box_at(mob, centre: np.ndarray, pad: float = 0.05) -> tuple[float, float, float, float]:
    """The box ``mob`` would have centred on ``centre``, grown by ``pad``."""
    w, h = mob.width / 2 + pad, mob.height / 2 + pad
    return centre[0] - w, centre[1] - h, centre[0] + w, centre[1] + h


def _clamp(mob, box: Box) -> None:
    """Shift ``mob`` into ``box`` (a label the placement left poking out of the plane)."""
    x0, y0, x1, y1 = labels.rect(mob)
    dx = max(box.left - x0, 0.0) - max(x1 - box.right, 0.0)
    dy = max(box.bottom - y0, 0.0) - max(y1 - box.top, 0.0)
    mob.shift(np.array([dx, dy, 0.0]))


def _fade(mob, a: float) -> None:
    """Set ``mob``'s opacity to ``a`` times what it was made with (fill and stroke apart, so
    an open outline does not fill in)."""
    for part in mob.family_members_with_points():
        base = getattr(part, "fh_base", None)
        if base is None:
            base = part.fh_base = (part.get_fill_opacity(), part.get_stroke_opacity())
        part.set_fill(opacity=base[0] * a)
        part.set_stroke(opacity=base[1] * a)


class VectorsFigure(Figure):
    """``parts``: each vector by name ('i', 'j' for the basis), 'card' (the matrix card)."""

    def __init__(self, data: dict[str, Any], box: Box | None = None) -> None:
        box = box or body_area()
        self.r = float(data.get("range") or auto_range(extent(data)))
        self.ry = self.r / ASPECT
        steps = data.get("steps", [])
        has_card = any(s["op"] in ("apply", "eigen", "area") for s in steps)
        card_w = min(CARD_WIDTH, box.width * 0.32) if has_card else 0.0
        gap = GAP if has_card else 0.0
        width = min(box.width - card_w - gap, box.height * ASPECT)
        height = width / ASPECT
        left = box.center[0] - (width + gap + card_w) / 2
        centre = np.array([left + width / 2, box.center[1], 0.0])
        self.frame = Rectangle(width=width, height=height, stroke_color=palette.AXES,
                               stroke_width=1.5).move_to(centre)
        self.backdrop = self._static_grid()
        self.grid = VMobject(stroke_color=GRID_COLOR, stroke_width=1.6)
        self.axes = VMobject(stroke_color=palette.TEXT, stroke_width=2.2)
        self.area = VMobject(stroke_color=AREA_COLOR, stroke_width=2, fill_color=AREA_COLOR,
                             fill_opacity=0.0, stroke_opacity=0.0)
        super().__init__(data, self.frame, self.backdrop, self.grid, self.axes)
        self.m = np.eye(2)
        self.last: np.ndarray | None = None  # the matrix last applied
        self.area_on = False
        self.things: dict[str, _Thing] = {}
        self.helpers: list[_Thing] = []  # tip-to-tail pieces
        self.eigen: list[_Eigen] = []
        self.eigen_of: np.ndarray | None = None
        self.card_box = Box(left + width + gap, left + width + gap + card_w,
                            centre[1] - height / 2, centre[1] + height / 2)
        self.card = VGroup()
        self.card_text = VGroup()
        self.notes: list[str] = []
        self.card_matrix: np.ndarray | None = None
        self.card_cols: list[np.ndarray] | None = None  # centres of the card's two columns
        if has_card:
            back = RoundedRectangle(corner_radius=0.15, width=card_w, height=height,
                                    fill_color=palette.CARD, fill_opacity=1, stroke_width=0)
            self.card = VGroup(back.move_to(self.card_box.center))
            self.card.set_opacity(0)
            self.parts["card"] = self.card
        colours = iter(COLORS)
        if data.get("basis"):
            self._vector("i", [1, 0], "\u00ee", I_COLOR)
            self._vector("j", [0, 1], "\u0135", J_COLOR)
        for v in data.get("vectors", []):
            self._vector(v["name"], v["at"], v.get("label"), next(colours))
        for s in steps:  # every vector exists now, so a highlight can name it before it shows
            if s["op"] in ("draw", "sum"):
                name = s.get("vector") or "+".join(s["of"])
                self._vector(name, s.get("at") or [0, 0], s.get("label"), next(colours))
        self.shown = [name for name in self.things if name in ("i", "j")
                      or name in {v["name"] for v in data.get("vectors", [])}]
        self.add(*(self.things[name].group for name in self.shown))
        if has_card:
            self.add(self.card)
        fit(self, box)  # it fits already: this only checks, and centres it in the box
        self.card_box = Box(*self._span(self.card[0])) if has_card else self.card_box
        self._pose_grid(self.m, 1.0)
        self._settle()

    # -- geometry ------------------------------------------------------------------------------
    @property
    def unit(self) -> float:
        return self.frame.width / (2 * self.r)

    @property
    def origin(self) -> np.ndarray:
        return self.frame.get_center()

    def screen(self, p: np.ndarray) -> np.ndarray:
        return self.origin + self.unit * np.array([p[0], p[1], 0.0])

    def _plane_box(self, inset: float = 0.05) -> Box:
        x0, y0, x1, y1 = labels.rect(self.frame)
        return Box(x0 + inset, x1 - inset, y0 + inset, y1 - inset)

    @staticmethod
    def _span(mob) -> tuple[float, float, float, float]:
        x0, y0, x1, y1 = labels.rect(mob)
        return x0, x1, y0, y1

    def _static_grid(self) -> VGroup:
        faint = VMobject(stroke_color=palette.AXES, stroke_width=1, stroke_opacity=0.35)
        axes = VMobject(stroke_color=palette.AXES, stroke_width=1.6, stroke_opacity=0.6)
        self._lines(faint, axes, np.eye(2), 1.0, origin=self.frame.get_center(),
                    unit=self.frame.width / (2 * self.r))
        return VGroup(faint, axes)

    def _lines(self, grid: VMobject, axes: VMobject, n: np.ndarray, grow: float,
               origin: np.ndarray | None = None, unit: float | None = None) -> None:
        """Draw the grid lines x = k and y = k as mapped by ``n`` into ``grid`` (k = 0 into
        ``axes``), clipped to the plane; ``grow`` < 1 draws each line that share from its
        middle (the grid being drawn)."""
        origin = self.origin if origin is None else origin
        unit = self.unit if unit is None else unit
        r, ry = self.r, self.ry
        corners = np.array([[-r, -ry], [r, -ry], [r, ry], [-r, ry]]).T
        bound = int(math.ceil(max(r, ry))) + 1
        if abs(np.linalg.det(n)) > 1e-6:
            back = np.linalg.solve(n, corners)
            ranges = [(math.floor(back[k].min()), math.ceil(back[k].max())) for k in (0, 1)]
        else:
            ranges = [(-bound, bound)] * 2
        segments: dict[bool, list] = {True: [], False: []}
        for family in (0, 1):  # lines of constant x (family 0), then of constant y
            lo, hi = ranges[family]
            lo, hi = max(lo, -MAX_LINES // 2), min(hi, MAX_LINES // 2)
            along = n[:, 1 - family]
            if np.linalg.norm(along) < 1e-9:
                continue
            for k in range(lo, hi + 1):
                clipped = _clip(k * n[:, family], along, r, ry)
                if clipped is None:
                    continue
                p, q = clipped
                if grow < 1:
                    mid = (p + q) / 2
                    p, q = mid + (p - mid) * grow, mid + (q - mid) * grow
                segments[k == 0].append((p, q))
        for mob, key in ((grid, False), (axes, True)):
            mob.clear_points()
            for p, q in segments[key]:
                mob.start_new_path(origin + unit * np.array([p[0], p[1], 0.0]))
                mob.add_line_to(origin + unit * np.array([q[0], q[1], 0.0]))

    def _pose_grid(self, n: np.ndarray, grow: float = 1.0) -> None:
        self._lines(self.grid, self.axes, n, grow)
        if self.area_on:
            square = [n @ np.array(c, float) for c in ((0, 0), (1, 0), (1, 1), (0, 1), (0, 0))]
            self.area.set_points_as_corners([self.screen(p) for p in square])

    def _arrow(self, thing: _Thing, start: np.ndarray, end: np.ndarray) -> None:
        """The arrow of ``thing`` from world point ``start`` to ``end``: a filled outline."""
        s, e = self.screen(start), self.screen(end)
        d = e - s
        length = float(np.linalg.norm(d))
        if length < 1e-4:
            thing.arrow.set_points_as_corners([s, s + 1e-4 * RIGHT, s + 1e-4 * UP, s])
            return
        d /= length
        normal = np.array([-d[1], d[0], 0.0])
        tip = min(0.34, 0.45 * length)
        half_tip, half = tip * 0.55, 0.048
        base = e - d * tip
        thing.arrow.set_points_as_corners([
            s + normal * half, base + normal * half, base + normal * half_tip, e,
            base - normal * half_tip, base - normal * half, s - normal * half,
            s + normal * half])

    # -- parts ---------------------------------------------------------------------------------
    def _text(self, text: str, color: str, size: float = LABEL_SIZE) -> Text:
        return tag_font(Text(text, font=palette.FONT, font_size=size, color=color,
                             weight=BOLD), size)

    def _vector(self, name: str, at, label: str | None, color: str) -> _Thing:
        arrow = VMobject(fill_color=color, fill_opacity=1, stroke_width=0)
        text = self._text(label or name, color)
        thing = _Thing(name, color, np.zeros(2), np.array(at, float), arrow, text,
                       VGroup(arrow, text))
        self.things[name] = thing
        self.parts[name] = thing.group
        return thing

    def _helper(self, tail, tip, color: str, label: str | None) -> _Thing:
        arrow = VMobject(fill_color=color, fill_opacity=HELPER_OPACITY, stroke_width=0)
        text = self._text(label, color, LABEL_SIZE - 2) if label else None
        group = VGroup(arrow, *([text] if text else []))
        thing = _Thing("", color, np.array(tail, float), np.array(tip, float), arrow, text,
                       group, opacity=HELPER_OPACITY)
        return thing

    def _anchor(self, thing: _Thing, n: np.ndarray) -> np.ndarray:
        """Where a thing's label hangs: a vector's tip, a helper's middle (in frame units)."""
        if thing.name:
            return self.screen(n @ thing.tip)
        return self.screen(n @ (thing.tail + thing.tip) / 2)

    def _placed(self, n: np.ndarray, things: list[_Thing]) -> dict[int, np.ndarray]:
        """Label offsets for ``things`` drawn with ``n``: each clear of the labels placed
        before it (eigenvalue labels first, placed once), of every arrow and eigen line,
        inside the plane."""
        arrows = [(self.screen(n @ t.tail), self.screen(n @ t.tip)) for t in things]
        lines = []
        for e in self.eigen:
            ends = _clip(np.zeros(2), e.direction, self.r, self.ry)
            if ends:
                lines.append((self.screen(ends[0]), self.screen(ends[1])))
        for column in (0, 1):  # the axes as they are mapped
            ends = _clip(np.zeros(2), n[:, column], self.r, self.ry)
            if ends:
                lines.append((self.screen(ends[0]), self.screen(ends[1])))
        plane = self._plane_box(0.1)
        rects = [_padded(e.text) for e in self.eigen if e.placed]
        for e in self.eigen:
            if e.placed:
                continue
            ends = _clip(np.zeros(2), e.direction, self.r, self.ry)
            if not ends:
                continue
            end = max(ends, key=lambda p: (round(p[0], 6), p[1]))
            labels.place(e.text, self.screen(end * 0.85),
                         prefer=np.array([-e.direction[1], e.direction[0], 0.0]),
                         avoid_rects=rects * TEXT_WEIGHT, avoid_segments=arrows + lines,
                         box=plane)
            _clamp(e.text, plane)
            rects.append(_padded(e.text))
            e.placed = True
        placed: dict[int, np.ndarray] = {}
        for t, own in zip(things, arrows):
            if t.label is None:
                continue
            anchor = self._anchor(t, n)
            direction = own[1] - own[0]
            if not t.name:  # a helper: its label beside it, not at its ends
                direction = np.array([-direction[1], direction[0], 0.0])
            probe = t.label.copy()
            labels.place(probe, anchor, prefer=direction, avoid_rects=rects * TEXT_WEIGHT,
                         avoid_segments=arrows + lines + [own], box=plane)
            _clamp(probe, plane)
            rects.append(_padded(probe))
            placed[id(t)] = probe.get_center() - anchor
        return placed

    def _visible(self) -> list[_Thing]:
        return [self.things[n] for n in self.shown] + self.helpers

    def _settle(self) -> None:
        """Put every shown thing where the state says, labels placed (no animation)."""
        offsets = self._placed(self.m, self._visible())
        for t in self._visible():
            self._arrow(t, self.m @ t.tail, self.m @ t.tip)
            if t.label is not None:
                t.off = offsets[id(t)]
                t.label.move_to(self._anchor(t, self.m) + t.off)

    # -- the card ------------------------------------------------------------------------------
    def _card_lines(self, title: str, matrix: np.ndarray | None, notes: list[str]) -> VGroup:
        box = self.card_box
        width = box.width - 0.4
        parts: list = [text_block(title, size=CARD_SIZE + 2, width=width, color=palette.ACCENT,
                                  max_lines=2)]
        if matrix is not None:
            parts.append(self._matrix(matrix))
        for note in notes:
            parts.append(text_block(note, size=NOTE_SIZE, width=width, color=palette.TEXT,
                                    max_lines=3))
        column = VGroup(*parts).arrange(DOWN, buff=0.3, aligned_edge=LEFT)
        if column.height > box.height - 0.4:
            column.scale_to_fit_height(box.height - 0.4)
        column.move_to(np.array([box.left + 0.2 + column.width / 2,
                                 box.top - 0.25 - column.height / 2, 0.0]))
        return column

    def _matrix(self, matrix: np.ndarray) -> VGroup:
        """The matrix in brackets, its columns in i-hat's and j-hat's colours (each column is
        where that basis vector lands)."""
        cells = [[self._text(num(matrix[r][c]), (I_COLOR, J_COLOR)[c], CARD_SIZE + 4)
                  for c in (0, 1)] for r in (0, 1)]
        col_w = max(cell.width for row in cells for cell in row) + 0.35
        row_h = max(cell.height for row in cells for cell in row) + 0.25
        for r in (0, 1):
            for c in (0, 1):
                cells[r][c].move_to(np.array([(c + 0.5) * col_w, -(r + 0.5) * row_h, 0.0]))
        height, width = 2 * row_h, 2 * col_w
        brackets = VGroup()
        for x, hook in ((0.0, 0.12), (width, -0.12)):
            b = VMobject(stroke_color=palette.TEXT, stroke_width=2.5, fill_opacity=0)
            b.set_points_as_corners([np.array([x + hook, 0, 0]), np.array([x, 0, 0]),
                                     np.array([x, -height, 0]), np.array([x + hook, -height, 0])])
            brackets.add(b)
        return VGroup(brackets, *cells[0], *cells[1])

    def _notes(self, matrix: np.ndarray | None, m: np.ndarray) -> list[str]:
        notes: list[str] = []
        if matrix is not None:
            det = float(np.linalg.det(matrix))
            det = 0.0 if abs(det) < 1e-9 else det
            if det == 0:
                onto = "a point" if np.allclose(matrix, 0) else "a line"
                notes.append(f"det = 0: the plane collapses onto {onto}")
            elif det < 0:
                notes.append(f"det = {num(det)}: the plane flips over")
            else:
                notes.append(f"det = {num(det)}")
        if self.area_on:
            notes.append(f"shaded area = {num(abs(float(np.linalg.det(m))))}")
        if self.eigen_of is not None:
            notes += _eigen_note(self.eigen_of)
        return notes

    def _card(self, title: str, matrix: np.ndarray | None, m: np.ndarray) -> tuple:
        """The card's new text (added, invisible) and its old text (to fade out), for the
        plane ``m`` after the step."""
        old = self.card_text
        self.notes = [title, *self._notes(matrix, m)]  # what the card says now
        new = self._card_lines(title, matrix, self.notes[1:])
        _fade(new, 1.0)  # remember the opacities it is made with
        _fade(new, 0.0)
        self.card.add(new)
        self.card_text = new
        self.card_matrix = matrix
        self.card_cols = None if matrix is None else [
            VGroup(*new[1].submobjects[1:][k::2]).get_center() for k in (0, 1)]
        return old, new

    # -- animation -----------------------------------------------------------------------------
    def _animate(self, pose: Pose) -> list[Animation]:
        return [_Steady(self, lambda _, a: pose(float(a)))]

    def enter(self) -> list[Animation]:
        """The frame and grid drawn from their middles, then the vectors growing."""
        shown = self._visible()
        for t in shown:
            self._arrow(t, np.zeros(2), np.zeros(2))
            if t.label is not None:
                t.label.set_opacity(0)
        self._pose_grid(self.m, 0.0)
        self.backdrop.set_stroke(opacity=0)

        def pose(a: float) -> None:
            grow = min(1.0, a / 0.55)
            self._pose_grid(self.m, grow)
            self.backdrop[0].set_stroke(opacity=0.35 * grow)
            self.backdrop[1].set_stroke(opacity=0.6 * grow)
            self.frame.set_stroke(opacity=grow)
            out = max(0.0, (a - 0.45) / 0.55)
            for t in shown:
                self._arrow(t, np.zeros(2), out * (self.m @ t.tip))
                if t.label is not None:
                    t.label.set_opacity(out)
        return self._animate(pose)

    def do(self, step: dict[str, Any]) -> list[Animation]:
        return getattr(self, f"_{step['op']}")(step)

    def _move(self, m1: np.ndarray, *, tips: dict[str, np.ndarray] | None = None,
              appear: list[_Thing] = (), windows: dict[int, tuple] | None = None,
              card: tuple | None = None, eigen_in: list[_Eigen] = (),
              eigen_out: list[_Eigen] = (), area_in: bool = False,
              relabel: tuple | None = None, glow: list[tuple] = (),
              keep: Callable[[_Thing], bool] = lambda t: False) -> list[Animation]:
        """One step, as one animation: the plane from ``self.m`` to ``m1`` and vectors to new
        ``tips`` (grid coordinates); ``appear``: things growing in (``windows``: id -> (from,
        to, slide): the share of the step each takes, and a tail it slides in from); the
        tip-to-tail pieces of an earlier step fade (unless ``keep`` them), the card's text
        changes, eigen lines come and go, the unit square's shading appears; ``glow``: grid
        lines (point, direction, colour in grid coordinates, or ``True`` fourth: in the fixed
        plane's) that light up and fade again while the step runs (the coordinates being
        read, the line a vector stretches on)."""
        m0, tips, windows = self.m.copy(), dict(tips or {}), dict(windows or {})
        gone = [t for t in self.helpers if not keep(t)]
        self.helpers = [t for t in self.helpers if keep(t)]
        moving = [t for t in self._visible() if t not in appear]
        before = {id(t): (t.tip.copy(), t.off.copy()) for t in moving}
        for t in moving:
            if t.name in tips:
                t.tip = np.array(tips[t.name], float)
        for t in appear:
            if t.name:
                self.shown.append(t.name)
            else:
                self.helpers.append(t)
            self.add(t.group)
            self._arrow(t, np.zeros(2), np.zeros(2))
            if t.label is not None:
                t.label.set_opacity(0)
        if relabel is not None:
            thing, old = relabel
            thing.label.set_opacity(0).move_to(old)
        self.m = m1
        for e in eigen_in:
            e.line.set_stroke(opacity=0)
            e.text.set_opacity(0)
        offsets = self._placed(m1, self._visible())
        for t in self._visible():
            if t.label is not None:
                t.off = offsets[id(t)]
        for e in eigen_in:
            self.add(e.line, e.text)
        if area_in:
            self.area_on = True
            self.submobjects.insert(self.submobjects.index(self.axes) + 1, self.area)
            self._pose_grid(m0)
        lights = []
        for point, direction, colour, *world in glow:
            n = np.eye(2) if world and world[0] else m1
            ends = _clip(n @ np.asarray(point, float), n @ np.asarray(direction, float),
                         self.r, self.ry)
            if ends is None:
                continue
            light = VMobject(stroke_color=colour, stroke_width=4, stroke_opacity=0)
            light.set_points_as_corners([self.screen(ends[0]), self.screen(ends[1])])
            lights.append(light)
        if lights:
            self.submobjects[self.submobjects.index(self.axes) + 1:
                             self.submobjects.index(self.axes) + 1] = lights

        def anchor(t: _Thing, n: np.ndarray, tip: np.ndarray) -> np.ndarray:
            return self.screen(n @ (tip if t.name else (t.tail + tip) / 2))

        def where(t: _Thing, a: float) -> np.ndarray:
            """The centre of ``t``'s label at ``a`` (moving labels ride on their tips)."""
            if t not in moving:
                return anchor(t, m1, t.tip) + t.off
            tip0, off0 = before[id(t)]
            return anchor(t, (1 - a) * m0 + a * m1, (1 - a) * tip0 + a * t.tip) \
                + (1 - a) * off0 + a * t.off

        # a label that would cross another on its way fades out while it does (then back in)
        dips: dict[int, tuple[float, float]] = {}
        riding = [t for t in moving if t.label is not None
                  and not (relabel is not None and t is relabel[0])]
        others = [t for t in self._visible() if t.label is not None]
        fixed = [_padded(e.text) for e in self.eigen]
        for a in np.linspace(0.05, 0.95, 19):
            boxes = {id(t): _box_at(t.label, where(t, a)) for t in others}
            for t in riding:
                mine = boxes[id(t)]
                if any(labels.overlap(mine, boxes[id(o)]) > 0 for o in others if o is not t) \
                        or any(labels.overlap(mine, r) > 0 for r in fixed):
                    lo, hi = dips.get(id(t), (a, a))
                    dips[id(t)] = (min(lo, a), max(hi, a))

        def pose(a: float) -> None:
            n = (1 - a) * m0 + a * m1
            # text going and text coming are never both shown: one may stand where the other was
            out, inn = max(0.0, 1 - a / 0.45), min(1.0, max(0.0, (a - 0.55) / 0.45))
            if not np.allclose(m0, m1):
                self._pose_grid(n)
            if area_in:
                self.area.set_fill(opacity=0.3 * a).set_stroke(opacity=a)
            for light in lights:  # on at once (the step shows on its word), then fading
                light.set_stroke(opacity=0.6 * min(1.0, a / 0.1, (1 - a) / 0.35))
            for t in moving:
                tip0, off0 = before[id(t)]
                tip = (1 - a) * tip0 + a * t.tip
                self._arrow(t, n @ t.tail, n @ tip)
                if t.label is not None:
                    t.label.move_to(anchor(t, n, tip) + (1 - a) * off0 + a * t.off)
                if id(t) in dips:
                    lo, hi = dips[id(t)]
                    t.label.set_opacity(min(1.0, max(0.0, (lo - a) / 0.1, (a - hi) / 0.1)))
            for t in appear:
                lo, hi, slide = windows.get(id(t), (0.0, 1.0, None))
                g = min(1.0, max(0.0, (a - lo) / (hi - lo)))
                if slide is None:
                    self._arrow(t, n @ t.tail, n @ (t.tail + g * (t.tip - t.tail)))
                else:  # the whole arrow travels, its tail from ``slide`` to its own
                    shift = (1 - g) * (np.asarray(slide, float) - t.tail)
                    self._arrow(t, n @ (t.tail + shift), n @ (t.tip + shift))
                t.arrow.set_fill(opacity=t.opacity if g > 0 else 0.0)
                if t.label is not None and t.start is not None:  # lifts off and travels in
                    end = anchor(t, m1, t.tip) + t.off
                    t.label.move_to((1 - g) * t.start + g * end)
                    t.label.set_opacity(min(1.0, g / 0.2))
                elif t.label is not None:
                    t.label.move_to(anchor(t, m1, t.tip) + t.off)
                    t.label.set_opacity(g ** 2)
            for t in gone:
                _fade(t.group, out)
            for e in eigen_out:
                e.line.set_stroke(opacity=1 - a)
                e.text.set_opacity(out)
            for e in eigen_in:
                ends = _clip(np.zeros(2), e.direction, self.r, self.ry)
                if ends:
                    e.line.set_points_as_corners([self.screen(a * ends[0]),
                                                  self.screen(a * ends[1])])
                e.line.set_stroke(opacity=min(1.0, 2 * a))
                e.text.set_opacity(inn)
            if relabel is not None:
                thing, old = relabel
                old.move_to(thing.label.get_center()).set_opacity(out)
                thing.label.set_opacity(inn)
            if card is not None:
                old_text, new_text = card
                back = self.card[0]
                back.set_fill(opacity=max(back.get_fill_opacity(), min(1.0, 3 * a)))
                _fade(old_text, out)
                _fade(new_text, inn)
            if a >= 1:  # the end: what faded out leaves the figure
                self.remove(*lights)
                for t in gone:
                    self.remove(t.group)
                for e in eigen_out:
                    self.remove(e.line, e.text)
                if card is not None and card[0] in self.card.submobjects:
                    self.card.remove(card[0])
                if relabel is not None and relabel[1] in relabel[0].group.submobjects:
                    relabel[0].group.remove(relabel[1])
        return self._animate(pose)

    # -- the steps -----------------------------------------------------------------------------
    def _draw(self, step: dict[str, Any]) -> list[Animation]:
        v = self.things[step["vector"]]
        return self._move(self.m, appear=[v], glow=_coordinates(v))

    def _sum(self, step: dict[str, Any]) -> list[Animation]:
        """A copy of the second vector slides to the first one's tip, then the sum grows."""
        a, b = (self.things[n] for n in step["of"])
        result = self.things[step.get("vector") or "+".join(step["of"])]
        result.tip = a.tip + b.tip
        piece = self._helper(a.tip, a.tip + b.tip, b.color, None)
        return self._move(self.m, appear=[piece, result], glow=_coordinates(result),
                          windows={id(piece): (0.0, 0.5, np.zeros(2)),
                                   id(result): (0.5, 1.0, None)})

    def _combine(self, step: dict[str, Any]) -> list[Animation]:
        """x i-hat along, then y j-hat up from there: tip to tail onto the vector's tip."""
        v = self.things[step["vector"]]
        x, y = v.tip
        pieces = []
        if abs(x) > 1e-9:
            pieces.append(self._helper([0, 0], [x, 0], I_COLOR, f"{num(x)}\u00ee"))
        if abs(y) > 1e-9:
            pieces.append(self._helper([x, 0], [x, y], J_COLOR, f"{num(y)}\u0135"))
        share = 1 / max(1, len(pieces))
        windows = {id(p): (k * share, (k + 1) * share, None) for k, p in enumerate(pieces)}
        return self._move(self.m, appear=pieces, windows=windows, glow=_coordinates(v))

    def _scale(self, step: dict[str, Any]) -> list[Animation]:
        v = self.things[step["vector"]]
        relabel = None
        if step.get("label") and v.label is not None:
            old, v.label = v.label, self._text(step["label"], v.color)
            v.group.add(v.label)
            relabel = (v, old)
        span = [(np.zeros(2), v.tip, v.color)] if np.linalg.norm(v.tip) > 1e-9 else []
        return self._move(self.m, tips={v.name: v.tip * float(step["factor"])},
                          relabel=relabel, glow=span)  # it stays on its line

    def _apply(self, step: dict[str, Any]) -> list[Animation]:
        a = np.array(step["matrix"], float)
        self.last = a
        eigen_out: list[_Eigen] = []
        if self.eigen_of is not None and not np.allclose(a, self.eigen_of):
            eigen_out, self.eigen, self.eigen_of = self.eigen, [], None
        card = self._card(step.get("label") or "the matrix", a, a @ self.m)
        return self._move(a @ self.m, card=card, eigen_out=eigen_out,
                          keep=lambda t: not t.tag)

    def _eigen(self, step: dict[str, Any]) -> list[Animation]:
        a = np.array(step["matrix"], float) if step.get("matrix") else self.last
        eigen_out = self.eigen
        values, directions = _eigen(a)
        self.eigen = [_Eigen(VMobject(stroke_color=EIGEN_COLOR, stroke_width=3.5),
                             self._text(f"\u03bb = {num(value)}", EIGEN_COLOR, LABEL_SIZE - 2),
                             direction)
                      for value, direction in zip(values if isinstance(values, list) else [],
                                                  directions)]
        self.eigen_of = a
        title = step.get("label") or ("the matrix" if step.get("matrix") is None
                                      else "eigen-directions")
        card = self._card(title, a, self.m)
        return self._move(self.m, card=card, eigen_in=self.eigen, eigen_out=eigen_out,
                          keep=lambda t: True)

    def _columns(self, step: dict[str, Any]) -> list[Animation]:
        """Where i-hat and j-hat landed, as coordinates at their tips: the matrix's columns,
        travelling from the card when it shows this matrix."""
        tags = []
        for k in (0, 1):
            column = self.m[:, k]
            e = np.eye(2)[k]
            tag = self._helper(e, e, (I_COLOR, J_COLOR)[k],
                               f"({num(column[0])}, {num(column[1])})")
            tag.opacity, tag.tag = 0.0, True
            tags.append(tag)
        # each landing point's coordinates, read on the plane as it was (the faint grid)
        glow = [((x, 0.0), (0.0, 1.0), colour, True) for x, colour in
                ((self.m[0, 0], I_COLOR), (self.m[0, 1], J_COLOR))] + \
               [((0.0, y), (1.0, 0.0), colour, True) for y, colour in
                ((self.m[1, 0], I_COLOR), (self.m[1, 1], J_COLOR))]
        anims = self._move(self.m, appear=tags, glow=glow,
            windows={id(tags[0]): (0.0, 0.65, None), id(tags[1]): (0.35, 1.0, None)})
        if self.card_cols is not None and np.allclose(self.card_matrix, self.m):
            others = [_padded(t.label) for t in self._visible() if t.label is not None
                      and t not in tags] + [_padded(e.text) for e in self.eigen]
            ends = [self._anchor(t, self.m) + t.off for t in tags]
            for k, (tag, start, end) in enumerate(zip(tags, self.card_cols, ends)):
                other = tags[1 - k].label.copy().move_to(ends[1 - k])  # where the other lands
                if _path_clear(tag.label, start, end, others + [_padded(other)]):
                    tag.start = start
        return anims

    def _area(self, step: dict[str, Any]) -> list[Animation]:
        self.area_on = True
        card = self._card("the matrix" if self.last is not None else "area", self.last, self.m)
        return self._move(self.m, card=card, area_in=True, keep=lambda t: True)

    def _reset(self, step: dict[str, Any]) -> list[Animation]:
        eigen_out, self.eigen, self.eigen_of = self.eigen, [], None
        self.last = None
        card = self._card("back to the start", np.eye(2), np.eye(2))
        return self._move(np.eye(2), card=card, eigen_out=eigen_out)


def _eigen_note(matrix: np.ndarray) -> list[str]:
    values, _ = _eigen(matrix)
    if values is None:
        return ["no real eigen-directions: every line turns"]
    if isinstance(values, float):
        return ["every direction stays on its line:", f"\u03bb = {num(values)}"]
    return ["these lines stay put:", *(f"\u03bb = {num(v)}" for v in values)]


def _eigen(matrix: np.ndarray) -> tuple[Any, list[np.ndarray]]:
    """(eigenvalues, unit directions): a list of the real ones with distinct directions;
    a float when every direction is one (a multiple of the identity); None when none is
    real."""
    a = np.asarray(matrix, float)
    if np.allclose(a, a[0, 0] * np.eye(2)):
        return float(a[0, 0]), []
    trace, det = float(np.trace(a)), float(np.linalg.det(a))
    if trace * trace - 4 * det < -1e-9:
        return None, []
    values, vectors = np.linalg.eig(a)
    found: list[tuple[float, np.ndarray]] = []
    for k in range(2):
        value, direction = float(np.real(values[k])), np.real(vectors[:, k])
        direction = direction / np.linalg.norm(direction)
        if any(abs(direction[0] * d[1] - direction[1] * d[0]) < 1e-6 for _, d in found):
            continue  # the same direction twice (a shear): one line
        found.append((value, direction))
    found.sort(key=lambda f: -f[0])
    return [v for v, _ in found], [d for _, d in found]


def extent(data: dict[str, Any]) -> float:
    """How far out the figure reaches at any step (max of |x| and ASPECT * |y|), as the
    authoring side's trace() measures it, so the plane's auto range matches."""
    coords: dict[str, np.ndarray] = {}
    if data.get("basis"):
        coords.update(i=np.array([1.0, 0.0]), j=np.array([0.0, 1.0]))
    for v in data.get("vectors", []):
        coords[v["name"]] = np.array(v["at"], float)
    m = np.eye(2)
    points: list[np.ndarray] = [m @ c for c in coords.values()]
    for s in data.get("steps", []):
        op = s["op"]
        if op == "draw":
            coords[s["vector"]] = np.array(s["at"], float)
        elif op == "sum":
            a, b = (coords[n] for n in s["of"])
            coords[s.get("vector") or "+".join(s["of"])] = a + b
            points.append(m @ a)
        elif op == "scale":
            coords[s["vector"]] = coords[s["vector"]] * float(s["factor"])
        elif op == "combine":
            points.append(m @ np.array([coords[s["vector"]][0], 0.0]))
        elif op == "apply":
            m = np.array(s["matrix"], float) @ m
        elif op == "reset":
            m = np.eye(2)
        points += [m @ c for c in coords.values()]
    return max((max(abs(p[0]), ASPECT * abs(p[1])) for p in points), default=0.0)


def build(data: dict[str, Any], box: Box | None = None) -> VectorsFigure:
    return VectorsFigure(data, box)


__all__ = ["VectorsFigure", "build", "num", "extent"]
