"""The ```graph block: what it compiles to, the errors that name its line, and the kit figure it
builds (layout, labels clear of each other, every step animates)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from flaming_horse.authoring.figures import graph as graph_kind
from flaming_horse.authoring.figures.graph import Edge, GraphStep, Model
from flaming_horse.authoring.script import compile_script
from flaming_horse.authoring.storyboard import anchor_steps
from flaming_horse.errors import ScriptError

BFS = """{1}A small tree. {2}We start at A {3}and queue its children.

```graph
layout: tree from A
edges: A-B, A-C, B-D, B-E, C-F
- visit A
- queue B C
- highlight A-B A-C
- visit B C
- queue D E F
- label A=0, B=1, C=1
- path A C F
- queue
```
"""

WEIGHTED = """Roads.

```graph
nodes: S A B T X
edges: S-A:4, S-B:2, B-A:1
edges: A-T:5, B-T:8
layout: spring
- stack S
- path S B A T
```
"""


def _figure(body: str):
    return compile_script("# T\n\n## S\n\n" + body, "script.md").plan.scenes[0].beats[0].visual


def test_a_graph_block_is_a_figure_with_its_nodes_edges_and_steps():
    figure = _figure(BFS)
    assert isinstance(figure, Model) and anchor_steps(figure) == 9
    assert figure.nodes == ["A", "B", "C", "D", "E", "F"]  # in the order the edges name them
    assert figure.edges[0] == Edge(a="A", b="B") and not figure.directed
    assert (figure.layout, figure.root) == ("tree", "A")
    assert figure.steps == [
        GraphStep(op="visit", nodes=["A"]), GraphStep(op="queue", nodes=["B", "C"]),
        GraphStep(op="highlight", edges=[["A", "B"], ["A", "C"]]),
        GraphStep(op="visit", nodes=["B", "C"]), GraphStep(op="queue", nodes=["D", "E", "F"]),
        GraphStep(op="label", labels={"A": "0", "B": "1", "C": "1"}),
        GraphStep(op="path", nodes=["A", "C", "F"]), GraphStep(op="queue", nodes=[])]


def test_weights_declared_nodes_and_several_edge_lines():
    figure = _figure(WEIGHTED)
    assert figure.nodes == ["S", "A", "B", "T", "X"]  # X: a lone node
    assert [(e.a, e.b, e.weight) for e in figure.edges] == [
        ("S", "A", "4"), ("S", "B", "2"), ("B", "A", "1"), ("A", "T", "5"), ("B", "T", "8")]
    assert figure.layout == "spring" and figure.steps[0] == GraphStep(op="stack", nodes=["S"])


def test_an_arrow_makes_the_graph_directed_and_paths_follow_the_arrows():
    figure = _figure("Flow.\n\n```graph\nedges: 1->2, 2->3, 3->1\n- path 1 2 3 1\n"
                     "- highlight 3-1\n```\n")
    assert figure.directed and figure.nodes == ["1", "2", "3"]
    assert figure.steps[0].nodes == ["1", "2", "3", "1"]
    directed = _figure("Flow.\n\n```graph\ndirected: yes\nedges: a-b\n```\n")
    assert directed.directed and (directed.edges[0].a, directed.edges[0].b) == ("a", "b")


def test_the_json_form_is_checked_by_the_same_rules():
    data = {"nodes": ["A", "B"], "edges": [{"a": "A", "b": "B", "weight": "3"}],
            "steps": [{"op": "visit", "nodes": ["A"]}]}
    figure = _figure(f"Two.\n\n```graph\n{json.dumps(data)}\n```\n")
    assert figure.edges[0].weight == "3" and figure.layout == "auto"
    data["steps"] = [{"op": "path", "nodes": ["B", "Z"]}]
    with pytest.raises(ScriptError) as info:
        _figure(f"Two.\n\n```graph\n{json.dumps(data)}\n```\n")
    assert "'Z' is not a node" in info.value.message and info.value.hint


def _many(n: int) -> str:
    return "edges: " + ", ".join(f"n{i}-n{i + 1}" for i in range(n - 1)) + "\n"


@pytest.mark.parametrize("lines, line, words", [
    ("edges: A-B, A--C\n", 8, "'A--C' is not an edge"),
    ("edges: A-B, A-C:1234567\n", 8, "weight '1234567' is too long"),
    ("nodes: A B\nedges: A-B\nedges: B-C\n", 10, "'C' is not a node"),
    ("edges: A-B, B-B\n", 8, "self-loop"),
    ("edges: A-B, B-A\n", 7, "listed twice"),
    ("edges: A-B\n- visit Z\n", 9, "'Z' is not a node"),
    ("edges: A-B, B-C\n- visit A\n- highlight A-C\n", 10, "there is no edge A-C"),
    ("edges: A->B\n- highlight B-A\n", 9, "the edge runs A->B"),
    ("edges: A-B, B-C, C-D\n- path A C D\n", 9, "A and C are not joined"),
    ("edges: A->B, B->C\n- path C B\n", 9, "runs the other way"),
    ("edges: A-B\n- path A\n", 9, "at least two nodes"),
    ("layout: tree\nedges: A-B, B-C, C-A\n", 8, "needs a tree, but it has a cycle"),
    ("layout: tree\nnodes: A B C\nedges: A-B\n", 8, "separate pieces"),
    ("layout: tree from Z\nedges: A-B\n", 8, "the root 'Z' is not a node"),
    ("layout: kamada_kawai\nnodes: A B C\nedges: A-B\n", 8, "connected"),
    ("layout: planar\nedges: a-b, a-c, a-d, a-e, b-c, b-d, b-e, c-d, c-e, d-e\n", 8,
     "crossing"),
    ("layout: wiggly\nedges: A-B\n", 8, "unknown layout 'wiggly'"),
    ("layout: tree at A\nedges: A-B\n", 8, "not a tree layout"),
    (_many(31), 8, "31 nodes is too crowded"),
    ("edges: A-B\n- jump A\n", 9, "unknown graph step 'jump'"),
    ("edges: A-B\n- label A\n", 9, "a label is 'node=text'"),
    ("edges: A-B\n- queue A\n- stack B\n", 10, "a queue or a stack, not both"),
    ("edges: A-B\n- queue A A\n", 9, "named twice"),
    ("edges: A-B\n- visit\n", 9, "needs something to visit"),
    ("edges: A-B\n- visit A\nedges: B-C\n", 10, "after the steps"),
    ("directed: no\nedges: A->B\n", 9, "directed: no"),
    ("directed: maybe\nedges: A-B\n", 8, "yes or no"),
    ("colour: red\nedges: A-B\n", 8, "graph lines are"),
    ("edges: A-B\n- visit A-B\n", 9, "not a node name"),
    ("- visit A\n", 7, "needs an 'edges:' line"),
])
def test_a_graph_that_cannot_be_drawn_names_its_line(lines, line, words):
    with pytest.raises(ScriptError) as info:
        compile_script(f"# T\n\n## S\n\nText.\n\n```graph\n{lines}```\n", "script.md")
    assert info.value.line == line, info.value.message
    assert info.value.hint and words in info.value.message


def test_the_rules_live_in_the_model():
    with pytest.raises(ValueError, match="self-loop"):
        Model(nodes=["A"], edges=[Edge(a="A", b="A")])
    with pytest.raises(ValueError, match=r"steps\[0\]: A and C are not joined"):
        Model(nodes=["A", "B", "C"], edges=[Edge(a="A", b="B")],
              steps=[GraphStep(op="path", nodes=["A", "C"])])
    with pytest.raises(ValueError, match="'highlight' takes edges"):
        Model(nodes=["A", "B"], edges=[Edge(a="A", b="B")],
              steps=[GraphStep(op="highlight", nodes=["A"])])
    with pytest.raises(ValueError, match="a root is for the tree layout only"):
        Model(nodes=["A", "B"], edges=[Edge(a="A", b="B")], root="A")
    assert "description" in Model.model_json_schema()["properties"]["layout"]


def test_a_highlighted_term_flashes_its_node_edge_or_queue():
    figure = _figure(BFS)
    assert graph_kind.flash(figure, "v1", "A") == "v1.part('A')"
    assert graph_kind.flash(figure, "v1", "c") == "v1.part('C')"
    assert graph_kind.flash(figure, "v1", "B-A") == "v1.part('A-B')"
    assert graph_kind.flash(figure, "v1", "queue") == "v1.part('queue')"
    assert graph_kind.flash(figure, "v1", "breadth") is None


# -- the kit figure ----------------------------------------------------------------------------
def _texts(mob):
    from manim import Text

    return [m for m in mob.get_family() if isinstance(m, Text)]


def _clear(figure) -> None:
    """No two texts of the figure overlap, and all of it lies in the body area."""
    from flaming_horse.scene_kit.inspect import overlaps
    from flaming_horse.scene_kit.layout import body_area

    assert overlaps([figure]) == []
    assert body_area().contains(figure)


@pytest.mark.parametrize("body", [BFS, WEIGHTED, "D.\n\n```graph\nlayout: circular\n"
                                  "edges: 1->2, 2->3, 3->1, 3->4, 4->3\n- path 1 2 3 4 3\n```\n"])
def test_the_kit_figure_lays_out_and_animates_every_step(body):
    from manim import Animation

    from flaming_horse.scene_kit import figure as kit_figure

    data = _figure(body).model_dump(mode="json")
    first = kit_figure(data)
    again = kit_figure(data)  # the same data, the same picture (the spring layout is seeded)
    for name in data["nodes"]:
        assert np.allclose(first.part(name).get_center(), again.part(name).get_center())
    _clear(first)
    assert all(isinstance(a, Animation) for a in first.enter())
    for k in range(1, len(data["steps"]) + 1):
        anims = first.step(k)
        assert anims and all(isinstance(a, Animation) for a in anims)
        for anim in anims:  # play each step to its end, as a scene would
            anim.begin()
            anim.interpolate(1.0)
            anim.finish()
            anim.clean_up_from_scene(_NullScene())
        _clear(first)


class _NullScene:
    """What clean_up_from_scene needs of a scene (a remover takes itself off it)."""

    def remove(self, *mobjects):
        pass

    def add(self, *mobjects):
        pass


def test_a_tree_hangs_from_its_root_and_weights_sit_clear_of_the_nodes():
    from flaming_horse.scene_kit import figure as kit_figure
    from flaming_horse.scene_kit.labels import overlap, rect

    tree = kit_figure(_figure(BFS).model_dump(mode="json"))
    levels = [tree.part(n).get_center()[1] for n in "ABCDEF"]
    assert levels[0] > levels[1] > levels[3] and levels[1] == pytest.approx(levels[2])
    roads = kit_figure(_figure(WEIGHTED).model_dump(mode="json"))
    nodes = [rect(roads.part(n)[0]) for n in ["S", "A", "B", "T", "X"]]
    for weight in roads.weights:
        assert all(overlap(rect(weight), node) == 0 for node in nodes)


@pytest.mark.parametrize("layout", ["auto", "tree", "spring", "circular", "kamada_kawai",
                                    "planar"])
def test_every_layout_fits_the_body_area_with_readable_names(layout):
    from flaming_horse import scene_kit as kit
    from flaming_horse.scene_kit.layout import effective_font_size
    from flaming_horse.scene_kit import palette

    edges = "A-B:3, A-C:1, B-D:2, B-E:4, C-F:5, C-G:1" + ("" if layout == "tree" else ", D-E:2")
    data = _figure(f"G.\n\n```graph\nlayout: {layout}\nedges: {edges}\n- queue B C\n```\n")
    fig = kit.figure(data.model_dump(mode="json"))
    _clear(fig)
    assert all(effective_font_size(t) >= palette.MIN_FONT_SIZE - 0.5 for t in _texts(fig))


def test_a_trees_children_read_left_to_right_in_the_order_of_the_edges():
    from flaming_horse import scene_kit as kit

    data = _figure("T.\n\n```graph\nedges: A-B, A-C, A-D, B-E, B-F\n```\n")
    tree = kit.figure(data.model_dump(mode="json"))
    xs = {n: tree.part(n).get_center()[0] for n in "ABCDEF"}
    assert xs["B"] < xs["C"] < xs["D"] and xs["E"] < xs["F"]
