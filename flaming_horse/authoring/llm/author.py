"""The LLM author's first half: a topic becomes a storyboard draft, and the draft becomes script.md.

Why script.md and not plan.json: the script is the one file users edit, and the plan stage already
compiles it into plan.json (with LaTeX checked and errors naming lines). So the model's draft is
written in our Markdown format; ``--review`` lets the user edit it before anything is built, and
later builds treat it like any hand-written script.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from flaming_horse.authoring.figures import FIGURES
from flaming_horse.authoring.figures import manim as manim_block
from flaming_horse.authoring.figures.manim import Model as ManimBlock
from flaming_horse.authoring.inline_markdown import escape
from flaming_horse.authoring.script import compile_script
from flaming_horse.authoring.storyboard import (
    BulletList, CodeListing, Comparison, DraftVisual, EquationSteps, FunctionPlot, OneLine, Quote,
    Recap, Table, TitleCard, Visual,
)
from flaming_horse.errors import LLMError, ScriptError
from flaming_horse.settings import LLMConfig

PLAN_PROMPT_VERSION = "3"  # 2: quotes and tables; 3: figures


class _Draft(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DraftBeat(_Draft):
    """One narration paragraph and what is shown while it is spoken."""

    narration: str = Field(description=(
        "What the narrator says, written exactly as spoken: plain sentences, no markup, no "
        "stage directions, numbers and symbols spelled out as words (\"two pi\", \"x squared\")."))
    visual: DraftVisual | None = Field(default=None, description=(
        "What the viewer sees during this beat, or null to keep the previous picture."))


class DraftScene(_Draft):
    title: OneLine = Field(description="A short scene heading, shown on screen.")
    beats: list[DraftBeat] = Field(min_length=1)


class DraftPlan(_Draft):
    """The storyboard a model writes; code assigns scene ids, files and class names."""

    title: OneLine
    audience: OneLine = "general"
    target_duration_s: float | None = None
    scenes: list[DraftScene] = Field(min_length=1)


SYSTEM = """You write short narrated explainer videos, rendered with Manim.
Write a storyboard: a title, the audience, a target duration in seconds, and scenes. Each scene
has a short title and one or more beats. A beat is one narration paragraph (two or three
sentences at most) plus the visual shown while it is spoken.

Narration rules: it is spoken by a text-to-speech voice, so write it exactly as it should be
said. No Markdown, no LaTeX, no symbols or digits where words are clearer (say "x squared",
"three point one four"), no stage directions, no emojis.

Visual kinds: title (title, subtitle), bullets (items; start: a number to number them from),
equations (steps: LaTeX formulas that compile in an amsmath align* block; each step transforms
into the next), plot (function: a
Python expression in x using only sin cos tan exp log sqrt abs arctan sinh cosh tanh pi e;
x_range, y_range; label: LaTeX), code (language: a Pygments name, code), comparison
(left_title, right_title, left, right), recap (items), quote (text, attribution), table
(header, rows of cells, align: left, center or right per column). Keep on-screen text short.
"""


def _figure_kinds() -> str:
    """The figures on offer, one line each from their models (the schema has the fields)."""
    lines = []
    for model in FIGURES:
        kind = model.model_fields["kind"].default
        doc = " ".join((model.__doc__ or "").split())
        lines.append(f"- {kind}: {doc}")
    return "\n".join(lines)


def system_prompt() -> str:
    return SYSTEM + f"""
