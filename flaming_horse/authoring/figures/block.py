"""A figure block of the script, split into lines, with the readers every figure kind shares.

A block has header lines first (``name: value`` or ``keyword args``), then steps, each a line
starting ``- ``. Errors name the script's line and carry a hint:

    block = Block.split("geometry", body, start, fail)
    for line in block.header: ...            # Line(number, text)
    x, y = block.point("(0, 3)", line)
    raise block.error("unknown point 'D'", line, "points: A, B, C")
    figure = block.validated(Model, data, lines={"points": 3})
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Callable, TypeVar

from pydantic import BaseModel, ValidationError

Fail = Callable[[str, int, str], Exception]  # (message, line, hint) -> the error to raise
M = TypeVar("M", bound=BaseModel)
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_']{0,15}")


@dataclass(frozen=True)
class Line:
    number: int  # in the script
    text: str  # stripped; for a step, without its '- '


@dataclass
class Block:
    kind: str
    start: int  # the script line of the opening fence
    fail: Fail
    header: list[Line] = field(default_factory=list)
    steps: list[Line] = field(default_factory=list)

    @classmethod
    def split(cls, kind: str, body: list[str], start: int, fail: Fail) -> "Block":
        block = cls(kind, start, fail)
        for offset, raw in enumerate(body, start=1):
            text = raw.strip()
            if not text or text.startswith("#"):
                continue
            line = start + offset
            if text.startswith(("- ", "* ")) or text in ("-", "*"):
                block.steps.append(Line(line, text[1:].strip()))
            elif block.steps:
                raise block.error(f"'{text}' after the steps", line,
                                  f"put what the {kind} is made of first, then the '- ' steps")
            else:
                block.header.append(Line(line, text))
        return block

    def error(self, message: str, line: int | None = None, hint: str = "") -> Exception:
        return self.fail(message, self.start if line is None else line,
                         hint or f"see README, 'Figures: {self.kind}'")

    # -- readers -------------------------------------------------------------------------------
    def words(self, text: str, line: int) -> list[str]:
        """``text`` split on spaces, "quoted labels" kept whole."""
        try:
            return shlex.split(text, posix=True)
        except ValueError as exc:
            raise self.error(f"{exc} in '{text}'", line, 'close the quote: "a label"') from None

    def number(self, text: str, line: int, what: str = "a number") -> float:
        try:
            value = float(text.strip().replace("\u2212", "-"))
        except ValueError:
            raise self.error(f"'{text.strip()}' is not {what}", line,
                             "write a plain number such as 3, -1.5 or 0.25") from None
        if value != value or abs(value) == float("inf"):
            raise self.error(f"'{text.strip()}' is not a finite number", line, "write e.g. 2.5")
        return value

    def numbers(self, text: str, line: int, count: int | None = None,
                what: str = "numbers") -> list[float]:
        """Numbers separated by commas or spaces, in optional brackets: ``(1, 2)``, ``1 2``."""
        parts = [p for p in re.split(r"[\s,]+", text.strip().strip("()[]")) if p]
        if count is not None and len(parts) != count:
            raise self.error(f"expected {count} {what}, got '{text.strip()}'", line,
                             f"write {count} numbers, e.g. ({', '.join(['1'] * count)})")
        return [self.number(p, line) for p in parts]

    def point(self, text: str, line: int) -> tuple[float, float]:
        x, y = self.numbers(text, line, 2, "coordinates")
        return x, y

    def name(self, text: str, line: int, what: str = "name") -> str:
        if not NAME.fullmatch(text):
            raise self.error(f"'{text}' is not a valid {what}", line,
                             "names are letters, digits, _ and ' (up to 16), starting with a "
                             "letter")
        return text

    def keyed(self, text: str, line: int) -> tuple[str, str]:
        """``key: value`` (key lower-cased), or ('', text) when there is no colon key."""
        key, sep, rest = text.partition(":")
        if sep and re.fullmatch(r"[A-Za-z][A-Za-z _-]*", key.strip()):
            return key.strip().lower(), rest.strip()
        return "", text

    def options(self, words: list[str], line: int) -> dict[str, str]:
        """``key=value`` words as a dict (values may be quoted)."""
        found: dict[str, str] = {}
        for word in words:
            key, sep, value = word.partition("=")
            if not sep or not key:
                raise self.error(f"expected key=value, got '{word}'", line, "write e.g. color=red")
            found[key.lower()] = value
        return found

    # -- the model -----------------------------------------------------------------------------
    def validated(self, model: type[M], data: dict, *, lines: dict[str, int] | None = None) -> M:
        """``model`` made from ``data``; a rule it breaks is reported on the line it comes from:
        ``steps[k]`` on step k's line (a model rule says so by starting its message
        ``steps[k]: ``), a field named in ``lines`` on that line, else the block's first line."""
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = first.get("loc", ())
            line = self.start
            if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int) \
                    and loc[1] < len(self.steps):
                line = self.steps[loc[1]].number
            elif loc and lines and str(loc[0]) in lines:
                line = lines[str(loc[0])]
            message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
            step = re.match(r"steps\[(\d+)\]: ", message)  # a model rule naming its step
            if step and int(step.group(1)) < len(self.steps):
                line, message = self.steps[int(step.group(1))].number, message[step.end():]
                loc = ()
            where = ".".join(str(p) for p in loc)
            raise self.error(f"{message}" + (f" ({where})" if where and "(" not in message
                                              else ""), line) from None
