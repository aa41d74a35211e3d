"""A flow figure: boxes joined by arrows, laid out in layers (each box one layer past the
longest path to it; arrows that close a cycle turned round for the layering; the order inside a
layer sorted by the neighbours' places to cross fewer arrows). An arrow that skips layers runs
through a free slot in each layer it crosses, so no arrow crosses a box; labels are placed
where they touch nothing.

    f = kit.figure({"kind": "flow", "direction": "right",
                    "boxes": [{"name": "A", "text": ""}, {"name": "B", "text": ""}],
                    "arrows": [{"source": "A", "target": "B", "label": ""}],
                    "steps": [{"op": "trace", "boxes": ["A", "B"], "arrows": []}]})
    self.play(*f.enter())
    self.play(*f.step(1))
"""

from __future__ import annotations

from typing import Any

import numpy as np
from manim import (
    BOLD, DOWN, NORMAL, Animation, Create, Dot, FadeIn, Indicate, Polygon, RoundedRectangle, ShowPassingFlash,
    Transform, VGroup, VMobject, Write,
)

from flaming_horse.figure_rules import layers
from flaming_horse.scene_kit import palette
from flaming_horse.scene_kit.figure import Figure
from flaming_horse.scene_kit.labels import place, rect
from flaming_horse.scene_kit.layout import Box, body_area, char_width, fit, text_block

ARROW = "->"
SIZES = (30.0, 27.0, 24.0, 22.0)  # box text sizes tried, largest first
LABEL_SIZE = 22.0
PAD = 0.22  # inside a box, left and right of its text
PAD_Y = 0.18  # above and below it
GAP_ACROSS = 0.45  # between boxes side by side in a layer
SLOT = 0.4  # the room an arrow passing through a layer takes
TIP = 0.2  # arrow tip length
LIT = "#4A3A22"  # a lit box's fill




def _crossings(order: list[list[Any]], links: list[tuple[Any, Any]]) -> int:
    """Arrow segments that cross between neighbouring layers."""
    spots = {node: (k, i) for k, nodes in enumerate(order) for i, node in enumerate(nodes)}
    by_layer: dict[int, list[tuple[int, int]]] = {}
    for a, b in links:
        (la, pa), (lb, pb) = spots[a], spots[b]
        if la > lb:
            pa, pb, la = pb, pa, lb
        by_layer.setdefault(la, []).append((pa, pb))
    count = 0
    for segments in by_layer.values():
        for i in range(len(segments)):
            for j in range(i + 1, len(segments)):
                (a1, b1), (a2, b2) = segments[i], segments[j]
                if (a1 - a2) * (b1 - b2) < 0:
                    count += 1
    return count


def arrange(names: list[str], arrows: list[tuple[str, str]]) -> tuple[
        list[list[Any]], dict[tuple[str, str], list[Any]]]:
    """The layers, each an ordered list of boxes and of passing slots (``(a, b, layer)``), and
    each arrow's route: its boxes and the slots between them."""
    layer, _ = layers(names, arrows)
    depth = max(layer.values()) + 1
    order: list[list[Any]] = [[n for n in names if layer[n] == k] for k in range(depth)]
    routes: dict[tuple[str, str], list[Any]] = {}
    links: list[tuple[Any, Any]] = []
    for a, b in arrows:
        step = 1 if layer[b] > layer[a] else -1
        route: list[Any] = [a]
        for k in range(layer[a] + step, layer[b], step):
            slot = (a, b, k)
            order[k].append(slot)
            route.append(slot)
        route.append(b)
        routes[(a, b)] = route
        links += list(zip(route, route[1:]))

    def neighbours(node: Any, k: int) -> list[int]:
        spots = {n: (j, i) for j, nodes in enumerate(order) for i, n in enumerate(nodes)}
        found = []
        for a, b in links:
            for x, y in ((a, b), (b, a)):
                if x == node and spots[y][0] == k:
                    found.append(spots[y][1])
        return found

    best = [list(nodes) for nodes in order]
    best_count = _crossings(order, links)
    for sweep in range(4):  # barycentre sweeps, down then up
        ks = range(1, depth) if sweep % 2 == 0 else range(depth - 2, -1, -1)
        for k in ks:
            side = k - 1 if sweep % 2 == 0 else k + 1
            current = {node: i for i, node in enumerate(order[k])}

            def key(node: Any) -> float:
                spots = neighbours(node, side)
                return sum(spots) / len(spots) if spots else float(current[node])

            order[k].sort(key=lambda n: (key(n), current[n]))
        count = _crossings(order, links)
        if count < best_count:
            best, best_count = [list(nodes) for nodes in order], count
    return best, routes


