"""The matrix and flow figures: script blocks become models (errors name the line), the models
hold the rules, and the kit lays them out inside the frame with nothing over their text."""

from __future__ import annotations

import numpy as np
import pytest
from manim import tempconfig
from pydantic import ValidationError

from flaming_horse.authoring.figures import flow, matrix
from flaming_horse.authoring.script import compile_script
from flaming_horse.errors import ScriptError

PRODUCT = """A: 1 2 | 3 4
B: 5 6 | 7 8
C: ? ? | ? ?
show: A x B = C
- row A 1
- column B 2
- multiply 1 2
- multiply 2 1 = 43
"""

TABLE = """row: Name, Age, Town
row: Ann, 31, Leeds
row: Bob, 42, York
header: both
- column Age
- row Bob
- cell 2 3
- set Bob Age = 43
"""

PIPELINE = """direction: right
Source -> Lexer -> Parser -> "Code generator"
Parser -> Errors : "bad input"
Lexer: splits the text into tokens
- highlight Lexer
- trace Source Lexer Parser
- reveal Errors
- highlight Errors "Parser -> Errors"
"""


def _figure(fence: str, body: str):
    script = f"# T\n\n## S\n\nText.\n\n```{fence}\n{body}```\n"
    return compile_script(script, "script.md").plan.scenes[0].beats[0].visual


def _error(fence: str, body: str) -> ScriptError:
    with pytest.raises(ScriptError) as info:
        _figure(fence, body)
    assert info.value.hint, info.value.message
    return info.value


# -- matrix ----------------------------------------------------------------------------------
def test_a_product_block_names_its_grids_and_computes_the_entries_it_writes():
    figure = _figure("matrix", PRODUCT)
    assert isinstance(figure, matrix.Model)
    assert [g.name for g in figure.grids] == ["A", "B", "C"] and figure.signs == ["×", "="]
    assert figure.grids[0].rows == [["1", "2"], ["3", "4"]] and figure.grids[0].brackets
    assert [(s.op, s.grid, s.row, s.column, s.value) for s in figure.steps] == [
        ("row", "A", 1, None, None), ("column", "B", None, 2, None),
        ("multiply", "", 1, 2, "22"), ("multiply", "", 2, 1, "43")]


def test_a_table_has_a_header_and_its_rows_and_columns_go_by_their_names():
    figure = _figure("matrix", TABLE)
    (grid,) = figure.grids
    assert grid.header == "both" and not grid.brackets and grid.name == ""
    assert [(s.op, s.row, s.column, s.value) for s in figure.steps] == [
        ("column", None, 2, None), ("row", 3, None, None), ("cell", 2, 3, None),
        ("set", 3, 2, "43")]


def test_one_row_a_line_and_spaces_or_commas_between_entries():
    figure = _figure("matrix", "row: 1, 2.5\nrow: −3 x\nbrackets: no\n- set 2 2 7\n")
    assert figure.grids[0].rows == [["1", "2.5"], ["−3", "x"]]
    assert not figure.grids[0].brackets and figure.steps[0].value == "7"


