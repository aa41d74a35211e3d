"""Typed storyboard models: the contract between authors, stages and scene templates (plan.json)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Field, model_validator

from flaming_horse.authoring.figures import DRAFTABLE_FIGURES, FIGURES
from flaming_horse.authoring.figures import anchor_steps as figure_steps
from flaming_horse.authoring.model_base import Model as _Model
from flaming_horse.authoring.model_base import OneLine


class TitleCard(_Model):
    """A big title, optionally with a subtitle under it."""

    kind: Literal["title"] = "title"
    title: OneLine
    subtitle: OneLine | None = None


class BulletList(_Model):
    """Points revealed one by one over the beat; numbered from ``start`` when it is set."""

    kind: Literal["bullets"] = "bullets"
    items: list[OneLine] = Field(min_length=1)
    start: int | None = Field(default=None, ge=0, le=999_999_999)


class EquationSteps(_Model):
    """LaTeX formulas; each step transforms into the next."""

    kind: Literal["equations"] = "equations"
    steps: list[OneLine] = Field(min_length=1)


class FunctionPlot(_Model):
    """y = f(x) drawn on axes. ``function`` is a Python expression in x (checked by the parser)."""

    kind: Literal["plot"] = "plot"
    function: OneLine
    x_range: tuple[float, float] = (-5.0, 5.0)
    y_range: tuple[float, float] = (-5.0, 5.0)
    label: OneLine | None = None


class CodeListing(_Model):
    """A syntax-highlighted code listing."""

    kind: Literal["code"] = "code"
    language: OneLine
    code: str


class Comparison(_Model):
    """Two columns side by side, each with a heading and rows."""

    kind: Literal["comparison"] = "comparison"
    left_title: OneLine
    right_title: OneLine
    left: list[OneLine]
    right: list[OneLine]


class Recap(_Model):
    """A summary card of the key points."""

    kind: Literal["recap"] = "recap"
    items: list[OneLine] = Field(min_length=1)


class Quote(_Model):
    """A quotation, with who said it."""

    kind: Literal["quote"] = "quote"
    text: OneLine
    attribution: OneLine | None = None


class Table(_Model):
    """A table: a header row, then rows revealed one by one."""

    kind: Literal["table"] = "table"
    header: list[OneLine] = Field(min_length=1)
    rows: list[list[OneLine]] = Field(min_length=1)
    align: list[Literal["left", "center", "right"]] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _square(cls, data: Any) -> Any:
        """Every row and the alignments as long as the header (short ones padded, long cut)."""
        if isinstance(data, dict) and isinstance(data.get("header"), list):
            width = len(data["header"])
            rows = data.get("rows")
            if isinstance(rows, list):
                data = {**data, "rows": [(list(r) + [""] * width)[:width]
                                         if isinstance(r, list) else r for r in rows]}
            align = data.get("align") or []
            if isinstance(align, list):
                data = {**data, "align": (list(align) + ["left"] * width)[:width]}
        return data


class Image(_Model):
    """A picture from the project folder, with an optional caption. ``source`` is the name the
    script wrote; ``file`` the copy the scene draws (project-relative, named by its content)."""

    kind: Literal["image"] = "image"
    source: OneLine
    file: OneLine
    caption: OneLine | None = None


def anchor_steps(visual: "Visual") -> int:
    """How many steps of a visual a narration marker {n} can anchor (n = 1 .. this)."""
    if isinstance(visual, TitleCard):
        return 2 if visual.subtitle else 1
    if isinstance(visual, (BulletList, Recap)):
        return len(visual.items)
    if isinstance(visual, EquationSteps):
        return len(visual.steps)
    if isinstance(visual, FunctionPlot):
        return 3 if visual.label else 2  # axes, graph, label
    if isinstance(visual, Comparison):
        return 2  # left column, right column
    if isinstance(visual, Table):
        return 1 + len(visual.rows)  # the header, then each row
    if isinstance(visual, FIGURES):
        return figure_steps(visual)
    if isinstance(visual, (Quote, Image)):
        return 2 if (visual.attribution if isinstance(visual, Quote) else visual.caption) else 1
    return 1  # a code listing appears as a whole (long listings page on their own)


# What the LLM author may draft: not images (it has no files to show)
_SLIDES = (TitleCard, BulletList, EquationSteps, FunctionPlot, CodeListing, Comparison, Recap,
           Quote, Table)
DRAFTABLE = _SLIDES + DRAFTABLE_FIGURES
Visual = Annotated[Union[_SLIDES + (Image,) + FIGURES], Field(discriminator="kind")]
DraftVisual = Annotated[Union[DRAFTABLE], Field(discriminator="kind")]


class Beat(_Model):
    """One narration paragraph and the visual shown while it is spoken."""

    narration: str
    visual: Visual | None = None
    line: int | None = None  # where the beat starts in script.md, for error messages
    highlights: list[str] = Field(default_factory=list)  # **terms**: bookmark h{k} is term k


class Scene(_Model):
    id: str  # scene_NN, assigned by code
    title: str
    beats: list[Beat] = Field(min_length=1)
    line: int | None = None

    @property
    def number(self) -> int:
        return int(self.id.split("_")[1])

    @property
    def class_name(self) -> str:
        return f"Scene{self.number:02d}"


class Plan(_Model):
    title: str
    audience: str = "general"
    target_duration_s: float | None = None
    scenes: list[Scene] = Field(min_length=1)


def scene_id(number: int) -> str:
    return f"scene_{number:02d}"
