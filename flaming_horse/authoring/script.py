r"""The Markdown script format: compile script.md into a storyboard (Plan), with errors naming the line.

    # Video title
    ## Scene title            each ## heading starts a scene
    A paragraph.              each paragraph is one narration beat
    - a bullet                a visual right after a paragraph belongs to that beat:
    1. a numbered item          a list (bullets or numbered), display math ($$ ... $$ or
    $$ a^2 + b^2 = c^2 $$       \[ ... \], on one line or over several; one per step),
    > a quote                   a quote, a table, an image ![caption](file.png),
    | a | b |                   a function plot, a fenced code listing,
    ```plot ... ```             or a directive block closed by :::
    ::: title|compare|recap

A list or quote with no paragraph of its own is narrated from its text. Markdown as people write
it is accepted: YAML front matter, thematic breaks, loose lists, continuation lines, links
(spoken as their text), backslash escapes. See README "The script format" for the reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from flaming_horse.authoring.figures import KINDS as FIGURE_KINDS
from flaming_horse.authoring.figures import parse_block
from flaming_horse.authoring.display_math import ROW_ENVIRONMENTS, MathError, display_steps
from flaming_horse.authoring.inline_markdown import (
    cells, highlighted, inline, protect, restore, sentence, spoken_text, split_cells,
)
from flaming_horse.authoring.plot_check import check_plot_function, parse_range
from flaming_horse.authoring.spoken_math import UnknownMath, speak_inline
from flaming_horse.authoring.storyboard import (
    Beat, BulletList, CodeListing, Comparison, EquationSteps, FunctionPlot, Image, Plan, Quote,
    Recap, Scene, Table, TitleCard, Visual, anchor_steps, scene_id,
)
from flaming_horse.errors import ScriptError
from flaming_horse_voice.words import bookmark_names

DIRECTIVES = ("title", "compare", "recap")
_BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^(\s*)(\d{1,9})[.)]\s+(.*)$")
_MARKER = re.compile(r"\{(\d+)\}\s*")  # {n} in narration: step n of the visual starts here
_QUOTE = re.compile(r"^\s{0,3}>\s?(.*)$")
_IMAGE = re.compile(r'^\s*!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+["\'(].*["\')])?\s*\)'
                    r'(?:\{[^}]*\})?\s*$'  # ![caption](file "title"){width=50%}
                    r'|^\s*!\[\[([^\]|]+)(?:\|([^\]]*))?\]\]\s*$')  # Obsidian: ![[file|caption]]
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_THEMATIC = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_MATH_ENV = re.compile(r"^\s*\\begin\{([A-Za-z]+\*?)\}")
_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S")  # [ref]: url and [^1]: footnote lines
_ATTRIBUTION = re.compile(r"^(?:--|\u2014|\u2013|~)\s*(.+)$")
CELL_MATH = re.compile(r"\$([^$]+)\$")  # a table cell that is one inline formula
IMAGE_KINDS = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".svg")

# Resolves an image as written in the script to the file the scene draws (the plan stage checks
# it and copies it into the project's media); the default keeps the name as written.
ImageResolver = Callable[[str, int], str]


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


def _is_block_start(line: str, next_line: str | None = None, in_paragraph: bool = False) -> bool:
    """Whether ``line`` starts a block other than a paragraph (a paragraph stops before it; as
    CommonMark says, only a numbered list from 1 breaks into one: "1999. the year" does not)."""
    s = line.strip()
    numbered = _NUMBERED.match(line)
    return (not s or s.startswith(("#", "```", "~~~", ":::", "<!--", "$$", "\\[", ">"))
            or bool(_BULLET.match(line) or _IMAGE.match(line)
                    or (numbered and (not in_paragraph or numbered.group(2) == "1"))
                    or _THEMATIC.match(line) or _math_environment(line)
                    or (next_line is not None and "|" in s and _TABLE_RULE.match(next_line)
                        and "-" in next_line)))


def _heading(text: str) -> str:
    """A heading's text without closing #s and Pandoc attributes ({#id .class})."""
    text = re.sub(r"\s*\{[#.][^}]*\}\s*$", "", text.strip())
    return re.sub(r"\s+#+\s*$", "", text).strip()