class FlowFigure(Figure):
    """``boxes`` (name -> VGroup(frame, text)), ``arrows`` ((a, b) -> VGroup(line, tip)),
    ``labels`` ((a, b) -> text) and ``dot``, the tracer."""

    def __init__(self, data: dict[str, Any], box: Box | None = None) -> None:
        box = box or body_area()
        self.down = data.get("direction") == "down"
        self.names = [b["name"] for b in data["boxes"]]
        texts = {b["name"]: b["text"] for b in data["boxes"]}
        pairs = [(a["source"], a["target"]) for a in data["arrows"]]
        label_of = {(a["source"], a["target"]): a["label"] for a in data["arrows"]}
        order, self.routes = arrange(self.names, pairs)
        depth = len(order)
        across = max(sum(1 for n in nodes if isinstance(n, str)) for nodes in order)
        labels = {p: text_block(t, size=LABEL_SIZE, width=1.8, color=palette.MUTED,
                                align="center", max_lines=2)
                  for p, t in label_of.items() if t}
        # along the flow, the gap after layer k leaves room for the labels placed in it
        gaps = [0.6 if self.down else 0.9] * max(depth - 1, 0)
        self.label_gap: dict[tuple[str, str], int] = {}
        for pair, label in labels.items():
            first, second = self.routes[pair][:2]
            k = min(self._layer_of(first, order), self._layer_of(second, order))
            self.label_gap[pair] = k
            need = label.height + 0.35 if self.down else label.width + 0.5
            gaps[k] = max(gaps[k], need)
        for size in SIZES:
            word = max(len(w) for n, t in texts.items() for w in f"{n} {t}".split()) + 1
            if self.down:  # boxes side by side: wide and low
                width = min(6.0, (box.width - (across - 1) * GAP_ACROSS) / max(across, 1))
            else:
                width = min(3.2, (box.width - sum(gaps)) / depth)
            width = max(width - 2 * PAD, word * char_width(size))
            lines = 2 if self.down else 3
            self.texts = {n: _content(n, texts[n], size, width, lines) for n in self.names}
            bw = max(1.3, max(t.width for t in self.texts.values()) + 2 * PAD)
            bh = max(0.75, max(t.height for t in self.texts.values()) + 2 * PAD_Y)
            along, side = (bh, bw) if self.down else (bw, bh)
            extent_across = max(sum(side + GAP_ACROSS if isinstance(n, str) else SLOT
                                    for n in nodes) for nodes in order)
            extent_along = depth * along + sum(gaps)
            w, h = (extent_across, extent_along) if self.down else (extent_along, extent_across)
            if w <= box.width and h <= box.height:
                break
        self.bw, self.bh, self.along, self.side = bw, bh, along, side
        # places: u along the flow, v across it
        self.place_of: dict[Any, tuple[float, float]] = {}
        starts = [sum(gaps[:k]) + k * along for k in range(depth)]
        for k, nodes in enumerate(order):
            sizes = [side if isinstance(n, str) else SLOT for n in nodes]
            total = sum(sizes) + GAP_ACROSS * sum(1 for n in nodes if isinstance(n, str)) \
                - GAP_ACROSS
            v = -total / 2
            for node, size_ in zip(nodes, sizes):
                self.place_of[node] = (starts[k], v + size_ / 2)
                v += size_ + (GAP_ACROSS if isinstance(node, str) else 0)
        self.boxes: dict[str, VGroup] = {}
        for name in self.names:
            frame = RoundedRectangle(corner_radius=0.14, width=bw, height=bh,
                                     stroke_color=palette.ACCENT, stroke_width=3,
                                     fill_color=palette.CARD, fill_opacity=1)
            frame.move_to(self._xy(*self.place_of[name]))
            self.texts[name].move_to(frame)
            self.boxes[name] = VGroup(frame, self.texts[name])
        self.ways = self._route_points(pairs)
        self.arrows: dict[tuple[str, str], VGroup] = {p: self._arrow(self.ways[p])
                                                      for p in pairs}
        self.labels: dict[tuple[str, str], Any] = {}
        placed: list[tuple[float, float, float, float]] = []
        segments = [(a, b) for pts in self.ways.values() for a, b in zip(pts, pts[1:])]
        # a label over a box is worse than one over an arrow: boxes count four times, with
        # a margin round them
        frames = [(x0 - 0.06, y0 - 0.06, x1 + 0.06, y1 + 0.06)
                  for x0, y0, x1, y1 in (rect(b[0]) for b in self.boxes.values())] * 4
        for pair, label in labels.items():
            pts = self.ways[pair]
            a, b = pts[0], pts[1]  # in the gap after its first box, made wide enough
            d = (b - a) / max(float(np.linalg.norm(b - a)), 1e-9)
            normal = np.array([-d[1], d[0], 0.0])
            across = 0 if self.down else 1  # a slanting arrow: its label on the outer side
            if abs(d[across]) > 0.05:
                normal *= 1 if normal[across] * d[across] > 0 else -1
            elif normal[1 - across] * (1 if self.down else -1) < 0:
                normal = -normal  # straight: above it, or to its right going down
            place(label, (a + b) / 2, prefer=normal, avoid_rects=frames + placed,
                  avoid_segments=segments, gap=0.08)
            placed.append(rect(label))
            self.labels[pair] = label
        self.dot = Dot(radius=0.09, color=palette.ACCENT_2).set_opacity(0)
        self.dot.move_to(self.boxes[self.names[0]])
        super().__init__(data, *self.arrows.values(), *self.labels.values(),
                         *self.boxes.values(), self.dot)
        for name, group in self.boxes.items():
            self.parts[f"box {name}"] = group
        for (a, b), arrow in self.arrows.items():
            self.parts[f"arrow {a} {ARROW} {b}"] = arrow
        for (a, b), label in self.labels.items():
            self.parts[f"label {a} {ARROW} {b}"] = label
        fit(self, box)
        self.ways = {pair: self.points_now(pair) for pair in pairs}  # as fitted
        self.plain = {key: mob.copy() for key, mob in self._items().items()}
        self._hide(data.get("steps", []))
        self.lit: set[str] = set()

    # -- layout ----------------------------------------------------------------------------------
    @staticmethod
    def _layer_of(node: Any, order: list[list[Any]]) -> int:
        return next(k for k, nodes in enumerate(order) if node in nodes)

    def _xy(self, u: float, v: float) -> np.ndarray:
        return np.array([v, -u, 0.0]) if self.down else np.array([u, -v, 0.0])

    def _route_points(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], list]:
        """Each arrow's corners, from a port on its first box's side to one on its last's; the
        arrows meeting one side of a box are spread along it, sorted by where they come from."""
        ends: dict[tuple[str, int], list[tuple[float, tuple[str, str], str]]] = {}
        for pair in pairs:
            route = self.routes[pair]
            for end, nxt, which in ((route[0], route[1], "start"), (route[-1], route[-2], "end")):
                u, v = self.place_of[end]
                nu, nv = self.place_of[nxt]
                ends.setdefault((end, 1 if nu > u else -1), []).append((nv, pair, which))
        ports: dict[tuple[tuple[str, str], str], np.ndarray] = {}
        for (name, facing), found in ends.items():
            u, v = self.place_of[name]
            found.sort(key=lambda f: (f[0], f[1]))
            n = len(found)
            for i, (_, pair, which) in enumerate(found):
                offset = (i + 1) / (n + 1) * 0.7 * self.side - 0.35 * self.side
                ports[(pair, which)] = np.array([u + facing * self.along / 2, v + offset])
        points: dict[tuple[str, str], list] = {}
        for pair in pairs:
            route = self.routes[pair]
            uv = [ports[(pair, "start")]]
            for slot in route[1:-1]:
                u, v = self.place_of[slot]
                facing = 1 if self.place_of[route[-1]][0] > u else -1
                uv += [np.array([u - facing * self.along / 2, v]),
                       np.array([u + facing * self.along / 2, v])]
            uv.append(ports[(pair, "end")])
            points[pair] = [self._xy(float(u), float(v)) for u, v in uv]
        return points

    def _arrow(self, pts: list[np.ndarray], color: str = palette.MUTED) -> VGroup:
        end, before = pts[-1], pts[-2]
        d = (end - before) / max(float(np.linalg.norm(end - before)), 1e-9)
        normal = np.array([-d[1], d[0], 0.0])
        line = VMobject(stroke_color=color, stroke_width=4)
        line.set_points_as_corners([*pts[:-1], end - d * TIP * 0.9])
        tip = Polygon(end, end - d * TIP + normal * TIP * 0.45, end - d * TIP - normal * TIP * 0.45,
                      stroke_width=0, fill_color=color, fill_opacity=1)
        return VGroup(line, tip)

    # -- states --------------------------------------------------------------------------------
    def _items(self) -> dict[str, Any]:
        found: dict[str, Any] = {f"box {n}": g for n, g in self.boxes.items()}
        found.update({f"arrow {a} {ARROW} {b}": g for (a, b), g in self.arrows.items()})
        found.update({f"label {a} {ARROW} {b}": g for (a, b), g in self.labels.items()})
        return found

    def _hide(self, steps: list[dict[str, Any]]) -> None:
        """What a later step reveals starts hidden (an arrow, until both its boxes show)."""
        when: dict[str, int] = {}
        for k, step in enumerate(steps, start=1):
            if step["op"] == "reveal":
                for name in step["boxes"]:
                    when[f"box {name}"] = k
                for ref in step["arrows"]:
                    a, b = (p.strip() for p in ref.split(ARROW))
                    when[f"arrow {a} {ARROW} {b}"] = k
        for a, b in self.arrows:
            key = f"arrow {a} {ARROW} {b}"
            when.setdefault(key, max(when.get(f"box {a}", 0), when.get(f"box {b}", 0)))
            when[f"label {a} {ARROW} {b}"] = when[key]
        self.reveal_at = {key: k for key, k in when.items() if k > 0}
        for key in self.reveal_at:
            self._hidden_state(key)

    def _hidden_state(self, key: str) -> None:
        mob = self._items()[key]
        if key.startswith("arrow"):
            line, tip = mob
            start = line.get_start()
            line.set_points_as_corners([start, start + 1e-3 * (line.get_end() - start)])
            tip.scale(0.01).move_to(start)
        else:
            mob.scale(0.7)
        mob.set_opacity(0)

    def _lit(self, key: str, on: bool) -> Any:
        """A copy of item ``key`` lit (or plain)."""
        target = self.plain[key].copy()
        if on and key.startswith("box"):
            target[0].set_stroke(palette.ACCENT_2).set_fill(LIT, opacity=1)
        elif on and key.startswith("arrow"):
            target[0].set_stroke(palette.ACCENT_2)
            target[1].set_fill(palette.ACCENT_2)
        return target

    def _restyle(self, key: str, on: bool) -> list[Animation]:
        """Item ``key`` lit or back to plain: a box's frame, an arrow's line and tip."""
        mob, target = self._items()[key], self._lit(key, on)
        if key.startswith("box"):
            return [Transform(mob[0], target[0])]
        return [Transform(mob, target)]

    # -- steps ---------------------------------------------------------------------------------
    def enter(self) -> list[Animation]:
        anims: list[Animation] = [Animation(self)]  # the figure joins the scene as one
        hidden = set(getattr(self, "reveal_at", {}))
        for key, mob in self._items().items():
            if key in hidden:
                continue
            if key.startswith("box"):
                anims += [Create(mob[0]), Write(mob[1])]
            elif key.startswith("arrow"):
                anims.append(Create(mob))
            else:
                anims.append(FadeIn(mob))
        return anims

    def _relight(self, keep: set[str]) -> list[Animation]:
        """What the step before lit and this one does not, back to plain."""
        anims = [a for key in sorted(self.lit - keep) for a in self._restyle(key, False)]
        self.lit &= keep
        return anims

    def do(self, step: dict[str, Any]) -> list[Animation]:
        op = step["op"]
        arrows = [f"arrow {a.strip()} {ARROW} {b.strip()}"
                  for a, b in (ref.split(ARROW) for ref in step["arrows"])]
        boxes = [f"box {n}" for n in step["boxes"]]
        if op == "reveal":
            keys = [key for key, k in self.reveal_at.items() if k == self._k]
            return [Transform(self._items()[key], self._lit(key, key in self.lit))
                    for key in keys]
        if op == "highlight":
            keys = set(boxes + arrows)
            anims = self._relight(keys)
            for key in sorted(keys - self.lit):
                anims += self._restyle(key, True)
            for key in boxes:
                anims.append(Indicate(self._items()[key][1], color=palette.ACCENT_2,
                                      scale_factor=1.06))
            for key in arrows:
                flash = self._items()[key][0].copy().set_stroke(palette.ACCENT_2, width=8)
                anims.append(ShowPassingFlash(flash, time_width=0.6))
            self.lit |= keys
            return anims
        path = step["boxes"]
        keys = {f"box {n}" for n in path} | {f"arrow {a} {ARROW} {b}"
                                             for a, b in zip(path, path[1:])}
        anims = self._relight(keys)
        anims.append(_Trace(self, path))
        self.lit |= keys
        return anims

    def step(self, k: int) -> list[Animation]:
        self._k = k  # which reveal this is
        return super().step(k)

    def trace_points(self, path: list[str]) -> tuple[list[np.ndarray], list[tuple[int, str]]]:
        """The dot's way along ``path`` (over the arrows, round the boxes between them) and
        where on it each box and arrow is reached (index of the corner)."""
        pts: list[np.ndarray] = []
        reach: list[tuple[int, str]] = []
        for a, b in zip(path, path[1:]):
            way = list(self.points_now((a, b)))
            if pts:
                around = _around(self.boxes[a][0], pts[-1], way[0])
                pts += around
            else:
                reach.append((0, f"box {a}"))
            reach.append((len(pts), f"arrow {a} {ARROW} {b}"))
            pts += way
            reach.append((len(pts) - 1, f"box {b}"))
        return pts, reach

    def points_now(self, pair: tuple[str, str]) -> list[np.ndarray]:
        """Arrow ``pair``'s corners as drawn now (after fitting)."""
        line = self.arrows[pair][0]
        corners = [line.points[0]] + [line.points[i] for i in range(3, len(line.points), 4)]
        tip = self.arrows[pair][1]
        corners[-1] = tip.get_vertices()[0]
        return [np.array(c, dtype=float) for c in corners]  # copies: the arrow may change