@pytest.mark.parametrize("body, line, words", [
    ("rows: 1 2 | 3\n", 8, "row 2 has 1 entry"),
    ("row: 1, 2\nrow: 3\n", 9, "row 2 has 1 entry"),
    ("rows: " + " | ".join(["1"] * 9) + "\n", 8, "9 rows does not fit"),
    ("rows: 1 2 3 4 5 6 7 8 9\n", 8, "9 entries does not fit"),
    ("rows: 1 2 | 3 4\n- cell 1 3\n", 9, "column 3 is past the end"),
    ("rows: 1 2 | 3 4\n- row 3\n", 9, "row 3 is past the end"),
    ("rows: 1 2 | 3 4\n- set 2 2\n", 9, "'set' needs a cell and a value"),
    ("rows: 1 2 | 3 4\n- cell 2\n", 9, "'cell' takes a row and a column"),
    ("rows: 1 2 | 3 4\n- jump 1\n", 9, "unknown matrix step 'jump'"),
    ("rows: 1 2 | 3 4\n- row Bob\n", 9, "'Bob' is not a row"),
    ("A: 1 2\nB: 3 4\n- row 1\n", 10, "say which grid"),
    ("A: 1 2\nrows: 3 4\n", 9, "not both"),
    ("A: 1\nB: 2\nC: 3\nD: 4\n", 11, "more than 3 grids"),
    ("A: 1 2 | 3 4\nB: 5 6 | 7 8\nC: ? ? | ? ?\n- multiply 1 2 = 21\n", 11, "is 22, not 21"),
    ("A: 1 2 3\nB: 5 6 | 7 8\nC: ? ? | ? ?\n- multiply 1 1\n", 11, "cannot be multiplied"),
    ("A: a b\nB: c | d\nC: ?\n- multiply 1 1\n", 11, "give the result"),
    ("A: 1 2\nB: 5 6\n- multiply 1 1\n", 10, "needs three grids"),
    ("rows: 1, , 2\n", 8, "an empty entry"),
    ("rows: photosynthesis\n", 8, "too long to read"),
    ("rows: 1 2\nbrackets: maybe\n", 9, "'brackets:' is yes or no"),
    ("rows: 1 2\nheader: top\n", 9, "'header:' is row, column, both"),
    ("A: 1\nB: 2\nshow: A = = B\n", 10, "must stand between two grids"),
    ("A: 1\nB: 2\nshow: A × C\n", 10, "'show:' lists the grids"),
    ("values 1 2\n", 8, "matrix lines are"),
    ("- row 1\n", 7, "needs its entries"),
    ("A: " + " ".join(["123456"] * 8) + "\nB: 1\n", 7, "too wide to read"),
])
def test_a_matrix_that_cannot_be_drawn_names_its_line(body, line, words):
    error = _error("matrix", body)
    assert error.line == line and words in error.message, (error.line, error.message)


def test_the_matrix_model_holds_the_rules_an_llm_plan_must_keep():
    good = _figure("matrix", PRODUCT).model_dump(mode="json")
    assert matrix.Model.model_validate(good) == _figure("matrix", PRODUCT)
    for change, words in [
        (lambda d: d["grids"][0]["rows"].append(["9"]), "row 3 of grid A has 1 entry"),
        (lambda d: d["steps"][2].update(value="21"), "steps[2]: row 1 of A times column 2"),
        (lambda d: d["steps"][2].update(value=None), "steps[2]: 'multiply' needs the entry"),
        (lambda d: d["steps"][0].update(grid="Z"), "steps[0]: there is no grid 'Z'"),
        (lambda d: d["grids"][1].update(name="A"), "the grid name 'A' is used twice"),
        (lambda d: d.update(signs=["×"]), "1 signs between 3 grids"),
        (lambda d: d["grids"][0].update(header="row"), "tables have no brackets"),
    ]:
        data = _figure("matrix", PRODUCT).model_dump(mode="json")
        change(data)
        with pytest.raises(ValidationError, match=words.replace("[", r"\[").replace("]", r"\]")):
            matrix.Model.model_validate(data)


def test_a_highlighted_entry_flashes_its_cell_and_a_grid_name_its_grid():
    figure = _figure("matrix", PRODUCT)
    assert matrix.flash(figure, "v1", "7") == "v1.part('cell 1 2 1')"
    assert matrix.flash(figure, "v1", "22") == "v1.part('cell 2 1 2')"  # written by a step
    assert matrix.flash(figure, "v1", "b") == "v1.part('grid 1')"
    assert matrix.flash(figure, "v1", "nothing") is None


# -- flow ------------------------------------------------------------------------------------
def test_a_pipeline_block_becomes_boxes_arrows_and_steps():
    figure = _figure("flow", PIPELINE)
    assert isinstance(figure, flow.Model) and figure.direction == "right"
    assert [(b.name, b.text) for b in figure.boxes] == [
        ("Source", ""), ("Lexer", "splits the text into tokens"), ("Parser", ""),
        ("Code generator", ""), ("Errors", "")]
    assert [(a.source, a.target, a.label) for a in figure.arrows] == [
        ("Source", "Lexer", ""), ("Lexer", "Parser", ""), ("Parser", "Code generator", ""),
        ("Parser", "Errors", "bad input")]
    assert [(s.op, s.boxes, s.arrows) for s in figure.steps] == [
        ("highlight", ["Lexer"], []), ("trace", ["Source", "Lexer", "Parser"], []),
        ("reveal", ["Errors"], []), ("highlight", ["Errors"], ["Parser -> Errors"])]


