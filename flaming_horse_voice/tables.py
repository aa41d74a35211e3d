"""Reading a settings table: keys that are not settings are refused by name."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from flaming_horse.errors import FlamingHorseError


def refuse_unknown(data: dict[str, Any], kind: type, what: str) -> None:
    """A FlamingHorseError naming the keys of ``data`` that are not fields of ``kind``."""
    known = {f.name for f in fields(kind)}
    unknown = set(data) - known
    if unknown:
        raise FlamingHorseError(f"unknown {what} setting(s): {', '.join(sorted(unknown))}",
                                hint=f"known settings: {', '.join(sorted(known))}")
