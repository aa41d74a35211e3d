"""The ```` ```flow ```` block: boxes joined by arrows, laid out in layers by the code, with steps
that reveal or highlight boxes and arrows and trace a path (a dot travelling along the arrows).

    ```flow
    direction: right
    Source -> Lexer -> Parser -> "Code generator"
    Parser -> Errors : "bad input"
    - highlight Lexer
    - trace Source Lexer Parser
    ```

Header lines: ``direction: right|down``; ``boxes: A, B, "C D"`` (declares the boxes, in order:
then every arrow must use these names); ``Name: longer text`` (what box Name shows); arrow
lines ``A -> B -> C`` (a chain), ``A -> B : label`` (one arrow with a label). Steps: ``reveal
X ...`` (boxes or arrows ``A -> B``, hidden until then), ``highlight X ...``, ``trace A B C``.
"""

from __future__ import annotations

import re
import shlex
from typing import Literal, get_args

from pydantic import Field, model_validator

from flaming_horse import figure_rules as rules
from flaming_horse.authoring.figures.block import Block, Fail, Line
from flaming_horse.authoring.model_base import Model as _Model
from flaming_horse.authoring.model_base import OneLine

FENCE = "flow"
MAX_BOXES = 12  # more boxes than this are too small to read
MAX_ARROWS = 20
MAX_NAME = 24  # characters in a box's name
MAX_TEXT = 48  # characters a box shows (wrapped to fit)
MAX_LABEL = 24  # characters in an arrow's label
MAX_LAYERS = {"right": 6, "down": 4}  # boxes one after another along the flow
MAX_ACROSS = {"right": 5, "down": 6}  # boxes side by side in one layer
ARROW = "->"


class FlowBox(_Model):
    """One box: ``name`` (what arrows and steps call it) and the ``text`` it shows."""

    name: OneLine = Field(min_length=1, max_length=MAX_NAME,
                          description="the box's name, used by arrows and steps")
    text: OneLine = Field("", max_length=MAX_TEXT,
                          description="what the box shows, wrapped to fit ('' : its name)")


class FlowArrow(_Model):
    source: OneLine = Field(description="the name of the box it leaves")
    target: OneLine = Field(description="the name of the box it points to")
    label: OneLine = Field("", max_length=MAX_LABEL, description="a short label ('' for none)")


class FlowStep(_Model):
    """``reveal`` shows boxes and arrows hidden until then; ``highlight`` lights them (what
    the step before lit goes back); ``trace`` moves a dot along ``path``, box to box, over
    the arrows between them."""

    op: Literal["reveal", "highlight", "trace"] = Field(description="what the step does")
    boxes: list[OneLine] = Field(default_factory=list,
                                 description="reveal/highlight: box names; trace: the path, "
                                 "box by box")
    arrows: list[OneLine] = Field(default_factory=list,
                                  description="reveal/highlight: arrows as 'Source -> Target'")