def test_a_cycle_is_laid_out_in_layers():
    figure = _figure("flow", "direction: down\nA -> B -> C -> A\nC -> D\n- trace A B C A\n")
    names = [b.name for b in figure.boxes]
    pairs = [(a.source, a.target) for a in figure.arrows]
    assert flow.layers(names, pairs) == {"A": 0, "B": 1, "C": 2, "D": 3}


@pytest.mark.parametrize("body, line, words", [
    ("boxes: A, B\nA -> C\n", 9, "names an unknown box 'C'"),
    ("boxes: A, B, A\n", 8, "the box 'A' is named twice"),
    ("A -> B\nA -> B\n", 9, "the arrow A -> B is given twice"),
    ("A: first\nA: second\nA -> B\n", 9, "described twice"),
    ("A -> A\n", 8, "leaves and enters the same box"),
    ("A -> B -> C : label\n", 8, "a label belongs to one arrow"),
    ("A -> \n", 8, "no box at one end"),
    ("A -> B -> C -> D -> E -> F -> G\n", 8, "7 boxes long does not fit"),
    ("direction: down\nA -> B -> C -> D -> E\n", 9, "5 boxes long does not fit"),
    ("\n".join(f"A -> B{i}" for i in range(6)) + "\n", 8, "6 boxes side by side"),
    ("\n".join(f"A{i} -> B{i}" for i in range(7)) + "\n", 14, "14 boxes is too many"),
    ("direction: sideways\nA -> B\n", 8, "'direction:' is right or down"),
    ("A -> B\n- trace B A\n", 9, "there is no arrow B -> A"),
    ("A -> B\n- trace A C\n", 9, "there is no box 'C'"),
    ("A -> B\n- trace A\n", 9, "a path of two or more boxes"),
    ("A -> B\n- highlight B\n- reveal B\n", 9, "used before the step that reveals it"),
    ("A -> B\n- reveal A -> B\n- reveal B\n", 9, "revealed before its box 'B'"),
    ("A -> B\n- reveal B\n- reveal B\n", 10, "revealed twice"),
    ("A -> B\n- jump A\n", 9, "unknown flow step 'jump'"),
    ("A -> B\n- highlight\n", 9, "'highlight' needs boxes"),
    ("A -> B\n- highlight A ->\n", 9, "without a box after it"),
    ("just words\n", 8, "flow lines are"),
    ("- highlight A\n", 7, "needs boxes and arrows"),
])
def test_a_flow_that_cannot_be_drawn_names_its_line(body, line, words):
    error = _error("flow", body)
    assert error.line == line and words in error.message, (error.line, error.message)


def test_the_flow_model_holds_the_rules_an_llm_plan_must_keep():
    for change, words in [
        (lambda d: d["arrows"].append({"source": "Parser", "target": "Nowhere", "label": ""}),
         "unknown box 'Nowhere'"),
        (lambda d: d["boxes"].append({"name": "Lexer", "text": ""}), "named twice"),
        (lambda d: d["steps"][1].update(boxes=["Source", "Parser"]),
         "steps[1]: there is no arrow Source -> Parser"),
        (lambda d: d["steps"][0].update(arrows=["Lexer -> Source"]),
         "steps[0]: there is no arrow 'Lexer -> Source'"),
    ]:
        data = _figure("flow", PIPELINE).model_dump(mode="json")
        change(data)
        with pytest.raises(ValidationError, match=words.replace("[", r"\[").replace("]", r"\]")):
            flow.Model.model_validate(data)


def test_a_highlighted_box_name_or_text_flashes_the_box():
    figure = _figure("flow", PIPELINE)
    assert flow.flash(figure, "v2", "parser") == "v2.part('box Parser')"
    assert flow.flash(figure, "v2", "tokens") == "v2.part('box Lexer')"
    assert flow.flash(figure, "v2", "bad input") == "v2.part('label Parser -> Errors')"
    assert flow.flash(figure, "v2", "nothing") is None


