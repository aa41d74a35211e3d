"""The Markdown script format: compile script.md into a storyboard (Plan), with errors naming the line.

    # Video title
    ## Scene title            each ## heading starts a scene
    A paragraph.              each paragraph is one narration beat
    - a bullet                a visual right after a paragraph belongs to that beat:
    $$ a^2 + b^2 = c^2 $$       bullets, equation steps (one $$...$$ per line),
    ```plot ... ```             a function plot, a fenced code listing,
    ::: title|compare|recap     or a directive block closed by :::

See README "The script format" for the full reference.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from flaming_horse.authoring.storyboard import (
    Beat, BulletList, CodeListing, Comparison, EquationSteps, FunctionPlot, Plan, Recap, Scene,
    TitleCard, Visual, anchor_steps, scene_id,
)
from flaming_horse.errors import ScriptError
from flaming_horse_voice.words import bookmark_names

DIRECTIVES = ("title", "compare", "recap")
PLOT_FUNCTIONS = {"sin", "cos", "tan", "exp", "log", "sqrt", "abs", "arctan", "sinh", "cosh", "tanh"}
PLOT_NAMES = {"x", "pi", "e"} | PLOT_FUNCTIONS
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_EQUATION = re.compile(r"^\s*\$\$(.*)\$\$\s*$")
_MARKER = re.compile(r"\{(\d+)\}\s*")  # {n} in narration: step n of the visual starts here


@dataclass
class Formula:
    latex: str
    line: int


@dataclass
class CompiledScript:
    plan: Plan
    formulas: list[Formula] = field(default_factory=list)


@dataclass
class _SceneDraft:
    title: str
    line: int
    beats: list[dict] = field(default_factory=list)
    pending_visual: tuple[Visual, int] | None = None


class _Parser:
    def __init__(self, text: str, path: str | None) -> None:
        self.lines = text.splitlines()
        self.path = path
        self.i = 0
        self.title: str | None = None
        self.scenes: list[_SceneDraft] = []
        self.formulas: list[Formula] = []

    # -- helpers -----------------------------------------------------------------------------
    def error(self, message: str, line: int, hint: str | None = None) -> ScriptError:
        return ScriptError(message, line=line, path=self.path, hint=hint)

    @property
    def lineno(self) -> int:
        return self.i + 1

    def scene(self, line: int, what: str) -> _SceneDraft:
        if not self.scenes:
            raise self.error(f"{what} before the first '## Scene title' heading", line,
                             hint="start each scene with a '## ' heading")
        return self.scenes[-1]

    def attach(self, visual: Visual, line: int) -> None:
        scene = self.scene(line, "a visual")
        if scene.beats and scene.beats[-1]["visual"] is None and scene.pending_visual is None:
            scene.beats[-1]["visual"] = visual
        elif not scene.beats and scene.pending_visual is None:
            scene.pending_visual = (visual, line)
        else:
            raise self.error("a beat can carry only one visual", line,
                             hint="write a narration paragraph before this visual")

    # -- blocks ------------------------------------------------------------------------------
    def parse(self) -> CompiledScript:
        while self.i < len(self.lines):
            line = self.lines[self.i]
            stripped = line.strip()
            if not stripped or stripped.startswith("<!--"):
                self.skip_comment() if stripped.startswith("<!--") else None
                self.i += 1
            elif stripped.startswith("### "):
                raise self.error("only '#' (video title) and '##' (scene) headings are allowed",
                                 self.lineno)
            elif stripped.startswith("## "):
                self.scenes.append(_SceneDraft(stripped[3:].strip(), self.lineno))
                self.i += 1
            elif stripped.startswith("# "):
                if self.title is not None or self.scenes:
                    raise self.error("a second '# ' title: a script has one title", self.lineno,
                                     hint="use '## ' for scene headings")
                self.title = stripped[2:].strip()
                self.i += 1
            elif stripped.startswith("```"):
                self.fence()
            elif stripped.startswith(":::"):
                self.directive()
            elif "$$" in stripped:
                self.equations()
            elif _BULLET.match(line):
                self.bullets()
            else:
                self.paragraph()
        return self.finish()

    def skip_comment(self) -> None:
        start = self.lineno
        while "-->" not in self.lines[self.i]:
            self.i += 1
            if self.i >= len(self.lines):
                raise self.error("unclosed HTML comment '<!--'", start)

    def paragraph(self) -> None:
        start = self.lineno
        parts: list[str] = []
        while self.i < len(self.lines):
            s = self.lines[self.i].strip()
            if not s or s.startswith(("#", "```", ":::", "<!--")) or _BULLET.match(s):
                break
            if "$$" in s:
                raise self.error("unbalanced or misplaced '$$': equations go on their own line as "
                                 "'$$ ... $$'", self.lineno)
            parts.append(s)
            self.i += 1
        text, highlights = highlighted(" ".join(parts))
        text = spoken_text(text)
        text = _MARKER.sub(lambda m: f'<bookmark mark="s{int(m.group(1))}"/>', text)
        if re.search(r"(?<!\\)\$", text):
            raise self.error("inline '$...$' math in narration cannot be spoken", start,
                             hint="write the formula in words, and show it as a '$$ ... $$' line")
        scene = self.scene(start, "narration")
        visual = None
        if scene.pending_visual is not None:
            visual = scene.pending_visual[0]
            scene.pending_visual = None
        scene.beats.append({"narration": text, "visual": visual, "line": start,
                            "highlights": highlights})

    def bullets(self) -> None:
        start = self.lineno
        items: list[str] = []
        while self.i < len(self.lines) and (m := _BULLET.match(self.lines[self.i])):
            items.append(m.group(1).strip())
            self.i += 1
        self.attach(BulletList(items=items), start)

    def equations(self) -> None:
        start = self.lineno
        steps: list[str] = []
        while self.i < len(self.lines) and "$$" in self.lines[self.i]:
            raw = self.lines[self.i]
            m = _EQUATION.match(raw)
            if not m or "$$" in m.group(1) or not m.group(1).strip():
                raise self.error("unbalanced '$$': write each equation step as '$$ ... $$' on "
                                 "one line", self.lineno)
            steps.append(m.group(1).strip())
            self.formulas.append(Formula(m.group(1).strip(), self.lineno))
            self.i += 1
        self.attach(EquationSteps(steps=steps), start)

    def block_body(self, closer: str, what: str) -> tuple[int, list[str]]:
        start = self.lineno
        self.i += 1
        body: list[str] = []
        while self.i < len(self.lines):
            if self.lines[self.i].strip() == closer:
                self.i += 1
                return start, body
            body.append(self.lines[self.i])
            self.i += 1
        raise self.error(f"unclosed {what}: no closing '{closer}'", start)

    def fence(self) -> None:
        info = self.lines[self.i].strip()[3:].strip()
        start, body = self.block_body("```", "code fence")
        if info == "plot":
            self.attach(self.plot(body, start), start)
            return
        language = info or "text"
        try:
            from pygments.lexers import get_lexer_by_name
            from pygments.util import ClassNotFound

            get_lexer_by_name(language)
        except ClassNotFound:
            raise self.error(f"unknown code language '{language}'", start,
                             hint="use a Pygments language name such as python, c, js, text")
        code = "\n".join(body).strip("\n")
        if not code.strip():
            raise self.error("empty code listing", start)
        self.attach(CodeListing(language=language, code=code), start)

    def plot(self, body: list[str], start: int) -> FunctionPlot:
        fields: dict[str, str] = {}
        for offset, raw in enumerate(body, start=1):
            if not raw.strip():
                continue
            key, sep, value = raw.partition(":")
            key = key.strip().lower()
            if not sep or key not in {"function", "x", "y", "label"}:
                raise self.error(f"plot lines are 'function: ...', 'x: min, max', 'y: min, max' or "
                                 f"'label: ...', got '{raw.strip()}'", start + offset)
            fields[key] = value.strip()
            if key == "function":
                check_plot_function(fields[key], lambda m, ln=start + offset: self.error(m, ln))
            if key == "label":
                self.formulas.append(Formula(fields[key], start + offset))
        if "function" not in fields:
            raise self.error("a plot needs a 'function: ...' line (a Python expression in x)", start)
        ranges = {}
        for axis in ("x", "y"):
            if axis in fields:
                ranges[f"{axis}_range"] = parse_range(fields[axis], lambda m: self.error(m, start))
        return FunctionPlot(function=fields["function"], label=fields.get("label"), **ranges)

    def directive(self) -> None:
        name = self.lines[self.i].strip()[3:].strip().lower()
        if name not in DIRECTIVES:
            shown = name or "(empty)"
            raise self.error(f"unknown directive '::: {shown}'", self.lineno,
                             hint=f"known directives: {', '.join(DIRECTIVES)}")
        start, body = self.block_body(":::", f"'::: {name}' block")
        rows = [r.strip() for r in body if r.strip()]
        if not rows:
            raise self.error(f"empty '::: {name}' block", start)
        if name == "title":
            if len(rows) > 2:
                raise self.error("a title card has a title line and at most one subtitle line", start)
            visual: Visual = TitleCard(title=rows[0], subtitle=rows[1] if len(rows) > 1 else None)
        elif name == "recap":
            visual = Recap(items=[_BULLET.match(r).group(1) if _BULLET.match(r) else r for r in rows])
        else:
            visual = self.comparison(rows, start)
        self.attach(visual, start)

    def comparison(self, rows: list[str], start: int) -> Comparison:
        cells = []
        for offset, row in enumerate(rows):
            if "|" not in row:
                raise self.error("comparison rows are 'left | right'", start + 1 + offset)
            left, right = (c.strip() for c in row.split("|", 1))
            cells.append((left, right))
        (left_title, right_title), rest = cells[0], cells[1:]
        if not rest:
            raise self.error("a comparison needs a header row and at least one 'left | right' row",
                             start)
        return Comparison(left_title=left_title, right_title=right_title,
                          left=[c[0] for c in rest if c[0]], right=[c[1] for c in rest if c[1]])

    def check_markers(self, beat: dict) -> None:
        numbers = [int(n[1:]) for n in bookmark_names(beat["narration"]) if n.startswith("s")]
        if not numbers:
            return
        if beat["visual"] is None:
            raise self.error(f"marker {{{numbers[0]}}} but this paragraph has no visual", beat["line"],
                             hint="markers {1}, {2}, ... anchor the steps of the visual after it")
        steps = anchor_steps(beat["visual"])
        for number in numbers:
            if not 1 <= number <= steps:
                raise self.error(f"marker {{{number}}} but the visual has {steps} step(s)",
                                 beat["line"], hint=f"use {{1}} to {{{steps}}}")
        if numbers != sorted(set(numbers)):
            raise self.error("markers must appear once each, in increasing order", beat["line"])

    def finish(self) -> CompiledScript:
        if self.title is None:
            raise self.error("the script has no '# Title' line", 1)
        if not self.scenes:
            raise self.error("the script has no scenes", 1, hint="add a '## Scene title' heading "
                             "followed by a narration paragraph")
        scenes = []
        for number, draft in enumerate(self.scenes, start=1):
            if draft.pending_visual is not None or not draft.beats:
                line = draft.pending_visual[1] if draft.pending_visual else draft.line
                raise self.error(f"scene '{draft.title}' has a visual without narration"
                                 if draft.beats or draft.pending_visual else
                                 f"scene '{draft.title}' has no narration", line,
                                 hint="every scene needs at least one narration paragraph")
            for beat in draft.beats:
                self.check_markers(beat)
            scenes.append(Scene(id=scene_id(number), title=draft.title, line=draft.line,
                                beats=[Beat(**b) for b in draft.beats]))
        return CompiledScript(Plan(title=self.title, scenes=scenes), self.formulas)


def highlighted(text: str) -> tuple[str, list[str]]:
    """``**term**`` is spoken as "term" and flashes on screen as it is said: a bookmark ``h{k}``
    goes before it, and the term is returned so the template can find what to flash."""
    terms: list[str] = []

    def mark(match: re.Match) -> str:
        terms.append(match.group(1).strip())
        return f'<bookmark mark="h{len(terms)}"/>{match.group(1)}'

    return re.sub(r"\*\*(.+?)\*\*", mark, text), terms


def spoken_text(text: str) -> str:
    """Markdown emphasis and code marks are not spoken."""
    text = re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: m.group(1) or m.group(2), text)
    text = re.sub(r"(?<!\w)[*_](.+?)[*_](?!\w)", r"\1", text)
    text = text.replace("`", "")
    return " ".join(text.split())


def check_plot_function(expr: str, fail) -> None:
    """A plot function is a plain arithmetic expression in x: no calls but maths, no attributes."""
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError as exc:
        raise fail(f"plot function '{expr}' is not a valid expression: {exc.msg}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in PLOT_NAMES:
            raise fail(f"plot function uses unknown name '{node.id}'; allowed: x, pi, e, "
                       + ", ".join(sorted(PLOT_FUNCTIONS)))
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name)
                                               and node.func.id in PLOT_FUNCTIONS):
            raise fail("plot function may only call " + ", ".join(sorted(PLOT_FUNCTIONS)))
        if not isinstance(node, (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Call, ast.Name,
                                 ast.Constant, ast.Load, ast.operator, ast.unaryop)):
            raise fail(f"plot function '{expr}' uses {type(node).__name__}, which is not allowed")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)):
            raise fail(f"plot function '{expr}' may only use numbers")


def parse_range(value: str, fail) -> tuple[float, float]:
    parts = [p for p in re.split(r"\s*(?:,|\.\.)\s*", value.strip()) if p]
    try:
        low, high = (float(p) for p in parts)
    except ValueError:
        raise fail(f"a range is 'min, max', got '{value}'")
    if not low < high:
        raise fail(f"a range needs min < max, got '{value}'")
    return (low, high)


def compile_script(text: str, path: str | None = None) -> CompiledScript:
    """Parse a Markdown script; raises ScriptError naming the line on bad input."""
    return _Parser(text, path).parse()