class Model(_Model):
    """A flow diagram: boxes joined by arrows (a pipeline, a process, a state machine), laid
    out in layers along ``direction``; steps reveal and highlight boxes and arrows, and trace a
    path with a travelling dot."""

    kind: Literal["flow"] = "flow"
    direction: Literal["right", "down"] = Field("right", description="the way the flow runs")
    boxes: list[FlowBox] = Field(min_length=1, max_length=MAX_BOXES)
    arrows: list[FlowArrow] = Field(default_factory=list, max_length=MAX_ARROWS)
    steps: list[FlowStep] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rules(self) -> "Model":
        names = [b.name for b in self.boxes]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"the box '{name}' is named twice")
            if ARROW in name:
                raise ValueError(f"a box name cannot hold '{ARROW}': '{name}'")
        pairs: list[tuple[str, str]] = []
        for arrow in self.arrows:
            for end in (arrow.source, arrow.target):
                if end not in names:
                    raise ValueError(f"the arrow {arrow.source} -> {arrow.target} names an "
                                     f"unknown box '{end}'")
            if arrow.source == arrow.target:
                raise ValueError(f"the arrow {arrow.source} -> {arrow.target} leaves and enters "
                                 "the same box")
            if (arrow.source, arrow.target) in pairs:
                raise ValueError(f"the arrow {arrow.source} -> {arrow.target} is given twice")
            pairs.append((arrow.source, arrow.target))
        layer = layers(names, pairs)
        depth = max(layer.values()) + 1
        if depth > MAX_LAYERS[self.direction]:
            raise ValueError(f"a flow {depth} boxes long does not fit the frame going "
                             f"{self.direction} (at most {MAX_LAYERS[self.direction]}): split it, "
                             "or use 'direction: " + ("down'" if self.direction == "right"
                                                      else "right'"))
        widest = max(list(layer.values()).count(k) for k in range(depth))
        if widest > MAX_ACROSS[self.direction]:
            raise ValueError(f"{widest} boxes side by side do not fit the frame going "
                             f"{self.direction} (at most {MAX_ACROSS[self.direction]})")
        self._check_steps(names, pairs)
        return self

    def _check_steps(self, names: list[str], pairs: list[tuple[str, str]]) -> None:
        revealed_at: dict[str, int] = {}  # name or 'A -> B' -> the step revealing it
        for i, step in enumerate(self.steps):
            where = f"steps[{i}]: "
            for name in step.boxes:
                if name not in names:
                    raise ValueError(where + f"there is no box '{name}' ({', '.join(names)})")
            arrows = [_arrow_pair(a) for a in step.arrows]
            for a, ref in zip(arrows, step.arrows):
                if a is None or a not in pairs:
                    raise ValueError(where + f"there is no arrow '{ref}'")
            if step.op == "trace":
                if step.arrows or len(step.boxes) < 2:
                    raise ValueError(where + "'trace' takes a path of two or more boxes")
                for a, b in zip(step.boxes, step.boxes[1:]):
                    if (a, b) not in pairs:
                        raise ValueError(where + f"there is no arrow {a} -> {b} to trace")
            elif not step.boxes and not step.arrows:
                raise ValueError(where + f"'{step.op}' needs boxes or arrows")
            if step.op == "reveal":
                for key in [*step.boxes, *(f"{a} -> {b}" for a, b in arrows)]:
                    if key in revealed_at:
                        raise ValueError(where + f"'{key}' is revealed twice")
                    revealed_at[key] = i
        for i, step in enumerate(self.steps):  # nothing is used before it is shown
            where = f"steps[{i}]: "
            used = [*step.boxes, *(f"{a} -> {b}" for a, b in map(_arrow_pair, step.arrows))]
            if step.op == "trace":
                used += [f"{a} -> {b}" for a, b in zip(step.boxes, step.boxes[1:])]
            for key in used:
                when = _shown_at(key, revealed_at)
                if when > i or (when == i and step.op != "reveal"):
                    raise ValueError(where + f"'{key}' is used before the step that reveals it")
            if step.op == "reveal":
                for a, b in map(_arrow_pair, step.arrows):
                    for end in (a, b):
                        if revealed_at.get(end, -1) > i:
                            raise ValueError(where + f"the arrow {a} -> {b} is revealed before "
                                             f"its box '{end}'")


def _shown_at(key: str, revealed_at: dict[str, int]) -> int:
    """The step that shows ``key`` (-1: the figure's first step): its own reveal, or for an
    arrow not revealed on its own, the later of its boxes'."""
    if key in revealed_at:
        return revealed_at[key]
    pair = _arrow_pair(key)
    if pair is None:
        return -1
    return max(revealed_at.get(pair[0], -1), revealed_at.get(pair[1], -1))


def _arrow_pair(text: str) -> tuple[str, str] | None:
    parts = [p.strip() for p in text.split(ARROW)]
    return (parts[0], parts[1]) if len(parts) == 2 and all(parts) else None


def layers(names: list[str], arrows: list[tuple[str, str]]) -> dict[str, int]:
    """Each box's layer: the longest path to it from a box nothing points to, once the arrows
    that close a cycle (found depth-first, in the order given) are turned round; the kit's own
    rule (figure_rules.py), so the checks here see the layout the video shows."""
    return rules.layers(names, arrows)[0]


FlowFigure = Model
OPS = get_args(FlowStep.model_fields["op"].annotation)


# -- the script block ----------------------------------------------------------------------------
def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1].strip()
    return text