def _content(name: str, text: str, size: float, width: float, lines: int) -> VGroup:
    """What a box shows: its name, and under it (smaller) its text when it has one."""
    title = text_block(name, size=size, width=width, align="center", max_lines=lines,
                       weight=BOLD if text else NORMAL)
    if not text:
        return VGroup(title)
    note = text_block(text, size=max(palette.MIN_FONT_SIZE, size - 6), width=width,
                      align="center", max_lines=lines, color=palette.MUTED)
    return VGroup(title, note).arrange(DOWN, buff=0.08)


def _around(frame: Any, p: np.ndarray, q: np.ndarray) -> list[np.ndarray]:
    """From ``p`` to ``q`` (both on ``frame``'s edge) along the edge, the shorter way."""
    x0, y0, x1, y1 = rect(frame)
    corners = [np.array([x0, y0, 0.0]), np.array([x1, y0, 0.0]), np.array([x1, y1, 0.0]),
               np.array([x0, y1, 0.0])]
    w, h = x1 - x0, y1 - y0
    perimeter = 2 * (w + h)

    def t(point: np.ndarray) -> float:
        x, y = float(np.clip(point[0], x0, x1)), float(np.clip(point[1], y0, y1))
        d = [abs(y - y0), abs(x - x1), abs(y - y1), abs(x - x0)]
        side = int(np.argmin(d))
        return [x - x0, w + y - y0, w + h + x1 - x, 2 * w + h + y1 - y][side]

    tp, tq = t(p), t(q)
    ahead = (tq - tp) % perimeter
    marks = [0.0, w, w + h, 2 * w + h]
    if ahead <= perimeter / 2:
        passed = [i for i in range(4) if 0 < (marks[i] - tp) % perimeter < ahead]
        passed.sort(key=lambda i: (marks[i] - tp) % perimeter)
    else:
        behind = perimeter - ahead
        passed = [i for i in range(4) if 0 < (tp - marks[i]) % perimeter < behind]
        passed.sort(key=lambda i: (tp - marks[i]) % perimeter)
    return [corners[i] for i in passed]


