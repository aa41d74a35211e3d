"""The ```` ```graph ```` block of the script format: a graph (or tree) and a search walked on it.

    ```graph
    layout: tree from A
    edges: A-B, A-C, B-D, B-E, C-F
    - visit A
    - queue B C
    - highlight A-B A-C
    - visit B C
    - label A=0, B=1, C=1
    - path A C F
    ```

Header lines: ``edges:`` (``A-B``, ``A->B`` for a directed edge, ``A-B:4`` for a weight; commas
between; several ``edges:`` lines add up), ``nodes:`` (optional: their order, lone nodes, and
every edge must use them), ``directed: yes`` (an ``A->B`` edge says it too), ``layout:``
(``tree``, ``tree from A``, ``spring``, ``circular``, ``kamada_kawai``, ``planar``; by default a
tree from the first node for a tree, kamada_kawai otherwise). Steps: ``visit A B``, ``highlight
A-B C-D``, ``path A C F``, ``queue B C`` (or ``stack B C``: the list beside the graph, front or
bottom first), ``label A=0, B=1``. Errors name the script's line.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, get_args

from pydantic import Field, StringConstraints, ValidationInfo, field_validator

from flaming_horse import figure_rules as rules
from flaming_horse.authoring.figures.block import Block, Fail
from flaming_horse.authoring.model_base import Model as _Model
from flaming_horse.authoring.model_base import OneLine

FENCE = "graph"
MAX_NODES = 30  # more nodes than this are too small to read
MAX_EDGES = 60
MAX_LIST = 12  # items a queue or stack shows
NAME_TEXT = r"[A-Za-z0-9_][A-Za-z0-9_']{0,5}"
NAME = re.compile(NAME_TEXT)
EDGE = re.compile(rf"({NAME_TEXT})\s*(->|-|\u2192)\s*({NAME_TEXT})(?:\s*:\s*(\S.*))?")
LAYOUTS = ("auto", "tree", "spring", "circular", "kamada_kawai", "planar")
LISTS = ("queue", "stack")

Name = Annotated[str, StringConstraints(pattern=rf"^{NAME_TEXT}$")]
Short = Annotated[OneLine, StringConstraints(min_length=1, max_length=6, strip_whitespace=True)]


class Edge(_Model):
    """An edge between two nodes (in a directed graph, from ``a`` to ``b``), with an optional
    weight written beside it."""

    a: Name = Field(description="one end (a directed edge's tail)")
    b: Name = Field(description="the other end (a directed edge's head)")
    weight: Short | None = Field(default=None, description="a short weight shown beside it, "
                                                           "e.g. '4'")


class GraphStep(_Model):
    """One step: ``visit`` fills nodes; ``highlight`` traces edges; ``path`` walks nodes joined
    by edges; ``queue`` / ``stack`` set the list beside the graph (front or bottom first; its
    nodes are ringed as the frontier); ``label`` writes short labels beside nodes."""

    op: Literal["visit", "highlight", "path", "queue", "stack", "label"] = Field(
        description="what the step does")
    nodes: list[Name] = Field(default_factory=list,
                              description="visit, path (in order), queue/stack (front first)")
    edges: list[Annotated[list[Name], Field(min_length=2, max_length=2)]] = Field(
        default_factory=list, description="highlight: edges as [from, to] pairs")
    labels: dict[Name, Short] = Field(default_factory=dict,
                                      description="label: node -> short text, e.g. a distance")


class Model(_Model):
    """A graph or tree: named nodes in circles, edges (directed, weighted), laid out for you,
    and steps that visit nodes, trace edges and paths, show a queue or stack and label nodes
    (breadth-first and depth-first search, shortest paths)."""

    kind: Literal["graph"] = "graph"
    nodes: list[Name] = Field(min_length=1, description="node names, up to 6 characters")
    edges: list[Edge] = Field(default_factory=list, description="the edges")
    directed: bool = Field(default=False, description="edges are arrows from a to b")
    root: Name | None = Field(default=None, description="the tree layout's root (default: the "
                                                        "first node)")
    layout: Literal["auto", "tree", "spring", "circular", "kamada_kawai", "planar"] = Field(
        default="auto", validate_default=True,
        description="auto: a tree from the first node for a tree, kamada_kawai otherwise")
    steps: list[GraphStep] = Field(default_factory=list, description="the steps, in order")

    @field_validator("nodes")
    @classmethod
    def _few_distinct(cls, nodes: list[str]) -> list[str]:
        if len(nodes) > MAX_NODES:
            raise ValueError(f"a graph of {len(nodes)} nodes is too crowded to read "
                             f"(at most {MAX_NODES})")
        twice = sorted({n for n in nodes if nodes.count(n) > 1})
        if twice:
            raise ValueError(f"node '{twice[0]}' is named twice")
        return nodes

    @field_validator("edges")
    @classmethod
    def _edges_join_nodes(cls, edges: list[Edge], info: ValidationInfo) -> list[Edge]:
        nodes = info.data.get("nodes")
        if nodes is None:
            return edges
        if len(edges) > MAX_EDGES:
            raise ValueError(f"{len(edges)} edges are too many to read (at most {MAX_EDGES})")
        seen: set[tuple[str, str]] = set()
        for e in edges:
            for end in (e.a, e.b):
                if end not in nodes:
                    raise ValueError(f"edge {e.a}-{e.b}: '{end}' is not a node "
                                     f"(nodes: {', '.join(nodes)})")
            if e.a == e.b:
                raise ValueError(f"edge {e.a}-{e.b} joins a node to itself: a self-loop "
                                 "cannot be drawn")
            if (e.a, e.b) in seen:
                raise ValueError(f"edge {e.a}-{e.b} is listed twice")
            seen.add((e.a, e.b))
        return edges

    @field_validator("root")
    @classmethod
    def _root_is_a_node(cls, root: str | None, info: ValidationInfo) -> str | None:
        nodes = info.data.get("nodes")
        if root is not None and nodes is not None and root not in nodes:
            raise ValueError(f"the root '{root}' is not a node (nodes: {', '.join(nodes)})")
        return root

    @field_validator("layout")
    @classmethod
    def _layout_fits(cls, layout: str, info: ValidationInfo) -> str:
        nodes, edges = info.data.get("nodes"), info.data.get("edges")
        if nodes is None or edges is None or "root" not in info.data:
            return layout
        pairs = [(e.a, e.b) for e in edges]
        undirected = {frozenset(p) for p in pairs}
        if not info.data.get("directed") and len(undirected) < len(pairs):
            raise ValueError("an edge is listed twice (A-B and B-A are one edge in an "
                             "undirected graph)")
        if info.data["root"] is not None and layout != "tree":
            raise ValueError("a root is for the tree layout only: write 'layout: tree from "
                             f"{info.data['root']}'")
        if layout == "tree":
            problem = _not_a_tree(nodes, pairs)
            if problem:
                raise ValueError(f"the tree layout needs a tree, but {problem}; use another "
                                 "layout (spring, kamada_kawai)")
        if layout == "kamada_kawai" and rules.components(nodes, pairs) > 1:
            raise ValueError("kamada_kawai needs a connected graph; use spring or circular")
        if layout == "planar":
            import networkx as nx

            if not nx.check_planarity(nx.Graph(pairs))[0]:
                raise ValueError("this graph cannot be drawn without crossing edges, so the "
                                 "planar layout fails; use spring or kamada_kawai")
        return layout

    @field_validator("steps")
    @classmethod
    def _steps_name_the_graph(cls, steps: list[GraphStep],
                              info: ValidationInfo) -> list[GraphStep]:
        nodes, edges = info.data.get("nodes"), info.data.get("edges")
        if nodes is None or edges is None:
            return steps
        directed = bool(info.data.get("directed"))
        pairs = {(e.a, e.b) for e in edges}
        first = next((s.op for s in steps if s.op in LISTS), None)
        for i, step in enumerate(steps):
            problem = _step_problem(step, nodes, pairs, directed)
            if problem is None and step.op in LISTS and step.op != first:
                problem = "a graph shows a queue or a stack, not both; use another graph block"
            if problem:
                raise ValueError(f"steps[{i}]: {problem}")
        return steps


GraphFigure = Model
OPS = get_args(GraphStep.model_fields["op"].annotation)


def _not_a_tree(nodes: list[str], pairs: list[tuple[str, str]]) -> str | None:
    """Why the graph is not a tree (edge directions ignored), or None."""
    if rules.components(nodes, pairs) > 1:
        return "it falls into separate pieces"
    joined = {frozenset(p) for p in pairs}
    if len(joined) >= len(nodes):
        return f"it has a cycle ({len(nodes)} nodes joined by {len(joined)} edges)"
    return None


def _joined(a: str, b: str, pairs: set[tuple[str, str]], directed: bool) -> bool:
    return (a, b) in pairs or (not directed and (b, a) in pairs)


def _step_problem(step: GraphStep, nodes: list[str], pairs: set[tuple[str, str]],
                  directed: bool) -> str | None:
    """What is wrong with one step, or None."""
    op = step.op
    wants = {"visit": "nodes", "path": "nodes", "queue": "nodes", "stack": "nodes",
             "highlight": "edges", "label": "labels"}[op]
    for field in ("nodes", "edges", "labels"):
        if field != wants and getattr(step, field):
            return f"'{op}' takes {wants}, not {field}"
    named = [*step.nodes, *(n for e in step.edges for n in e), *step.labels]
    unknown = [n for n in named if n not in nodes]
    if unknown:
        return f"'{unknown[0]}' is not a node (nodes: {', '.join(nodes)})"
    if op in ("visit", "path", "highlight", "label") and not (step.nodes or step.edges
                                                             or step.labels):
        example = {"visit": "visit A", "path": "path A C F", "highlight": "highlight A-B",
                   "label": "label A=0"}[op]
        return f"'{op}' needs something to {op}, e.g. '{example}'"
    if op in ("visit", "queue", "stack"):
        twice = [n for n in step.nodes if step.nodes.count(n) > 1]
        if twice:
            return f"'{twice[0]}' is named twice in one '{op}'"
    if op in LISTS and len(step.nodes) > MAX_LIST:
        return f"a {op} of {len(step.nodes)} nodes is too long to show (at most {MAX_LIST})"
    if op == "path":
        if len(step.nodes) < 2:
            return "a path needs at least two nodes"
        for a, b in zip(step.nodes, step.nodes[1:]):
            if not _joined(a, b, pairs, directed):
                back = " (the edge runs the other way)" if (b, a) in pairs else ""
                return f"{a} and {b} are not joined by an edge{back}, so the path breaks"
    if op == "highlight":
        for a, b in step.edges:
            if not _joined(a, b, pairs, directed):
                back = f" (the edge runs {b}->{a})" if (b, a) in pairs else ""
                return f"there is no edge {a}-{b}{back}"
    return None


# -- the script's syntax ---------------------------------------------------------------------
def parse(body: list[str], start: int, fail: Fail) -> GraphFigure:
    """The figure of a graph block whose lines are ``body`` (the block opens on ``start``)."""
    block = Block.split("graph", body, start, fail)
    nodes: list[str] | None = None
    edges: list[tuple[str, str, str | None, int]] = []  # a, b, weight, line
    directed: bool | None = None
    arrows = False
    layout, root = "auto", None
    lines: dict[str, int] = {}
    for line in block.header:
        key, rest = block.keyed(line.text, line.number)
        if key not in ("nodes", "edges", "directed", "layout", "root"):
            raise block.error(f"graph lines are 'edges:', 'nodes:', 'directed:', 'layout:' or "
                              f"steps '- ...', got '{line.text}'", line.number)
        if key != "edges" and key in lines:
            raise block.error(f"a second '{key}:' line", line.number, f"write '{key}:' once")
        lines.setdefault(key, line.number)
        if key == "nodes":
            nodes = [n if NAME.fullmatch(n) else _bad_name(block, n, line.number)
                     for n in _split(rest)]
            if not nodes:
                raise block.error("'nodes:' needs node names", line.number,
                                  "write e.g. 'nodes: A B C D'")
        elif key == "edges":
            found = [_edge(block, part, line.number) for part in rest.split(",") if part.strip()]
            if not found:
                raise block.error("'edges:' needs edges", line.number,
                                  "write e.g. 'edges: A-B, A-C, B-D'")
            for a, b, weight, arrow in found:
                arrows = arrows or arrow
                edges.append((a, b, weight, line.number))
        elif key == "directed":
            word = rest.strip().lower()
            if word not in ("yes", "no", "true", "false"):
                raise block.error(f"'directed:' is yes or no, got '{rest.strip()}'",
                                  line.number, "write 'directed: yes'")
            directed = word in ("yes", "true")
        elif key == "layout":
            layout, root = _layout(block, rest, line.number)
            if root is not None:
                lines["root"] = line.number
        else:
            root = rest.strip() if NAME.fullmatch(rest.strip()) else \
                _bad_name(block, rest.strip(), line.number)
    if not edges and nodes is None:
        raise block.error("a graph block needs an 'edges:' line", start,
                          "write e.g. 'edges: A-B, A-C, B-D'")
    if nodes is not None:
        for a, b, _, number in edges:
            for end in (a, b):
                if end not in nodes:
                    raise block.error(f"edge {a}-{b}: '{end}' is not a node", number,
                                      f"add it to 'nodes:' ({', '.join(nodes)})")
    else:
        nodes = list(dict.fromkeys(n for a, b, _, _ in edges for n in (a, b)))
        if len(nodes) > MAX_NODES:
            raise block.error(f"a graph of {len(nodes)} nodes is too crowded to read",
                              lines["edges"], f"show at most {MAX_NODES} nodes")
    if directed is False and arrows:
        raise block.error("an edge written A->B in a graph that says 'directed: no'",
                          lines["edges"], "write 'directed: yes', or the edges as A-B")
    data = {"nodes": nodes, "directed": bool(directed or arrows), "layout": layout,
            "root": root, "edges": [{"a": a, "b": b, "weight": w} for a, b, w, _ in edges],
            "steps": [_step(block, s.text, s.number) for s in block.steps]}
    return block.validated(Model, data, lines=lines)


def _split(text: str) -> list[str]:
    return [p for p in re.split(r"[\s,]+", text.strip()) if p]


def _bad_name(block: Block, text: str, line: int) -> str:
    raise block.error(f"'{text}' is not a node name", line,
                      "node names are up to 6 letters, digits, _ or ', e.g. A, s1, 42")


def _edge(block: Block, text: str, line: int) -> tuple[str, str, str | None, bool]:
    match = EDGE.fullmatch(text.strip())
    if not match:
        raise block.error(f"'{text.strip()}' is not an edge", line,
                          "write edges as A-B (A->B for a directed one, A-B:4 with a weight), "
                          "separated by commas")
    a, arrow, b, weight = match.groups()
    if weight is not None and len(weight.strip()) > 6:
        raise block.error(f"the weight '{weight.strip()}' is too long", line,
                          "a weight is up to 6 characters, e.g. A-B:4")
    return a, b, weight.strip() if weight else None, arrow != "-"


def _layout(block: Block, text: str, line: int) -> tuple[str, str | None]:
    words = text.strip().lower().replace("-", "_").split()
    if words[:2] == ["kamada", "kawai"]:
        words = ["kamada_kawai", *words[2:]]
    if not words or words[0] not in LAYOUTS:
        raise block.error(f"unknown layout '{text.strip()}'", line,
                          "layouts: tree, tree from A, spring, circular, kamada_kawai, planar")
    if words[0] == "tree" and len(words) > 1:
        root = text.strip().split()[-1]
        if len(words) != 3 or words[1] != "from":
            raise block.error(f"'layout: {text.strip()}' is not a tree layout", line,
                              "write 'layout: tree' or 'layout: tree from A'")
        if not NAME.fullmatch(root):
            _bad_name(block, root, line)
        return "tree", root
    if len(words) > 1:
        raise block.error(f"unknown layout '{text.strip()}'", line,
                          f"write just 'layout: {words[0]}'")
    return words[0], None


def _step(block: Block, text: str, line: int) -> dict:
    op, _, rest = text.partition(" ")
    op = op.lower()
    if op not in OPS:
        raise block.error(f"unknown graph step '{op}'", line, f"steps: {', '.join(OPS)}")
    if op == "highlight":
        edges = []
        for part in _split(rest):
            match = EDGE.fullmatch(part)
            if not match or match.group(4):
                raise block.error(f"'{part}' is not an edge", line,
                                  "write e.g. '- highlight A-B C-D'")
            edges.append([match.group(1), match.group(3)])
        return {"op": op, "edges": edges}
    if op == "label":
        labels: dict[str, str] = {}
        parts = [p for p in rest.split(",") if p.strip()] if "," in rest else _split(rest)
        for part in parts:
            name, sep, value = part.partition("=")
            name, value = name.strip(), value.strip()
            if not sep or not NAME.fullmatch(name) or not value:
                raise block.error(f"a label is 'node=text', got '{part.strip()}'", line,
                                  "write e.g. '- label A=0, B=1'")
            if len(value) > 6:
                raise block.error(f"the label '{value}' is too long", line,
                                  "a label is up to 6 characters, e.g. a distance")
            labels[name] = value
        return {"op": op, "labels": labels}
    names = [p for p in re.split(r"[\s,]+|->|\u2192|-", rest.strip()) if p] if op == "path" \
        else _split(rest)
    for name in names:
        if not NAME.fullmatch(name):
            _bad_name(block, name, line)
    return {"op": op, "nodes": names}


# -- scene code ------------------------------------------------------------------------------
def emit(v: GraphFigure, b) -> None:
    from flaming_horse.authoring.figures import emit_steps, kit_data  # (the registry imports us)

    emit_steps(v, b, build=f"kit.figure({kit_data(v)})", share=0.75, max_run=2.5)


def flash(v: GraphFigure, var: str, term: str) -> str | None:
    """A node or an edge named by the term (``**A**``, ``**A-B**``), or the queue."""
    term = term.strip()
    name = next((n for n in v.nodes if n == term), None) or \
        next((n for n in v.nodes if n.lower() == term.lower()), None)
    if name:
        return f"{var}.part({name!r})"
    match = EDGE.fullmatch(term)
    if match:
        a, b = match.group(1), match.group(3)
        for e in v.edges:
            if (e.a, e.b) == (a, b) or (not v.directed and (e.b, e.a) == (a, b)):
                return f"{var}.part({f'{e.a}-{e.b}'!r})"
    lists = {s.op for s in v.steps if s.op in LISTS}
    if lists and term.lower() in ("queue", "stack", "the queue", "the stack", "frontier"):
        return f"{var}.part({next(iter(lists))!r})"
    return None
