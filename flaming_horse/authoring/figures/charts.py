"""What the chart blocks (```` ```numberline ````, ```` ```bars ````, ```` ```distribution ````)
share: reading bounds, intervals and labels, and validating a model so that a rule about a
header element (``points[1]: ...``) is reported on that element's own line, as Block.validated
does for ``steps[k]: ...``."""

from __future__ import annotations

import re
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from flaming_horse.authoring.figures.block import Block

M = TypeVar("M", bound=BaseModel)

_INFINITE = {"inf", "infinity", "\u221e", "oo"}
_BRACKETS = re.compile(r"^([\[(])\s*([^,\s]+)\s*,\s*([^\])\s]+)\s*([\])])\s*(.*)$")
_SPAN = re.compile(r"^(\S+)\s+to\s+(\S+)\s*(.*)$", re.IGNORECASE)
_ENDS = {"closed": (False, False), "open": (True, True), "open-closed": (True, False),
         "closed-open": (False, True)}
_RULE = re.compile(r"^([a-z_]+)(?:\[(\d+)\])?: ")


def bound(block: Block, text: str, line: int, low: bool) -> float | None:
    """A bound of an interval: a number, or ``-inf`` / ``inf`` (None: unbounded)."""
    plain = text.strip().lower().replace("\u2212", "-")
    sign, magnitude = (plain[0], plain[1:]) if plain[:1] in "+-" else ("+", plain)
    if magnitude in _INFINITE:
        if (sign == "-") != low:
            raise block.error(f"'{text}' cannot be the {'left' if low else 'right'} end", line,
                              "an interval runs from -inf (or a number) to a number (or inf)")
        return None
    return block.number(text, line)


def label(block: Block, words: list[str], line: int, what: str = "label") -> str | None:
    """The one label left in ``words`` (None when none is)."""
    if not words:
        return None
    if len(words) > 1:
        raise block.error(f"'{' '.join(words)}' is more than one {what}", line,
                          f'put a {what} with spaces in quotes: "{" ".join(words)}"')
    return words[0]


def interval(block: Block, text: str, line: int) -> dict:
    """``a to b [closed|open|open-closed|closed-open] ["label"]`` or ``(a, b] ["label"]`` as
    the fields low, high, low_open, high_open, label; an unbounded end is open."""
    brackets = _BRACKETS.match(text.strip())
    if brackets:
        opening, low_text, high_text, closing, rest = brackets.groups()
        ends = (opening == "(", closing == ")")
    else:
        span = _SPAN.match(text.strip())
        if not span:
            raise block.error(f"'{text}' is not an interval", line,
                              "write 'a to b' (e.g. '0 to 3 open-closed') or '(0, 3]'")
        low_text, high_text, rest = span.groups()
        ends = (False, False)
    low, high = bound(block, low_text, line, True), bound(block, high_text, line, False)
    words = block.words(rest, line)
    if words and not brackets and words[0].lower() in _ENDS:
        ends = _ENDS[words.pop(0).lower()]
    elif words and words[0].lower() in _ENDS:
        raise block.error(f"'{words[0]}' after brackets", line,
                          "the brackets already say which ends are open: (0, 3] is open-closed")
    return {"low": low, "high": high, "low_open": ends[0] or low is None,
            "high_open": ends[1] or high is None, "label": label(block, words, line)}


def validated(block: Block, model: type[M], data: dict,
              where: dict[str, int | list[int]]) -> M:
    """``model`` from ``data``; a rule whose message starts ``name[i]: `` or ``name: `` is
    reported on ``where[name][i]`` or ``where[name]`` (``steps`` are the block's step lines),
    any other error as Block.validated reports it."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        message = str(exc.errors()[0].get("msg", "")).removeprefix("Value error, ")
        rule = _RULE.match(message)
        lines = {**where, "steps": [s.number for s in block.steps]}
        if rule and rule.group(1) in lines:
            at = lines[rule.group(1)]
            if isinstance(at, list):
                index = int(rule.group(2) or 0)
                at = at[index] if index < len(at) else block.start
            raise block.error(message[rule.end():], at) from None
    return block.validated(model, data)
