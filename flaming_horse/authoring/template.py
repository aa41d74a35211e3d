"""The offline author: deterministic scene code from the storyboard, one template per visual kind.

The code owns the scaffold (imports, config, voice wiring, class name); each beat becomes one
``with self.voiceover(...)`` block whose animations are placed by ``kit.schedule``: on the words
they are anchored to (bookmarks in the narration), evenly spread otherwise.
All user text is embedded with ``repr()``; the same input always gives byte-identical source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from flaming_horse.authoring.storyboard import (
    Beat, BulletList, CodeListing, Comparison, EquationSteps,
    FunctionPlot, Image, Plan, Quote, Recap, Scene, Table, TitleCard, Visual,
)
from flaming_horse.authoring.figures import kind_of
from flaming_horse_voice.words import bookmark_names

TEMPLATE_VERSION = "5"  # 2: layout checks, schedules on anchors; 3: quotes, tables,
# images; 4: array figures; 5: figures

_HEAD = '''from manim import *
from manim_voiceover_plus import VoiceoverScene
from flaming_horse import scene_kit as kit
from flaming_horse_voice import get_speech_service
{imports}
kit.configure()


class {class_name}(kit.LayoutChecked, VoiceoverScene):
    def construct(self):
        self.set_speech_service(get_speech_service(kit.project_dir(__file__)))
        header = kit.scene_title({title})
'''
_INDENT = " " * 12  # statements inside the voiceover block


def scaffold_head(scene: Scene, imports: str = "") -> str:
    """The part of a scene file the code owns, up to the first voiceover block (the LLM author
    adds its ``imports``)."""
    return _HEAD.format(class_name=scene.class_name, title=repr(scene.title), imports=imports)


@dataclass
class _Beat:
    """Lines for one beat's body; ``first`` holds animations to join the beat's first play.

    Step i of the visual waits for bookmark ``s{i+1}`` when the narration has one (its anchor
    word), and is spread evenly between anchors otherwise (kit.schedule does the frame maths).
    """

    var: str
    marks: set[str] = field(default_factory=set)  # bookmark names in this beat's narration
    first: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    on_screen: str | None = None  # the expression for what stays on screen afterwards
    step: int = 0

    flashes: list[tuple[str, str]] = field(default_factory=list)  # (bookmark, target expression)

    def schedule(self, steps: int | str, **options: float) -> None:
        count = steps if isinstance(steps, int) else 1  # dynamic counts: anchor the first only
        marks = [f"s{i}" if f"s{i}" in self.marks else None for i in range(1, count + 1)]
        extra = "".join(f", {k}={v!r}" for k, v in options.items())
        marks_arg = f", marks={marks!r}" if any(marks) else ""
        flashes = [f"({mark!r}, {target})" for mark, target in self.flashes if mark in self.marks]
        flash_arg = f", flashes=[{', '.join(flashes)}]" if flashes else ""
        self.lines.append(f"s = kit.schedule(tracker, {steps}{marks_arg}{flash_arg}{extra})")

    def play(self, *anims: str) -> None:
        joined = ", ".join([*self.first, *anims])
        self.first = []
        self.lines.append(f"s.play(self, {self.step}, {joined})")
        self.step += 1

    def then(self, *anims: str) -> None:
        self.play(*anims)

    def loop(self, target: str, over: str, *anims: str) -> None:
        """Play ``anims`` (using ``target``) once per element of ``over``, as the next steps."""
        target = f"({target})" if "," in target else target
        self.lines += [f"for step, {target} in enumerate({over}, start={self.step}):",
                       f"    s.play(self, step, {', '.join(anims)})"]


def _list(items: list[str]) -> str:
    """A Python list literal of ``items`` (repr), one item per line when long."""
    flat = "[" + ", ".join(repr(s) for s in items) + "]"
    if len(flat) <= 60:
        return flat
    return "[\n" + "".join(f"    {s!r},\n" for s in items) + "]"


def _text(text: str) -> str:
    """A string literal for ``text``; multi-line text becomes one literal per line, in brackets."""
    if "\n" not in text or len(repr(text)) <= 60:
        return repr(text)
    return "(\n" + "".join(f"    {line!r}\n" for line in text.splitlines(keepends=True)) + ")"


def _two_steps(b: _Beat, build: str, first: list[str], second: str | None,
               max_run: float) -> None:
    """A visual built by ``build`` that shows ``first``, then (when there is one) ``second``."""
    b.lines.append(f"{b.var} = {build}")
    b.schedule(2 if second else 1, max_run=max_run)
    b.play(*first)
    if second:
        b.then(second)
    b.on_screen = b.var


def _title(v: TitleCard, b: _Beat) -> None:
    _two_steps(b, f"kit.title_card({v.title!r}, {v.subtitle!r})", [f"Write({b.var}.title)"],
               v.subtitle and f"FadeIn({b.var}.subtitle, shift=0.2 * UP)", 1.5)


def _bullets(v: BulletList, b: _Beat) -> None:
    start = f", start={v.start!r}" if v.start is not None else ""
    b.lines.append(f"{b.var} = kit.bullet_list({_list(v.items)}{start})")
    b.schedule(len(v.items))
    b.play(f"FadeIn({b.var}.rows[0], shift=0.3 * RIGHT)")
    if len(v.items) > 1:
        b.loop("row", f"{b.var}.rows[1:]", "FadeIn(row, shift=0.3 * RIGHT)")
    b.on_screen = b.var


def _equations(v: EquationSteps, b: _Beat) -> None:
    b.lines.append(f"{b.var} = kit.equation_steps({_list(v.steps)})")
    b.schedule(len(v.steps))
    b.play(f"Write({b.var}[0])")
    if len(v.steps) > 1:
        b.loop("a, b", f"zip({b.var}, {b.var}[1:])", "TransformMatchingShapes(a, b)")
    b.on_screen = f"{b.var}[-1]"


def _plot(v: FunctionPlot, b: _Beat) -> None:
    x_range, y_range = tuple(map(float, v.x_range)), tuple(map(float, v.y_range))
    b.lines.append(f"{b.var} = kit.function_plot({v.function!r}, {x_range!r}, {y_range!r}, "
                   f"{v.label!r})")
    b.schedule(3 if v.label else 2, share=0.6, max_run=2.0)
    b.play(f"Create({b.var}.axes)")
    b.then(f"Create({b.var}.graph)")
    if v.label:
        b.then(f"FadeIn({b.var}.label)")
    b.on_screen = b.var


def _code(v: CodeListing, b: _Beat) -> None:
    b.lines.append(f"{b.var} = kit.code_pages({_text(v.code)}, {v.language!r})")
    b.schedule(f"len({b.var})", share=0.3)
    b.play(f"FadeIn({b.var}[0])")
    b.loop("a, b", f"zip({b.var}, {b.var}[1:])", "FadeOut(a)", "FadeIn(b)")
    b.on_screen = f"{b.var}[-1]"


def _comparison(v: Comparison, b: _Beat) -> None:
    b.lines.append(f"{b.var} = kit.comparison({v.left_title!r}, {v.right_title!r}, "
                   f"{_list(v.left)}, {_list(v.right)})")
    b.schedule(2, share=0.5, max_run=2.0)
    b.play(f"Create({b.var}.divider)", f"LaggedStartMap(FadeIn, {b.var}.left, lag_ratio=0.3)")
    b.then(f"LaggedStartMap(FadeIn, {b.var}.right, lag_ratio=0.3)")
    b.on_screen = b.var


def _recap(v: Recap, b: _Beat) -> None:
    b.lines.append(f"{b.var} = kit.recap({_list(v.items)})")
    b.schedule(len(v.items))
    b.play(f"FadeIn({b.var}.card)", f"FadeIn({b.var}.items[0], shift=0.3 * RIGHT)")
    if len(v.items) > 1:
        b.loop("item", f"{b.var}.items[1:]", "FadeIn(item, shift=0.3 * RIGHT)")
    b.on_screen = b.var


def _quote(v: Quote, b: _Beat) -> None:
    _two_steps(b, f"kit.quote({v.text!r}, {v.attribution!r})",
               [f"FadeIn({b.var}.bar)", f"Write({b.var}.text)"],
               v.attribution and f"FadeIn({b.var}.attribution, shift=0.2 * LEFT)", 2.0)


def _table(v: Table, b: _Beat) -> None:
    rows = "[\n" + "".join(f"    {row!r},\n" for row in v.rows) + "]"
    b.lines.append(f"{b.var} = kit.table({_list(v.header)}, {rows}, {v.align!r})")
    b.schedule(1 + len(v.rows))
    b.play(f"FadeIn({b.var}.header)", f"Create({b.var}.rule)")
    b.loop("row", f"{b.var}.rows", "FadeIn(row, shift=0.2 * UP)")
    b.on_screen = b.var


def _image(v: Image, b: _Beat) -> None:
    _two_steps(b, f"kit.image(kit.project_dir(__file__) / {v.file!r}, {v.caption!r})",
               [f"FadeIn({b.var}.picture)"], v.caption and f"FadeIn({b.var}.caption)", 1.5)


TEMPLATES: dict[type, Callable] = {
    TitleCard: _title, BulletList: _bullets, EquationSteps: _equations, FunctionPlot: _plot,
    CodeListing: _code, Comparison: _comparison, Recap: _recap, Quote: _quote, Table: _table,
    Image: _image,
}


def flash_target(visual: Visual, var: str, term: str) -> str | None:
    """The part of a visual that shows ``term`` (a **highlighted** word), as an expression."""
    def find(items: list[str]) -> int | None:
        return next((i for i, item in enumerate(items) if term.lower() in item.lower()), None)

    if isinstance(visual, (BulletList, Recap)):
        index = find(visual.items)
        part = "rows" if isinstance(visual, BulletList) else "items"
        return None if index is None else f"{var}.{part}[{index}]"
    if isinstance(visual, Comparison):
        if find([visual.left_title, *visual.left]) is not None:
            return f"{var}.left"
        return f"{var}.right" if find([visual.right_title, *visual.right]) is not None else None
    if isinstance(visual, TitleCard):
        return f"{var}.subtitle" if visual.subtitle and find([visual.subtitle]) is not None \
            else f"{var}.title"
    if isinstance(visual, FunctionPlot):
        return f"{var}.label" if visual.label and term.lower() in visual.label.lower() \
            else f"{var}.graph"
    if isinstance(visual, Table):
        index = find([" ".join(row) for row in visual.rows])
        return f"{var}.header" if index is None else f"{var}.rows[{index}]"
    if isinstance(visual, Quote):
        return f"{var}.text"
    figure = kind_of(visual)
    if figure is not None:
        return figure.flash(visual, var, term)
    return None  # equations and code: one step shows at a time, nothing stable to point at


def _beat(index: int, beat: Beat, on_screen: str | None, text: str) -> _Beat:
    b = _Beat(var=f"v{index + 1}", marks=set(bookmark_names(text)))
    if index == 0:
        b.first.append("FadeIn(header)")
    visual: Visual | None = beat.visual
    if visual is None:
        # Keep the current picture; the scene title is always on screen from the first beat.
        b.schedule(1 if b.first else 0)
        if b.first:
            b.play()
        b.on_screen = on_screen
    else:
        if on_screen is not None:  # the old picture goes before the new one comes: never both
            b.lines.append(f"self.play(FadeOut({on_screen}), run_time=0.4)")
        for number, term in enumerate(beat.highlights, start=1):
            target = flash_target(visual, b.var, term)
            if target is not None:
                b.flashes.append((f"h{number}", target))
        figure = kind_of(visual)
        (figure.emit if figure else TEMPLATES[type(visual)])(visual, b)
    b.lines.append("s.finish(self)")
    return b


def scene_source(plan: Plan, scene: Scene, narrations: list[str]) -> str:
    """The full Python source of ``scene_NN.py`` (without the pipeline's header line).

    ``narrations[i]`` is what is spoken over ``scene.beats[i]``.
    """
    if len(narrations) != len(scene.beats):
        raise ValueError(f"{scene.id}: {len(narrations)} narrations for {len(scene.beats)} beats")
    out = [scaffold_head(scene)]
    on_screen: str | None = None
    for index, (beat, text) in enumerate(zip(scene.beats, narrations)):
        b = _beat(index, beat, on_screen, text)
        on_screen = b.on_screen
        out.append(f"\n        with self.voiceover(text={text!r}) as tracker:\n")
        out += [_INDENT + part + "\n" for line in b.lines for part in line.split("\n")]
    return "".join(out)
