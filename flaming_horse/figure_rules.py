"""Rules the script reader (authoring/figures) and the kit (scene_kit) both follow, so a script
is checked against the figure the video will draw: the names a geometry part answers to, the
layers of a flow, the pieces of a graph. Plain Python: a plan with figures is validated (every
`build`, `status`) without importing manim. The render's kit hash covers this file."""

from __future__ import annotations


# -- geometry: the names of the parts ------------------------------------------------------------
def part_names(el: dict) -> list[str]:
    """The names a highlight may call an element by; the first is its own."""
    shape, p = el["shape"], list(el.get("points", []))
    if shape == "segment":
        return ["".join(p), "".join(reversed(p))]
    if shape == "polygon":
        return ["".join(p)]
    if shape == "square":
        return [f"square on {p[0]}{p[1]}", f"square on {p[1]}{p[0]}"]
    if shape in ("angle", "right_angle"):
        word = shape.replace("_", "-")
        return [f"{word} {''.join(p)}", f"{word} {''.join(reversed(p))}", f"{word} {p[1]}"]
    if shape == "circle":
        return [f"circle {p[0]}"]
    if shape == "arc":
        return [f"arc {p[1]}{p[2]}"]
    if shape == "shade":
        return [f"shade {''.join(p)}"]
    return []


def sides_of(el: dict) -> list[tuple[str, str]]:
    p = list(el.get("points", []))
    if el["shape"] == "segment":
        return [(p[0], p[1])]
    if el["shape"] == "polygon":
        return [(p[i], p[(i + 1) % len(p)]) for i in range(len(p))]
    return []


def side_key(a: str, b: str) -> str:
    return "side:" + "|".join(sorted((a, b)))


# -- flow: the layer of each box ---------------------------------------------------------------
def layers(names: list[str], arrows: list[tuple[str, str]]) -> tuple[dict[str, int],
                                                                     list[tuple[str, str]]]:
    """Each box's layer (authoring/figures/flow.py checks a script by it) and the arrows as laid out:
    those that close a cycle (depth-first, in the order given) turned round."""
    out: dict[str, list[str]] = {n: [] for n in names}
    for a, b in arrows:
        out[a].append(b)
    state: dict[str, int] = {}
    forward: list[tuple[str, str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        for nxt in out[node]:
            if state.get(nxt) == 1:
                forward.append((nxt, node))
            else:
                forward.append((node, nxt))
                if nxt not in state:
                    visit(nxt)
        state[node] = 2

    pointed = {b for _, b in arrows}
    for node in [n for n in names if n not in pointed] + names:
        if node not in state:
            visit(node)
    layer = {n: 0 for n in names}
    for _ in names:
        for a, b in forward:
            layer[b] = max(layer[b], layer[a] + 1)
    return layer, forward


# -- graph: its connected pieces -------------------------------------------------------------
def components(nodes: list[str], edges: list[tuple[str, str]]) -> int:
    """How many connected pieces the graph has (edge directions ignored)."""
    parent = {v: v for v in nodes}

    def find(v: str) -> str:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for a, b in edges:
        parent[find(a)] = find(b)
    return len({find(v) for v in nodes})