class _Trace(Animation):
    """The dot travels along a path of arrows at an even speed, lighting each box and arrow as
    it reaches them; it fades in at the start and out on arrival."""

    def __init__(self, figure: FlowFigure, path: list[str], **kwargs: Any) -> None:
        super().__init__(figure, **kwargs)
        self.figure = figure
        self.path = path

    def begin(self) -> None:
        pts, self.reach = self.figure.trace_points(self.path)
        self.pts = np.array(pts)
        lengths = np.linalg.norm(np.diff(self.pts, axis=0), axis=1)
        self.cum = np.concatenate([[0.0], np.cumsum(lengths)])
        self.done: set[str] = set()
        super().begin()

    def interpolate_mobject(self, alpha: float) -> None:
        t = float(np.clip(alpha, 0, 1))
        t = t * t * (3 - 2 * t) * 0.3 + t * 0.7  # nearly even speed, soft ends
        far = t * self.cum[-1]
        i = int(np.clip(np.searchsorted(self.cum, far, side="right") - 1, 0, len(self.pts) - 2))
        span = max(self.cum[i + 1] - self.cum[i], 1e-9)
        where = self.pts[i] + (self.pts[i + 1] - self.pts[i]) * (far - self.cum[i]) / span
        dot = self.figure.dot
        dot.move_to(where)
        dot.set_opacity(float(min(1.0, t / 0.05, (1 - t) / 0.06 + 0.0)) if t < 1 else 0.0)
        for index, key in self.reach:
            if key not in self.done and self.cum[index] <= far + 1e-9:
                self.done.add(key)
                mob, lit = self.figure._items()[key], self.figure._lit(key, True)
                for part, new in zip(mob, lit):
                    part.match_style(new)


def build(data: dict[str, Any], box: Box | None = None) -> FlowFigure:
    return FlowFigure(data, box)