def _setext(line: str | None) -> int:
    """1 or 2 when ``line`` underlines the line above as a heading (=== or ---), else 0."""
    if line is None:
        return 0
    if re.fullmatch(r"\s{0,3}=+\s*", line):
        return 1
    return 2 if re.fullmatch(r"\s{0,3}-+\s*", line) else 0


def _fence_info(line: str) -> str:
    """The language of a fence's opening line: ```python, ``` python x=1, ```{.python}."""
    info = line.strip().lstrip("`~").strip()
    return info.split()[0].strip("{}").lstrip(".").lower() if info else ""


def _starts_math(line: str) -> bool:
    s = line.strip()
    return (s.startswith(("$$", "\\[")) or bool(_math_environment(line))
            or (s.startswith(("```", "~~~")) and _fence_info(s) == "math"))


def _math_environment(line: str) -> str | None:
    match = _MATH_ENV.match(line)
    return match.group(1) if match and match.group(1) in ROW_ENVIRONMENTS else None


class _Parser:
    def __init__(self, text: str, path: str | None, images: ImageResolver | None) -> None:
        self.lines = text.splitlines()
        self.path = path
        self.resolve_image = images or (lambda source, line: source)
        self.i = 0
        self.title: str | None = None
        self.front_title: str | None = None
        self.scenes: list[_SceneDraft] = []
        self.formulas: list[Formula] = []

    # -- helpers -----------------------------------------------------------------------------
    def error(self, message: str, line: int, hint: str | None = None) -> ScriptError:
        return ScriptError(message, line=line, path=self.path,
                           hint=hint or "see README, 'The script format'")

    @property
    def lineno(self) -> int:
        return self.i + 1

    def peek(self, offset: int = 1) -> str | None:
        index = self.i + offset
        return self.lines[index] if index < len(self.lines) else None

    def scene(self, line: int, what: str) -> _SceneDraft:
        if not self.scenes:
            raise self.error(f"{what} before the first '## Scene title' heading", line,
                             hint="start each scene with a '## ' heading")
        return self.scenes[-1]

    def attach(self, visual: Visual, line: int) -> None:
        """``visual`` goes with the paragraph before it (or, at the top of a scene, the one
        after it); a list or quote with no paragraph free for it is narrated from its text."""
        scene = self.scene(line, "a visual")
        self.narrate_pending(scene)  # a list, then this visual
        if scene.beats and scene.beats[-1]["visual"] is None and scene.pending_visual is None:
            scene.beats[-1]["visual"] = visual
        elif not scene.beats and scene.pending_visual is None:
            scene.pending_visual = (visual, line)
        elif scene.pending_visual is None and speakable_visual(visual):
            scene.beats.append(self.narrated_beat(visual, line))
        else:
            raise self.error("a beat can carry only one visual", line,
                             hint="write a narration paragraph before this visual")

    def narrate_pending(self, scene: _SceneDraft) -> None:
        """A list or quote still waiting for a paragraph becomes a beat narrated from its text."""
        if scene.pending_visual is not None and speakable_visual(scene.pending_visual[0]):
            scene.beats.append(self.narrated_beat(*scene.pending_visual))
            scene.pending_visual = None

    def say_math(self, text: str, line: int) -> str:
        """Inline math ($...$, \\(...\\)) in words; refused when it holds what cannot be said."""
        try:
            return speak_inline(text)
        except UnknownMath as exc:
            raise self.error(f"inline math with {exc.args[0]} cannot be spoken", line,
                             hint="write that part in words (and show the formula as a "
                                  "'$$ ... $$' block); a price is written \\$5")

    def narrated_beat(self, visual: Visual, line: int) -> dict:
        """A beat that speaks the text of ``visual`` (a list or a quote), each item as it shows."""
        parts = [self.say_math(text, line) for text in visual_speech(visual)]
        spoken = " ".join((f'<bookmark mark="s{n}"/>' if len(parts) > 1 else "") + sentence(t)
                          for n, t in enumerate(parts, start=1))
        return {"narration": spoken, "visual": visual, "line": line, "highlights": []}

    # -- blocks ------------------------------------------------------------------------------
    def parse(self) -> CompiledScript:
        self.front_matter()
        while self.i < len(self.lines):
            line = self.lines[self.i]
            stripped = line.strip()
            if not stripped or _THEMATIC.match(line) or _DEFINITION.match(line):
                self.i += 1
            elif stripped.startswith("<!--"):
                self.skip_comment()
                self.i += 1
            elif (setext := _setext(self.peek())) and not _is_block_start(line, self.peek()):
                self.lines[self.i] = f"{'#' * setext} {stripped}"  # Title\n===, Scene\n---
                del self.lines[self.i + 1]
                self.lines.insert(self.i + 1, "")  # keep the line numbers
            elif re.match(r"#{3,6}(\s|$)", stripped):
                raise self.error("only '#' (video title) and '##' (scene) headings are allowed",
                                 self.lineno, hint="start a new scene with '## ', or write the "
                                 "heading as a sentence of the narration")
            elif re.match(r"##(\s|$)", stripped):
                title = inline(_heading(stripped[2:]))
                if not title:
                    raise self.error("a scene heading needs a title", self.lineno,
                                     hint="write it as '## The scene title'")
                self.scenes.append(_SceneDraft(title, self.lineno))
                self.i += 1
            elif re.match(r"#(\s|$)", stripped):
                if self.title is not None or self.scenes:
                    raise self.error("a second '# ' title: a script has one title", self.lineno,
                                     hint="use '## ' for scene headings")
                self.title = inline(_heading(stripped[1:]))
                self.i += 1
            elif stripped.startswith(("```", "~~~")):
                self.fence()
            elif stripped.startswith(":::"):
                self.directive()
            elif stripped.startswith("$$") or _math_environment(line) or (
                    stripped.startswith("\\[") and self.closes_display()):
                self.display_math()
            elif _BULLET.match(line) or _NUMBERED.match(line):
                self.list_block()
            elif _QUOTE.match(line):
                self.quote()
            elif _IMAGE.match(line):
                self.image()
            elif "|" in stripped and (nxt := self.peek()) is not None \
                    and _TABLE_RULE.match(nxt) and "-" in nxt:
                self.table()
            else:
                self.paragraph()
        return self.finish()

    def front_matter(self) -> None:
        """YAML front matter (``---`` ... ``---`` on the first lines): skipped; its ``title:``
        is the video title when there is no ``# `` line."""
        if not self.lines or self.lines[0].strip() != "---":
            return
        for index in range(1, len(self.lines)):
            line = self.lines[index]
            if line.strip() in ("---", "..."):
                self.i = index + 1
                return
            match = re.match(r"^title:\s*(.+?)\s*$", line)
            if match:
                self.front_title = match.group(1).strip("'\"").strip()
        # no closing line: not front matter, a thematic break at the top

    def skip_comment(self) -> None:
        start = self.lineno
        while "-->" not in self.lines[self.i]:
            self.i += 1
            if self.i >= len(self.lines):
                raise self.error("unclosed HTML comment '<!--'", start,
                                 hint="close it with '-->'")

    def paragraph(self) -> None:
        start = self.lineno
        parts: list[str] = []
        while self.i < len(self.lines):
            s = self.lines[self.i].strip()
            if parts and _is_block_start(self.lines[self.i], self.peek(), in_paragraph=True):
                break
            if not s:
                break
            if "$$" in protect(s):
                raise self.error("unbalanced or misplaced '$$': display math goes on lines of "
                                 "its own", self.lineno,
                                 hint="write '$$ ... $$' (or '\\[ ... \\]') on its own lines")
            parts.append(s[:-1] if s.endswith("\\") and not s.endswith("\\\\") else s)
            self.i += 1  # (a backslash at the end of a line is a hard line break)
        text, highlights = highlighted(protect(self.say_math(" ".join(parts), start)))
        text = spoken_text(text, protected=True)
        text = _MARKER.sub(lambda m: f'<bookmark mark="s{int(m.group(1))}"/>', text)
        text = restore(text)
        scene = self.scene(start, "narration")
        visual = None
        if scene.pending_visual is not None:
            visual = scene.pending_visual[0]
            scene.pending_visual = None
        scene.beats.append({"narration": text, "visual": visual, "line": start,
                            "highlights": [restore(h) for h in highlights]})

    def list_block(self) -> None:
        """A bullet or numbered list: loose (blank lines between items), continuation lines
        and nested items (shown as items of their own) included."""
        start = self.lineno
        first = _NUMBERED.match(self.lines[self.i])
        numbered = first is not None
        items: list[str] = []
        while self.i < len(self.lines):
            line = self.lines[self.i]
            bullet, number = _BULLET.match(line), _NUMBERED.match(line)
            if bullet or number:
                if bool(number) != numbered and not (line[:1].isspace()):
                    break  # a list of the other kind starts
                items.append((number.group(3) if number else bullet.group(2)).strip())
                self.i += 1
            elif not line.strip():
                nxt = self.i + 1
                while nxt < len(self.lines) and not self.lines[nxt].strip():
                    nxt += 1
                following = self.lines[nxt] if nxt < len(self.lines) else ""
                same = (_NUMBERED.match(following) if numbered else _BULLET.match(following))
                if not same and not (following[:1].isspace() and following.strip()):
                    break
                self.i = nxt
            elif line[:1].isspace() or not _is_block_start(line, self.peek()):
                items[-1] += " " + line.strip()  # a continuation of the item
                self.i += 1
            else:
                break
        items = [re.sub(r"^\[[ xX]\]\s+", "", item) for item in items]  # task lists: - [x] a
        shown = [inline(item) or "..." for item in items]
        self.attach(BulletList(items=shown, start=int(first.group(2)) if numbered else None),
                    start)

    def quote(self) -> None:
        start = self.lineno
        lines: list[str] = []
        while self.i < len(self.lines) and (m := _QUOTE.match(self.lines[self.i])):
            lines.append(m.group(1).strip())
            self.i += 1
        if lines and re.fullmatch(r"\[!\w+\][+-]?.*", lines[0]):
            lines = lines[1:]  # a GitHub/Obsidian callout marker: [!NOTE]
        attribution = None
        content = [ln for ln in lines if ln]
        if len(content) > 1 and (m := _ATTRIBUTION.match(content[-1])):
            attribution = inline(m.group(1))
            content = content[:-1]
        text = inline(" ".join(content))
        if len(text) > 1 and text[0] + text[-1] in ('""', "\u201c\u201d", "''"):
            text = text[1:-1].strip()  # the quote marks: the picture draws its own
        if not text:
            raise self.error("an empty quote", start, hint="write the quoted text after '> '")
        self.attach(Quote(text=text, attribution=attribution), start)

    def image(self) -> None:
        start = self.lineno
        source, caption = image_reference(self.lines[self.i])
        self.i += 1
        caption = inline(caption) or None
        if re.match(r"^[a-z][a-z0-9+.-]*://", source, re.I) or source.startswith("data:"):
            raise self.error(f"image '{source}' is not a file: builds never download", start,
                             hint="save the image in the project folder and write "
                                  "![caption](images/name.png)")
        if not source.lower().endswith(IMAGE_KINDS):
            raise self.error(f"image '{source}' is not a kind we can show", start,
                             hint="use " + ", ".join(IMAGE_KINDS))
        self.attach(Image(source=source, file=self.resolve_image(source, start),
                          caption=caption), start)

    def table(self) -> None:
        start = self.lineno
        header = cells(self.lines[self.i])
        rule = cells(self.lines[self.i + 1])
        if len(rule) != len(header):
            raise self.error(f"the table's header has {len(header)} cells and the line under it "
                             f"{len(rule)}", start + 1,
                             hint="write one '---' per column: | --- | --- |")
        align = ["center" if c.startswith(":") and c.endswith(":") else
                 "right" if c.endswith(":") else "left" for c in (r.strip() for r in rule)]
        self.i += 2
        rows = []
        while self.i < len(self.lines) and "|" in self.lines[self.i] \
                and self.lines[self.i].strip():
            row = cells(self.lines[self.i])
            rows.append((row + [""] * len(header))[:len(header)])
            self.i += 1
        if not rows:
            raise self.error("a table needs at least one row under its header", start,
                             hint="add rows such as '| 3 | 4 |' under the '| --- |' line")
        table = Table(header=[inline(c) for c in header],
                      rows=[[inline(c) for c in row] for row in rows], align=align)
        for offset, row in enumerate([table.header, *table.rows]):
            for cell in row:  # a cell that is one formula is drawn as one: LaTeX checks it
                if (m := CELL_MATH.fullmatch(cell)):
                    self.formulas.append(Formula(m.group(1), start + offset + (offset > 0)))
        self.attach(table, start)

    def display_math(self) -> None:
        """Display blocks in a row (blank lines between them allowed) are the steps of one
        visual; each block may itself give several steps (see display_math)."""
        start = self.lineno
        steps: list[str] = []
        while True:
            line, source = self.lineno, self.math_block()
            try:
                found = display_steps(source)
            except MathError as exc:
                raise self.error(f"LaTeX cannot compile this display math: {exc}", line,
                                 hint="check the formula's { } and \\begin/\\end pairs")
            if not found:
                raise self.error("empty display math", line, hint="write a formula, e.g. "
                                 "$$ a^2 + b^2 = c^2 $$")
            steps += found
            self.formulas += [Formula(step, line) for step in found]
            nxt = self.i
            while nxt < len(self.lines) and not self.lines[nxt].strip():
                nxt += 1
            if nxt < len(self.lines) and _starts_math(self.lines[nxt]):
                self.i = nxt
                continue
            break
        self.attach(EquationSteps(steps=steps), start)

    def math_block(self) -> str:
        """The LaTeX of the display block starting at the current line; moves past it."""
        start, first = self.lineno, self.lines[self.i].strip()
        environment = _math_environment(first)
        if first.startswith(("```", "~~~")):  # ```math
            return "\n".join(self.block_body_fenced(re.match(r"^(`{3,}|~{3,})", first).group(1))[1])
        if environment:  # a bare \begin{align} ... \end{align}: the environment is the formula
            closer, rest, keep = f"\\end{{{environment}}}", first, True
        else:
            opener = "$$" if first.startswith("$$") else "\\["
            closer, rest, keep = ("$$" if opener == "$$" else "\\]"), first[len(opener):], False
        collected: list[str] = []
        while (index := rest.find(closer)) < 0:
            collected.append(rest)
            self.i += 1
            if self.i >= len(self.lines):
                raise self.error(f"unclosed display math: no closing '{closer}'", start,
                                 hint=f"end the formula with '{closer}' (on its own line, or "
                                      "at the end of the formula's last line)")
            rest = self.lines[self.i]
        collected.append(rest[:index + len(closer)] if keep else rest[:index])
        if rest[index + len(closer):].strip():
            raise self.error(f"text after the closing '{closer}' on the same line", self.lineno,
                             hint="put the text on a line of its own")
        self.i += 1
        return "\n".join(collected)

    def closes_display(self) -> bool:
        """A line starting with '\\[' opens display math when a '\\]' closes it before a blank
        line; otherwise it is an escaped '[' starting a paragraph."""
        for index in range(self.i, len(self.lines)):
            line = self.lines[index]
            if not line.strip():
                return False
            if "\\]" in (line.strip()[2:] if index == self.i else line):
                return True
        return False

    def block_body(self, closer: str, what: str,
                   closes: Callable[[str], bool] | None = None) -> tuple[int, list[str]]:
        """The lines between the current line and the one that ``closes`` the block (by default
        a line that is ``closer``); moves past both."""
        start = self.lineno
        closes = closes or (lambda line: line.strip() == closer)
        self.i += 1
        body: list[str] = []
        while self.i < len(self.lines):
            if closes(self.lines[self.i]):
                self.i += 1
                return start, body
            body.append(self.lines[self.i])
            self.i += 1
        raise self.error(f"unclosed {what}: no closing '{closer}'", start,
                         hint=f"end the block with a line '{closer}'")

    def block_body_fenced(self, mark: str) -> tuple[int, list[str]]:
        """The lines inside a fence opened by ``mark``, closed by at least as many of its
        characters (as CommonMark says)."""
        closing = re.compile(rf"^\s*{re.escape(mark[0])}{{{len(mark)},}}\s*$")
        return self.block_body(mark, "code fence", closing.match)

    def fence(self) -> None:
        opening = self.lines[self.i].strip()
        mark = re.match(r"^(`{3,}|~{3,})", opening).group(1)
        info = _fence_info(opening)
        if info == "math":  # GitHub's display math fence
            self.display_math()
            return
        start, body = self.block_body_fenced(mark)
        if info == "plot":
            self.attach(self.plot(body, start), start)
            return
        if info in FIGURE_KINDS:
            figure = parse_block(info, opening, body, start,
                                 lambda m, ln, hint: self.error(m, ln, hint))
            self.attach(figure, start)
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
            raise self.error("empty code listing", start, hint="write the code between the fences, "
                             "or remove them")
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
            raise self.error("a plot needs a 'function: ...' line", start,
                             hint="e.g. 'function: sin(x) * exp(-x / 4)' (a Python "
                                  "expression in x)")
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
            raise self.error(f"empty '::: {name}' block", start,
                             hint="write its lines between '::: " + name + "' and ':::'")
        if name == "title":
            if len(rows) > 2:
                raise self.error("a title card has a title line and at most one subtitle line",
                                 start, hint="keep two lines: the title, then the subtitle")
            visual: Visual = TitleCard(title=inline(rows[0]),
                                       subtitle=inline(rows[1]) if len(rows) > 1 else None)
        elif name == "recap":
            visual = Recap(items=[inline(_BULLET.match(r).group(2) if _BULLET.match(r) else r)
                                  for r in rows])
        else:
            visual = self.comparison(rows, start)
        self.attach(visual, start)

    def comparison(self, rows: list[str], start: int) -> Comparison:
        cells = []
        for offset, row in enumerate(rows):
            if "|" not in row:
                raise self.error("comparison rows are 'left | right'", start + 1 + offset,
                                 hint="put a '|' between the left and the right text")
            left, right = (inline(c) for c in split_cells(row, 1))
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
            raise self.error("markers must appear once each, in increasing order", beat["line"],
                             hint="number them {1}, {2}, ... in the order the words are said")

    def finish(self) -> CompiledScript:
        title = self.title or self.front_title
        if not title:
            raise self.error("the script has no '# Title' line", 1,
                             hint="start the script with '# The video title'")
        if not self.scenes:
            raise self.error("the script has no scenes", 1, hint="add a '## Scene title' heading "
                             "followed by a narration paragraph")
        scenes = []
        for number, draft in enumerate(self.scenes, start=1):
            self.narrate_pending(draft)  # a scene that is only a list
            if draft.pending_visual is not None or not draft.beats:
                line = draft.pending_visual[1] if draft.pending_visual else draft.line
                raise self.error(f"scene '{draft.title}' has a visual without narration"
                                 if draft.pending_visual else
                                 f"scene '{draft.title}' has no narration", line,
                                 hint="every scene needs at least one narration paragraph "
                                      "(a list or a quote alone is narrated from its text)")
            for beat in draft.beats:
                self.check_markers(beat)
            scenes.append(Scene(id=scene_id(number), title=draft.title, line=draft.line,
                                beats=[Beat(**b) for b in draft.beats]))
        return CompiledScript(Plan(title=title, scenes=scenes), self.formulas)


def image_reference(line: str) -> tuple[str, str] | None:
    """(the file, the caption as written) of an image line (``![caption](file)``, Obsidian's
    ``![[file|caption]]``; a caption of digits there is a width, not a caption); None when the
    line is not one."""
    match = _IMAGE.match(line)
    if match is None:
        return None
    if match.group(3):
        caption = (match.group(4) or "").strip()
        return match.group(3).strip(), "" if re.fullmatch(r"\d+(x\d+)?", caption) else caption
    return match.group(2), match.group(1)


def speakable_visual(visual: Visual) -> bool:
    """Whether a visual says something that can be narrated as written: lists and quotes."""
    return isinstance(visual, (BulletList, Recap, Quote))


def visual_speech(visual: Visual) -> list[str]:
    """What a list or quote says, one part per step."""
    if isinstance(visual, (BulletList, Recap)):
        return list(visual.items)
    if isinstance(visual, Quote):
        return [visual.text]
    return []


def compile_script(text: str, path: str | None = None,
                   images: ImageResolver | None = None) -> CompiledScript:
    """Parse a Markdown script; raises ScriptError naming the line on bad input. ``images``
    checks each image the script shows and names the file the scene draws."""
    return _Parser(text, path, images).parse()