# -- scene code and the kit -------------------------------------------------------------------
def test_both_figures_become_one_kit_figure_call_with_their_steps():
    script = (f"# T\n\n## S\n\n{{1}}Multiply {{2}}row one {{3}}by column two {{4}}gives 22.\n\n"
              f"```matrix\n{PRODUCT}```\n\nThen **Parser** reads the tokens.\n\n"
              f"```flow\n{PIPELINE}```\n")
    from flaming_horse.authoring.template import scene_source

    plan = compile_script(script, "script.md").plan
    scene = plan.scenes[0]
    source = scene_source(plan, scene, [b.narration for b in scene.beats])
    assert source.count("kit.figure(") == 2 and "'kind': 'matrix'" in source
    assert "s = kit.schedule(tracker, 5" in source and "s = kit.schedule(tracker, 5," in source
    assert "('h1', v2.part('box Parser'))" in source


@pytest.fixture(scope="module")
def kit():
    from flaming_horse import scene_kit

    with tempconfig({"pixel_width": 854, "pixel_height": 480}):
        scene_kit.configure()
        yield scene_kit


def _rect(mob) -> tuple[float, float, float, float]:
    (x0, y0, _), (x1, y1, _) = mob.get_corner([-1, -1, 0]), mob.get_corner([1, 1, 0])
    return x0, y0, x1, y1


def _overlap(a, b) -> float:
    w, h = min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _crosses(rect, p, q) -> bool:
    ts = np.linspace(0.02, 0.98, 60)
    pts = p[None, :2] + ts[:, None] * (q - p)[None, :2]
    return bool(((pts[:, 0] > rect[0]) & (pts[:, 0] < rect[2]) & (pts[:, 1] > rect[1])
                 & (pts[:, 1] < rect[3])).any())


@pytest.mark.parametrize("body", [
    PIPELINE,
    "direction: down\nboxes: Idea, Draft, Review, Ship, Archive\nIdea -> Draft -> Review -> "
    "Ship\nReview -> Draft : changes\nIdea -> Archive : dropped\nDraft -> Ship : hotfix\n"
    "Review: a colleague reads the draft carefully\n- reveal Archive\n- trace Idea Draft Review "
    "Draft\n",
    "A -> B -> C -> D\nA -> D : skip\nA -> C\nB -> D\n- trace A B C D\n",
])
def test_a_flow_keeps_arrows_and_labels_off_the_boxes(kit, body):
    data = _figure("flow", body).model_dump(mode="json")
    figure = kit.figure(data)
    area = kit.body_area()
    assert area.contains(figure)
    shown = {name: figure.plain[f"box {name}"] for name in figure.boxes}  # revealed or not
    frames = {name: _rect(group[0]) for name, group in shown.items()}
    for name, group in shown.items():  # the text inside its box, at a readable size
        x0, y0, x1, y1 = frames[name]
        t = _rect(group[1])
        assert x0 < t[0] and t[2] < x1 and y0 < t[1] and t[3] < y1
        assert all(kit.effective_font_size(text) >= 19.9 for text in group[1])
    for (a, b), points in figure.ways.items():  # arrows cross no box but their own ends
        for p, q in zip(points, points[1:]):
            for name, frame in frames.items():
                shrunk = (frame[0] + 0.05, frame[1] + 0.05, frame[2] - 0.05, frame[3] - 0.05)
                assert not _crosses(shrunk, p, q), (a, b, name)
    labels = [_rect(figure.plain[f"label {a} -> {b}"]) for a, b in figure.labels]
    for i, label in enumerate(labels):
        assert all(_overlap(label, f) == 0 for f in frames.values())
        assert all(_overlap(label, other) == 0 for other in labels[i + 1:])
    figure.enter()
    for k in range(1, len(data["steps"]) + 1):
        assert figure.step(k)


@pytest.mark.parametrize("body", [PRODUCT, TABLE, "rows: 1 2 | 3 4\n- row 1\n- column 2\n"
                                  "- cell 1 2\n- set 2 2 = 9\n"])
def test_a_matrix_fits_the_body_and_its_entries_stay_apart(kit, body):
    data = _figure("matrix", body).model_dump(mode="json")
    figure = kit.figure(data)
    assert kit.body_area().contains(figure)
    texts = [_rect(e) for grid in figure.grids for row in grid.entries for e in row]
    texts += [_rect(m) for m in figure.names]
    assert all(_overlap(a, b) == 0 for i, a in enumerate(texts) for b in texts[i + 1:])
    assert all(kit.effective_font_size(e) >= 19.9
               for grid in figure.grids for row in grid.entries for e in row)
    assert figure.enter()
    for k in range(1, len(data["steps"]) + 1):
        assert figure.step(k)