def parse(body: list[str], start: int, fail: Fail) -> FlowFigure:
    """The figure of a flow block whose lines are ``body`` (the block opens on ``start``)."""
    block = Block.split(FENCE, body, start, fail)
    direction = "right"
    declared: list[str] | None = None
    texts: dict[str, str] = {}
    order: list[str] = []  # boxes in the order they first appear
    arrows: list[dict] = []
    arrow_lines: dict[tuple[str, str], int] = {}
    for line in block.header:
        if ARROW in line.text:
            for arrow in _arrows(block, line):
                pair = (arrow["source"], arrow["target"])
                if pair in arrow_lines:
                    raise block.error(f"the arrow {pair[0]} -> {pair[1]} is given twice",
                                      line.number, f"it is first given on line "
                                      f"{arrow_lines[pair]}; write each arrow once")
                for end in pair:
                    if declared is not None and end not in declared:
                        raise block.error(f"the arrow {pair[0]} -> {pair[1]} names an unknown "
                                          f"box '{end}'", line.number,
                                          f"the boxes are {', '.join(declared)}")
                    if end not in order:
                        order.append(end)
                arrow_lines[pair] = line.number
                arrows.append(arrow)
            _count(block, order, line)
            continue
        match = re.fullmatch(r"(\"[^\"]+\"|'[^']+'|[^:\"']+?)\s*:\s*(.*)", line.text)
        if not match:
            raise block.error(f"flow lines are 'direction: right', 'boxes: A, B, C', 'Name: "
                              f"text', arrows 'A -> B -> C' or steps '- ...', got "
                              f"'{line.text}'", line.number)
        key, rest = _unquote(match.group(1)), match.group(2).strip()
        if key.lower() == "direction" and match.group(1)[0] not in "\"'":
            direction = {"right": "right", "left to right": "right", "across": "right",
                         "down": "down", "top down": "down", "top to bottom": "down"}.get(
                rest.lower(), "")
            if not direction:
                raise block.error(f"'direction:' is right or down, got '{rest}'", line.number,
                                  "write 'direction: right' (left to right) or 'direction: "
                                  "down' (top to bottom)")
        elif key.lower() == "boxes" and match.group(1)[0] not in "\"'":
            if declared is not None:
                raise block.error("a second 'boxes:' line", line.number,
                                  "declare all the boxes on one 'boxes:' line")
            if order:
                raise block.error("'boxes:' after the arrows", line.number,
                                  "declare the boxes first, then the arrows")
            declared = []
            for part in _split_names(block, rest, line):
                if part in declared:
                    raise block.error(f"the box '{part}' is named twice", line.number,
                                      "give each box its own name")
                declared.append(part)
            order = list(declared)
        else:
            name = _name(block, key, line)
            if name in texts:
                raise block.error(f"the box '{name}' is described twice", line.number,
                                  "give each box one 'Name: text' line")
            if declared is not None and name not in declared:
                raise block.error(f"'{name}' is not one of the boxes", line.number,
                                  f"the boxes are {', '.join(declared)}")
            if not rest:
                raise block.error(f"'{name}:' has no text", line.number,
                                  f"write e.g. '{name}: what it does'")
            if len(rest) > MAX_TEXT:
                raise block.error(f"the text of '{name}' is too long for a box", line.number,
                                  f"keep it to {MAX_TEXT} characters")
            texts[name] = _unquote(rest)
            if name not in order:
                order.append(name)
        _count(block, order, line)
    if not order:
        raise block.error("a flow block needs boxes and arrows", start,
                          "write e.g. 'Source -> Lexer -> Parser'")
    boxes = [{"name": n, "text": texts.get(n, "")} for n in order]
    first = next((ln.number for ln in block.header if ARROW in ln.text), start + 1)
    layer = layers(order, [(a["source"], a["target"]) for a in arrows])
    depth = max(layer.values()) + 1
    widest = max(list(layer.values()).count(k) for k in range(depth))
    if depth > MAX_LAYERS[direction]:
        other = "down" if direction == "right" else "right"
        raise block.error(f"a flow {depth} boxes long does not fit the frame going {direction}",
                          first, f"at most {MAX_LAYERS[direction]} one after another: split it "
                          f"into two figures, or try 'direction: {other}'")
    if widest > MAX_ACROSS[direction]:
        raise block.error(f"{widest} boxes side by side do not fit the frame going "
                          f"{direction}", first, f"at most {MAX_ACROSS[direction]} side by "
                          "side: split the flow into two figures")
    steps = [_step(block, line, order) for line in block.steps]
    data = {"direction": direction, "boxes": boxes, "arrows": arrows, "steps": steps}
    return block.validated(FlowFigure, data, lines={"arrows": first, "boxes": start + 1,
                                                    "direction": start + 1})


def _count(block: Block, order: list[str], line: Line) -> None:
    if len(order) > MAX_BOXES:
        raise block.error(f"a flow of {len(order)} boxes is too many to read", line.number,
                          f"show at most {MAX_BOXES} boxes; split the flow into two figures")


def _name(block: Block, text: str, line: Line) -> str:
    name = _unquote(text)
    if not name:
        raise block.error("a box with no name", line.number, "write e.g. 'Parser'")
    if len(name) > MAX_NAME:
        raise block.error(f"the box name '{name}' is too long", line.number,
                          f"keep names to {MAX_NAME} characters; put longer text on a line "
                          f"'Name: text'")
    return name