Figures draw what the narration explains, and move while it is spoken: prefer them to text
whenever the topic has something to draw (a shape, a curve, vectors, a graph, an array, a
chart, a process). Every figure is a list of steps; step one shows the figure, each later step
happens in turn, spread over the beat. Figure kinds:
{_figure_kinds()}
Use manim only for what no figure covers; its code runs in a sandbox and is checked first."""


def plan_messages(topic: str, target_s: float | None = None) -> list[dict[str, str]]:
    length = f"about {target_s:.0f} seconds" if target_s else "one to two minutes"
    return [{"role": "system", "content": system_prompt()},
            {"role": "user", "content": f"Topic: {topic}\nLength: {length}.\n"
                                        "Write the storyboard."}]


# -- the draft as script.md -------------------------------------------------------------------

def _line(text: str) -> str:
    """One line of on-screen text that cannot be taken for Markdown structure."""
    text = " ".join(str(text).split())
    return text.replace("$$", "$")


def _spoken(text: str) -> str:
    """Narration as one paragraph line the parser keeps as written: no emphasis or code marks,
    no '$', no {n} markers, and nothing at its start that reads as a heading, list or block."""
    text = " ".join(text.split())
    text = re.sub(r"[*_`$<>{}\\|]", " ", text)
    text = " ".join(text.split())
    return re.sub(r"^(?:[#>|:!~=-]+|[+]\s|\d+[.)]\s)\s*", "", text).strip() or "..."


def _escaped(text: str) -> str:
    """On-screen text with the inline marks that would be taken for Markdown escaped."""
    return escape(_line(text))


def _item(text: str) -> str:
    """One list item, quote or title line (never empty, never read as a list marker)."""
    return _escaped(_line(text).lstrip("-*+> ")) or "..."


def _cell(text: str) -> str:
    return _item(str(text).replace("|", "/"))


def visual_markdown(visual: Visual) -> list[str]:
    """The script.md lines for one visual (see README, 'The script format')."""
    if isinstance(visual, TitleCard):
        rows = [_item(visual.title)] + ([_item(visual.subtitle)] if visual.subtitle else [])
        return ["::: title", *rows, ":::"]
    if isinstance(visual, BulletList):
        if visual.start is not None:
            return [f"{visual.start + i}. {_item(item)}" for i, item in enumerate(visual.items)]
        return [f"- {_item(item)}" for item in visual.items]
    if isinstance(visual, Quote):
        return [f"> {_item(visual.text)}"] + ([">", f"> \u2014 {_item(visual.attribution)}"]
                                               if visual.attribution else [])
    if isinstance(visual, Table):
        rule = {"left": "---", "center": ":---:", "right": "---:"}
        return [f"| {' | '.join(_escaped(c) for c in visual.header)} |",
                f"| {' | '.join(rule[a] for a in visual.align)} |",
                *(f"| {' | '.join(_escaped(c) for c in row)} |" for row in visual.rows)]
    if isinstance(visual, EquationSteps):
        return [f"$$ {' '.join(step.replace('$', '').split())} $$" for step in visual.steps]
    if isinstance(visual, FunctionPlot):
        lines = ["```plot", f"function: {_line(visual.function)}",
                 f"x: {visual.x_range[0]:g}, {visual.x_range[1]:g}",
                 f"y: {visual.y_range[0]:g}, {visual.y_range[1]:g}"]
        if visual.label:
            lines.append(f"label: {_line(visual.label)}")
        return lines + ["```"]
    if isinstance(visual, CodeListing):
        code = re.sub(r"`{3,}|~{3,}", "'''", visual.code).strip("\n")
        language = re.sub(r"[^\w+#.-]", "", _line(visual.language)) or "text"
        return [f"```{language}", *code.splitlines(), "```"]
    if isinstance(visual, Comparison):
        rows = max(len(visual.left), len(visual.right))
        left = [_cell(x) for x in visual.left] + [""] * (rows - len(visual.left))
        right = [_cell(x) for x in visual.right] + [""] * (rows - len(visual.right))
        return ["::: compare", f"{_cell(visual.left_title)} | {_cell(visual.right_title)}",
                *(f"{a} | {b}" for a, b in zip(left, right)), ":::"]
    if isinstance(visual, Recap):
        return ["::: recap", *(_item(item) for item in visual.items), ":::"]
    if isinstance(visual, ManimBlock):  # the digest marks it the model's until the user edits it
        code = textwrap.dedent(visual.code).strip("\n")
        fence = "`" * max(3, 1 + max((len(r) for r in re.findall(r"`+", code)), default=0))
        return [f"{fence}{manim_block.fence_info(code)}", *code.splitlines(), fence]
    if isinstance(visual, FIGURES):  # a figure in its JSON form (the parser reads it back)
        data = visual.model_dump(mode="json", exclude={"kind"}, exclude_defaults=True)
        return [f"```{visual.kind}", *json.dumps(data, indent=1, ensure_ascii=False)
                .replace("```", "`\\u0060`").splitlines(), "```"]
    raise TypeError(f"unknown visual {type(visual).__name__}")


def plan_to_script(plan: DraftPlan, topic: str | None = None) -> str:
    """The draft in our Markdown script format; ``compile_script`` of it gives the same scenes,
    beats and visuals back (for text that was already clean)."""
    out = [f"# {_line(plan.title)}", ""]
    note = f" about {_line(topic)!r}" if topic else ""
    out += [f"<!-- Written by the LLM author{note} for: {_line(plan.audience)}"
            + (f", about {plan.target_duration_s:.0f} s" if plan.target_duration_s else "")
            + ".", "     Edit freely, then run: flaming-horse build <this project folder> -->", ""]
    for scene in plan.scenes:
        out += [f"## {_line(scene.title)}", ""]
        for beat in scene.beats:
            out += [_spoken(beat.narration), ""]
            if beat.visual is not None:
                out += [*visual_markdown(beat.visual), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def write_script(topic: str, llm: LLMConfig, log_path: Path) -> str:
    """Ask the model for a storyboard of ``topic`` and return it as script.md text.

    A draft the script parser rejects (a plot function it does not allow, an unknown code
    language) is sent back with the parser's message, at most ``llm.repair_attempts`` times.
    """
    from flaming_horse.authoring.llm.connect import client_for

    client = client_for(llm, log_path)
    messages = plan_messages(topic)
    problem = ""
    for _ in range(llm.repair_attempts + 1):
        draft = client.complete_json(messages, DraftPlan)
        script = plan_to_script(draft, topic)
        try:
            compile_script(script, path="script.md")
            return script
        except ScriptError as exc:
            problem = exc.message
        messages = messages + [
            {"role": "assistant", "content": draft.model_dump_json()},
            {"role": "user", "content": f"That storyboard cannot be used: {problem}\n"
                                        "Answer again with the corrected storyboard."}]
    raise LLMError(f"the model's storyboard kept failing the script checks: {problem}",
                   hint="see log/llm.jsonl; try again, or write script.md yourself and pass it "
                        "with --topic FILE.md")
