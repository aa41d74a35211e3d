"""A graph figure: named nodes in circles, edges (directed, weighted), laid out by manim's Graph
layouts (spring with a fixed seed, circular, tree from a root, kamada_kawai, planar), and the
steps of a search: visit nodes, highlight edges, walk a path, show the queue (or stack), write
labels beside nodes (distances). Built from a storyboard's data:

    g = kit.figure({"kind": "graph", "nodes": ["A", "B", "C"],
                    "edges": [{"a": "A", "b": "B"}, {"a": "A", "b": "C"}],
                    "steps": [{"op": "visit", "nodes": ["A"]}]})
    self.play(*g.enter())
    self.play(*g.step(1))

Parts: ``g.part("A")`` (a node: circle and name), ``g.part("A-B")`` (an edge), ``g.part("queue")``
(the list beside the graph, when a step shows one).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from manim import (
    BOLD, DOWN, RIGHT, UP, Animation, AnimationGroup, Arrow, Circle, Create, Ellipse,
    FadeIn, FadeOut, GrowFromCenter, Indicate, LaggedStart, Line, Mobject, RoundedRectangle,
    Text, Transform, UpdateFromAlphaFunc, VGroup, VMobject,
)
from manim import Graph as _ManimGraph
from manim.animation.animation import prepare_animation

from flaming_horse.figure_rules import components
from flaming_horse.scene_kit import palette
from flaming_horse.scene_kit.figure import Figure
from flaming_horse.scene_kit.labels import Rect, place, rect
from flaming_horse.scene_kit.layout import Box, body_area, fit, tag_font

SEED = 1  # the spring layout's seed: the same script draws the same graph
EDGE = palette.AXES
VISITED_FILL = palette.ACCENT_2
FRONTIER = palette.ACCENT_2
PATH = palette.GOOD
MAX_RADIUS = 0.45  # frame units: nodes never grow larger than this
MIN_RADIUS = 0.27  # nor smaller (the name must stay readable)
LONGEST_EDGE = 3.0  # a small graph is not blown up to fill a wide frame
LEVEL_GAP, LEAF_GAP = 1.9, 2.4  # nor a small tree: its levels and its leaves this far apart
BAND = 0.95  # height of the queue (or stack) band under the graph
MARGIN_X, MARGIN_Y = 0.7, 0.55  # room around the layout for weights and labels


def layout_positions(nodes: list[str], edges: list[tuple[str, str]], layout: str,
                     root: str | None) -> np.ndarray:
    """Node positions (n x 2, unscaled) from manim's Graph layouts; ``auto`` is a tree from
    the first node for a tree, kamada_kawai for another connected graph, else spring."""
    n = len(nodes)
    if n == 1:
        return np.zeros((1, 2))
    if layout == "auto":
        layout = "tree" if root or _is_tree(nodes, edges) else \
            "kamada_kawai" if _connected(nodes, edges) else "spring"
    config: dict[str, Any] = {}
    if layout == "spring":
        config = {"seed": SEED}
    kwargs: dict[str, Any] = {}
    if layout == "tree":
        kwargs["root_vertex"] = root or nodes[0]
    graph = _ManimGraph(nodes, edges, layout=layout, layout_config=config, **kwargs)
    return np.array([graph[v].get_center()[:2] for v in nodes], dtype=float)




def _connected(nodes: list[str], edges: list[tuple[str, str]]) -> bool:
    return components(nodes, edges) == 1


def _is_tree(nodes: list[str], edges: list[tuple[str, str]]) -> bool:
    pairs = {frozenset(e) for e in edges}
    return len(pairs) == len(nodes) - 1 and _connected(nodes, edges)


class GraphFigure(Figure):
    """``nodes`` (name -> circle and name), ``edges`` ((a, b) -> line or arrow), ``weights``,
    and what the steps add: highlighted edges, labels beside nodes, the queue's items."""

    def __init__(self, data: dict[str, Any], box: Box | None = None) -> None:
        box = box or body_area()
        self.box = box
        names: list[str] = list(data["nodes"])
        edge_data = list(data.get("edges", []))
        self.directed = bool(data.get("directed", False))
        pairs = [(e["a"], e["b"]) for e in edge_data]
        steps = data.get("steps", [])
        lists = [s for s in steps if s.get("op") in ("queue", "stack")]
        self.list_kind = lists[0]["op"] if lists else None
        longest = max((len(s.get("nodes", [])) for s in lists), default=0)

        # -- where the nodes go: the layout scaled into the area above the band -------------------
        area = Box(box.left + MARGIN_X, box.right - MARGIN_X,
                   box.bottom + MARGIN_Y + (BAND if lists else 0.0), box.top - MARGIN_Y)
        raw = layout_positions(names, pairs, str(data.get("layout", "auto")), data.get("root"))
        at = {v: i for i, v in enumerate(names)}
        pos = self._scaled(raw, [(at[a], at[b]) for a, b in pairs], area,
                           tree=self._tree_like(data, names, pairs),
                           turn=data.get("layout") != "circular")
        self.radius = self._radius(pos)
        self.size = float(np.clip(self.radius * 78, palette.MIN_FONT_SIZE, 32))

        self.nodes: dict[str, VGroup] = {v: self._node(v, p) for v, p in zip(names, pos)}
        self.edges: dict[tuple[str, str], VMobject] = {}
        reverse = set(pairs)
        for a, b in pairs:
            self.edges[(a, b)] = self._edge(a, b, offset=0.08 if (b, a) in reverse
                                            and self.directed else 0.0)
        edge_group = VGroup(*self.edges.values())
        node_group = VGroup(*self.nodes.values())
        self.weights = VGroup()
        self.weight_of: dict[tuple[str, str], Text] = {}
        self._place_weights(edge_data)
        self.panel = self._panel(longest) if lists else None
        parts: list[Mobject] = [edge_group, self.weights, node_group]
        if self.panel is not None:
            parts.append(self.panel)
        super().__init__(data, *parts)
        fit(self, box)
        self.visited: set[str] = set()
        self.frontier: set[str] = set()
        self.on_path: set[str] = set()
        self.tags: dict[str, Text] = {}
        self.items: list[tuple[str, VGroup]] = []  # the queue's items, front first
        self.parts.update(self.nodes)
        for (a, b), edge in self.edges.items():
            self.parts[f"{a}-{b}"] = edge
            if not self.directed:
                self.parts.setdefault(f"{b}-{a}", edge)
        if self.panel is not None:
            self.parts[self.list_kind] = self.panel
            self.parts["queue" if self.list_kind == "stack" else "stack"] = self.panel

    # -- layout --------------------------------------------------------------------------------
    @staticmethod
    def _tree_like(data: dict[str, Any], names: list[str], pairs: list) -> bool:
        layout = data.get("layout", "auto")
        return layout == "tree" or (layout == "auto" and (bool(data.get("root"))
                                                           or _is_tree(names, pairs)))

    @staticmethod
    def _scaled(raw: np.ndarray, pairs: list[tuple[int, int]], area: Box, tree: bool,
                turn: bool = True) -> np.ndarray:
        """``raw`` scaled to fill ``area``, centred in it: a tree's levels and leaves apart
        independently (up to LEVEL_GAP and LEAF_GAP), other layouts nearly evenly, turned to
        lie along the frame, no typical edge longer than LONGEST_EDGE."""
        pos = raw - raw.mean(axis=0)
        if turn and not tree and len(raw) > 2:  # the layout's long axis along the wide frame
            _, _, axes = np.linalg.svd(pos, full_matrices=False)
            turned = pos @ axes.T
            if np.ptp(turned[:, 0]) > np.ptp(pos[:, 0]) * 1.05:
                pos = turned
        if turn and not tree:  # the first node (where a search starts) up and to the left
            pos = pos * np.where(pos[0] * np.array([-1.0, 1.0]) < 0, -1.0, 1.0)
        if tree:  # manim lays a node's children out last first: mirrored, they read in order
            pos = pos * np.array([-1.0, 1.0])
        pos = pos - (pos.min(axis=0) + pos.max(axis=0)) / 2
        span = np.maximum(pos.max(axis=0) - pos.min(axis=0), 1e-9)
        sx, sy = area.width / span[0], area.height / span[1]
        if tree:  # levels (and neighbouring leaves) one layout unit apart: cap each gap
            levels = np.unique(np.round(pos[:, 1], 6))
            unit = float(np.min(np.diff(levels))) if len(levels) > 1 else 1.0
            sx, sy = min(sx, LEAF_GAP / unit), min(sy, LEVEL_GAP / unit)
            return pos * np.array([sx, sy]) + area.center[:2]
        even = min(sx, sy)
        sx, sy = min(sx, 1.4 * even), min(sy, 1.4 * even)
        scaled = pos * np.array([sx, sy])
        if len(raw) > 1:
            lengths = [np.linalg.norm(scaled[i] - scaled[j]) for i, j in pairs] or \
                [min(np.linalg.norm(scaled[i] - scaled[j]) for i in range(len(raw))
                     for j in range(i))]
            longest = float(np.median(lengths))
            if longest > LONGEST_EDGE:
                scaled *= LONGEST_EDGE / longest
        return scaled + area.center[:2]

    @staticmethod
    def _radius(pos: np.ndarray) -> float:
        if len(pos) < 2:
            return MAX_RADIUS
        gaps = np.linalg.norm(pos[:, None, :] - pos[None, :, :], axis=-1)
        gaps[np.diag_indices(len(pos))] = np.inf
        return float(np.clip(0.3 * gaps.min(), MIN_RADIUS, MAX_RADIUS))

    # -- parts ---------------------------------------------------------------------------------
    def _node(self, name: str, at: np.ndarray) -> VGroup:
        label = tag_font(Text(name, font=palette.FONT, font_size=self.size, color=palette.TEXT,
                              weight=BOLD), self.size)
        r = self.radius
        room = 1.55 * r
        if label.width > room:  # a long name: the node widens into an ellipse around it
            shape: VMobject = Ellipse(width=label.width + 0.45 * r, height=2 * r)
        else:
            shape = Circle(radius=r)
        shape.set_stroke(palette.ACCENT, width=3).set_fill(palette.CARD, opacity=1)
        centre = np.array([at[0], at[1], 0.0])
        shape.move_to(centre)
        label.move_to(centre)
        node = VGroup(shape, label)
        node.name = name  # type: ignore[attr-defined]
        return node

    @staticmethod
    def _rim(node: VGroup, towards: np.ndarray) -> np.ndarray:
        """Where the segment from ``node``'s centre towards ``towards`` leaves its shape."""
        shape = node[0]
        centre = shape.get_center()
        d = towards - centre
        length = float(np.linalg.norm(d[:2]))
        if length < 1e-9:
            return centre
        u = d / length
        w, h = shape.width / 2, shape.height / 2
        t = 1 / np.sqrt((u[0] / w) ** 2 + (u[1] / h) ** 2)
        return centre + u * min(t, length / 2)

    def _ends(self, a: str, b: str, offset: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        pa, pb = self.nodes[a][0].get_center(), self.nodes[b][0].get_center()
        start, end = self._rim(self.nodes[a], pb), self._rim(self.nodes[b], pa)
        if offset:
            d = pb - pa
            normal = np.array([-d[1], d[0], 0.0]) / max(float(np.linalg.norm(d)), 1e-9)
            start, end = start + normal * offset, end + normal * offset
        return start, end

    def _edge(self, a: str, b: str, offset: float = 0.0, color: str = EDGE,
              width: float = 3.0) -> VMobject:
        start, end = self._ends(a, b, offset)
        if self.directed:
            gap = 0.04
            d = end - start
            end = end - d / max(float(np.linalg.norm(d)), 1e-9) * gap
            tip = min(0.22, 0.45 * float(np.linalg.norm(end - start)))
            return Arrow(start, end, buff=0, color=color, stroke_width=width, tip_length=tip,
                         max_tip_length_to_length_ratio=0.5,
                         max_stroke_width_to_length_ratio=20)
        return Line(start, end, color=color, stroke_width=width)

    def _node_rects(self) -> list[Rect]:
        return [rect(n[0]) for n in self.nodes.values()]

    def _segments(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(e.get_start(), e.get_end()) for e in self.edges.values()]

    def _centroid(self) -> np.ndarray:
        return np.mean([n[0].get_center() for n in self.nodes.values()], axis=0)

    def _place_weights(self, edge_data: list[dict[str, Any]]) -> None:
        size = max(palette.MIN_FONT_SIZE, min(palette.LABEL_SIZE + 2, self.size * 0.85))
        taken = self._node_rects()
        segments = self._segments()
        centre = self._centroid()
        for e in edge_data:
            if e.get("weight") in (None, ""):
                continue
            edge = self.edges[(e["a"], e["b"])]
            start, end = edge.get_start(), edge.get_end()
            mid = (start + end) / 2
            d = end - start
            normal = np.array([-d[1], d[0], 0.0])
            if float(np.dot(normal, mid - centre)) < 0:
                normal = -normal
            label = tag_font(Text(str(e["weight"]), font=palette.FONT, font_size=size,
                                  color=palette.ACCENT_2), size)
            place(label, mid, prefer=normal, avoid_rects=taken, avoid_segments=segments,
                  gap=0.06, box=self.box)
            taken.append(rect(label))
            self.weights.add(label)
            self.weight_of[(e["a"], e["b"])] = label

    def _panel(self, longest: int) -> VGroup:
        """The queue (or stack): a title and a track of cells along the bottom band."""
        size = 24.0
        title = tag_font(Text(self.list_kind or "queue", font=palette.FONT, font_size=size,
                              color=palette.MUTED), size)
        slots = max(longest, 1)
        cell = min(0.62, (self.box.width - title.width - 1.0) / slots - 0.1)
        self.cell = cell
        track = RoundedRectangle(corner_radius=0.1, width=slots * (cell + 0.1) + 0.12,
                                 height=cell + 0.16, stroke_color=palette.MUTED, stroke_width=2)
        track.next_to(title, RIGHT, buff=0.25)
        panel = VGroup(title, track)
        panel.move_to(np.array([self.box.center[0], self.box.bottom + BAND / 2, 0.0]))
        self.title, self.track = title, track
        return panel

    def _slot(self, k: int) -> np.ndarray:
        left = self.track.get_left() + RIGHT * (0.06 + 0.05)
        return left + RIGHT * (self.cell / 2 + k * (self.cell + 0.1))

    def _item(self, name: str, k: int) -> VGroup:
        size = float(np.clip(self.cell * 48, palette.MIN_FONT_SIZE, 28))
        box = RoundedRectangle(corner_radius=0.08, width=self.cell, height=self.cell,
                               stroke_color=FRONTIER, stroke_width=3,
                               fill_color=palette.CARD, fill_opacity=1)
        label = tag_font(Text(name, font=palette.FONT, font_size=size, color=palette.TEXT,
                              weight=BOLD), size)
        if label.width > self.cell * 0.85:
            label.scale_to_fit_width(self.cell * 0.85)
        item = VGroup(box, label).move_to(self._slot(k))
        return item

    # -- the look of a node --------------------------------------------------------------------
    def _look(self, name: str) -> tuple[str, float, str, float]:
        """(fill, fill opacity, stroke, stroke width) of node ``name`` now."""
        fill, opacity = (VISITED_FILL, 0.55) if name in self.visited else (palette.CARD, 1.0)
        if name in self.on_path:
            return fill, opacity, PATH, 6.0
        if name in self.frontier:
            return fill, opacity, FRONTIER, 6.0
        if name in self.visited:
            return fill, opacity, VISITED_FILL, 3.0
        return fill, opacity, palette.ACCENT, 3.0

    def _restyled(self, name: str) -> Animation:
        fill, opacity, stroke, width = self._look(name)
        shape = self.nodes[name][0]
        return prepare_animation(shape.animate.set_fill(fill, opacity=opacity)
                                 .set_stroke(stroke, width=width))

    def _pulse(self, name: str, swell: float = 0.3) -> Animation:
        """The node takes its new look while swelling and settling back (a visit)."""
        node = self.nodes[name]
        start = node.copy()
        end = node.copy()
        fill, opacity, stroke, width = self._look(name)
        end[0].set_fill(fill, opacity=opacity).set_stroke(stroke, width=width)
        centre = node.get_center()

        def update(mob: Mobject, alpha: float) -> None:
            for part, a, b in zip(mob.family_members_with_points(),
                                  start.family_members_with_points(),
                                  end.family_members_with_points()):
                part.interpolate(a, b, alpha)
            mob.scale(1 + swell * np.sin(np.pi * alpha), about_point=centre)

        return UpdateFromAlphaFunc(node, update)

    # -- steps ---------------------------------------------------------------------------------
    def enter(self) -> list[Animation]:
        anims: list[Animation] = [
            LaggedStart(*[GrowFromCenter(n) for n in self.nodes.values()], lag_ratio=0.15),
            LaggedStart(*[Create(e) for e in self.edges.values()], lag_ratio=0.1)]
        if len(self.weights):
            anims.append(LaggedStart(*[FadeIn(w, scale=0.5) for w in self.weights],
                                     lag_ratio=0.1))
        if self.panel is not None:
            anims += [Create(self.track), FadeIn(self.title, shift=0.3 * RIGHT)]
        return anims

    def do(self, step: dict[str, Any]) -> list[Animation]:
        op = step["op"]
        if op == "visit":
            return self.visit(*step["nodes"])
        if op == "highlight":
            return self.highlight(*[tuple(e) for e in step["edges"]])
        if op == "path":
            return self.path(*step["nodes"])
        if op in ("queue", "stack"):
            return self.hold(*step["nodes"])
        if op == "label":
            return self.label(**step["labels"])
        raise ValueError(f"unknown graph step {op!r}")

    def visit(self, *names: str) -> list[Animation]:
        """Fill nodes in the visited colour, each swelling and settling, a ripple spreading."""
        self.visited.update(names)
        anims: list[Animation] = []
        for name in names:
            anims.append(self._pulse(name))
            ring = self.nodes[name][0].copy().set_fill(opacity=0).set_stroke(VISITED_FILL,
                                                                             width=4)
            anims.append(FadeOut(ring, scale=1.7))
        return anims

    def _key(self, a: str, b: str) -> tuple[tuple[str, str], bool]:
        """The edge joining a and b, and whether it runs b -> a."""
        if (a, b) in self.edges:
            return (a, b), False
        if not self.directed and (b, a) in self.edges:
            return (b, a), True
        raise ValueError(f"no edge {a}-{b}")

    def _trace(self, a: str, b: str, color: str, width: float) -> VMobject:
        """A coloured copy of edge a-b drawn from a to b, kept on the figure."""
        key, backwards = self._key(a, b)
        edge = self.edges[key]
        copy = edge.copy().set_color(color).set_stroke(width=width)
        if backwards:
            copy = Line(edge.get_end(), edge.get_start(), color=color, stroke_width=width)
        self.add(copy)
        return copy

    def highlight(self, *pairs: tuple[str, str]) -> list[Animation]:
        """Trace edges in the highlight colour, from their first named end to the other."""
        return [Create(self._trace(a, b, FRONTIER, 6.0)) for a, b in pairs]

    def path(self, *names: str) -> list[Animation]:
        """Walk a path: each node in turn rings in the path colour, each edge traced on to it."""
        sequence: list[Animation] = []
        for i, name in enumerate(names):
            if i:
                sequence.append(Create(self._trace(names[i - 1], name, PATH, 7.0)))
            self.on_path.add(name)
            sequence.append(self._restyled(name))
        # the group is the figure: a group of its shapes would be added over their names
        return [AnimationGroup(*sequence, lag_ratio=1.0, group=self)]

    def hold(self, *names: str) -> list[Animation]:
        """The queue (or stack) now holds ``names``, front (or bottom) first: items that stay
        slide to their places, new ones fly in from their node, the rest leave upwards; nodes
        in it are ringed (the frontier)."""
        anims: list[Animation] = []
        old = dict(self.items)
        items: list[tuple[str, VGroup]] = []
        for k, name in enumerate(names):
            if name in old:
                item = old.pop(name)
                target = self._slot(k)
                if not np.allclose(item.get_center(), target):
                    anims.append(prepare_animation(item.animate.move_to(target)))
            else:  # a ring leaves the node for the slot, where the item grows (no text flies
                item = self._item(name, k)  # over other text on the way)
                self.add(item)
                ring = self.nodes[name][0].copy().set_fill(opacity=0).set_stroke(FRONTIER, 4)
                anims += [FadeIn(item, scale=0.4),
                          FadeOut(ring, target_position=item.get_center(),
                                  scale=self.cell / max(ring.width, 1e-9))]
            items.append((name, item))
        for item in old.values():  # leave downwards, away from the items coming in
            self.remove(item)
            anims.append(FadeOut(item, shift=0.55 * DOWN))
        self.items = items
        changed = self.frontier ^ set(names)
        self.frontier = set(names)
        anims += [self._restyled(n) for n in self.nodes if n in changed]
        return anims or [Indicate(self.track, color=FRONTIER, scale_factor=1.05)]

    def label(self, **labels: str) -> list[Animation]:
        """Write a short label beside each node (a distance, a level), or change it; the node
        swells a little as it is labelled."""
        anims: list[Animation] = []
        size = max(palette.MIN_FONT_SIZE, min(26.0, self.size * 0.9))
        centre = self._centroid()
        for name, text in labels.items():
            node = self.nodes[name][0]
            tag = tag_font(Text(str(text), font=palette.FONT, font_size=size,
                                color=palette.ACCENT, weight=BOLD), size)
            others = [rect(t) for n, t in self.tags.items() if n != name]
            taken = self._node_rects() + [rect(w) for w in self.weights] + others + \
                [rect(i[1]) for _, i in self.items]
            away = node.get_center() - centre
            away = away / max(float(np.linalg.norm(away)), 1e-9)
            place(tag, node.get_center(), prefer=UP + 0.4 * away, avoid_rects=taken,
                  avoid_segments=self._segments(), gap=max(node.width, node.height) / 2 + 0.08,
                  box=self.box)
            anims.append(self._pulse(name, swell=0.15))  # the node nods as it is labelled
            if name in self.tags:
                anims.append(Transform(self.tags[name], tag))
            else:
                self.tags[name] = tag
                self.add(tag)
                anims.append(FadeIn(tag, shift=0.4 * (tag.get_center() - node.get_center()),
                                    scale=0.5))
        return anims


def build(data: dict[str, Any], box: Box | None = None) -> GraphFigure:
    """The graph figure of ``data`` (a graph block's model_dump), fitted into ``box``."""
    return GraphFigure(data, box)