def _split_names(block: Block, text: str, line: Line) -> list[str]:
    try:
        lexer = shlex.shlex(text, posix=True)
        lexer.whitespace, lexer.whitespace_split = ",", True
        parts = [p.strip() for p in lexer]
    except ValueError as exc:
        raise block.error(f"{exc} in '{text}'", line.number, 'close the quote: "a name"') \
            from None
    if not parts or any(not p for p in parts):
        raise block.error("'boxes:' needs names separated by commas", line.number,
                          "write e.g. 'boxes: Source, Lexer, \"Code generator\"'")
    return [_name(block, p, line) for p in parts]


def _arrows(block: Block, line: Line) -> list[dict]:
    """``A -> B -> C`` or ``A -> B : label``."""
    parts = line.text.split(ARROW)
    last = re.fullmatch(r"\s*(\"[^\"]*\"|'[^']*'|[^:]*?)\s*(?::\s*(.*))?", parts[-1])
    label = ""
    if last and last.group(2) is not None:
        parts[-1], label = last.group(1), _unquote(last.group(2))
        if not label:
            raise block.error("an arrow label after ':' is empty", line.number,
                              "write e.g. 'Parser -> Errors : bad input', or drop the ':'")
        if len(parts) > 2:
            raise block.error("a label belongs to one arrow, this line has "
                              f"{len(parts) - 1}", line.number,
                              "put the labelled arrow on its own line: 'A -> B : label'")
        if len(label) > MAX_LABEL:
            raise block.error(f"the label '{label}' is too long for an arrow", line.number,
                              f"keep labels to {MAX_LABEL} characters")
    names = [_name(block, p, line) if p.strip() else "" for p in parts]
    if any(not n for n in names):
        raise block.error(f"an arrow with no box at one end in '{line.text}'", line.number,
                          "write e.g. 'Source -> Lexer -> Parser'")
    for a, b in zip(names, names[1:]):
        if a == b:
            raise block.error(f"the arrow {a} -> {b} leaves and enters the same box",
                              line.number, "a loop goes through another box: A -> B -> A")
    return [{"source": a, "target": b, "label": label} for a, b in zip(names, names[1:])]


def _step(block: Block, line: Line, names: list[str]) -> dict:
    words = block.words(line.text, line.number)
    op = words[0].lower() if words else ""
    if op not in OPS:
        raise block.error(f"unknown flow step '{op}'", line.number, f"steps: {', '.join(OPS)}")
    items: list[str] = []
    joined = False  # the last item waits for the other end of an arrow
    for word in words[1:]:
        for piece in re.split(r"(->)", word):
            piece = piece.strip()
            if not piece:
                continue
            if piece == ARROW:
                if not items or joined:
                    raise block.error(f"'{ARROW}' without a box before it", line.number,
                                      "write an arrow as 'A -> B'")
                joined = True
            elif joined:
                items[-1] = f"{items[-1]} {ARROW} {piece}"
                joined = False
            else:
                items.append(piece)
    if joined:
        raise block.error(f"'{ARROW}' without a box after it", line.number,
                          "write an arrow as 'A -> B'")
    if op == "trace":
        path: list[str] = []
        for item in items:
            for name in (p.strip() for p in item.split(ARROW)):
                if not path or path[-1] != name:
                    path.append(name)
        items = path
    for item in items:
        for name in (p.strip() for p in item.split(ARROW)):
            if name not in names:
                raise block.error(f"there is no box '{name}'", line.number,
                                  f"the boxes are {', '.join(names)}")
    if not items:
        example = {"trace": "trace Source Lexer Parser", "reveal": "reveal Errors",
                   "highlight": "highlight Lexer"}[op]
        raise block.error(f"'{op}' needs boxes", line.number, f"write e.g. '- {example}'")
    if op == "trace":
        return {"op": op, "boxes": items, "arrows": []}
    return {"op": op, "boxes": [i for i in items if ARROW not in i],
            "arrows": [i for i in items if ARROW in i]}


# -- scene code ------------------------------------------------------------------------------------
def emit(v: FlowFigure, b) -> None:
    from flaming_horse.authoring.figures import emit_steps, kit_data

    emit_steps(v, b, build=f"kit.figure({kit_data(v)})", share=0.85, max_run=4.0)


def flash(v: FlowFigure, var: str, term: str) -> str | None:
    """A term naming a box (its name or its text) flashes the box; an arrow's label, the
    label."""
    want = " ".join(term.split()).lower()
    for box in v.boxes:
        if want in (box.name.lower(), " ".join(box.text.split()).lower()):
            return f"{var}.part({'box ' + box.name!r})"
    for box in v.boxes:
        if want and want in box.text.lower():
            return f"{var}.part({'box ' + box.name!r})"
    for arrow in v.arrows:
        if arrow.label and arrow.label.lower() == want:
            return f"{var}.part({'label ' + arrow.source + ' -> ' + arrow.target!r})"
    return None
