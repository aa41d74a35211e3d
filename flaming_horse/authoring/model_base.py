"""The base of every storyboard model: frozen, no unknown fields, and one-line text fields."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict


def _one_line(text: str) -> str:
    """Fields shown or written as one line: a line break in one would, written into script.md,
    add Markdown of its own (more narration, formulas, code), so it is refused."""
    if any(mark in text for mark in "\n\r\u2028\u2029\x0b\x0c\x85"):
        raise ValueError("must be a single line (no line breaks)")
    return text


OneLine = Annotated[str, AfterValidator(_one_line)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
