"""Where a unit's work runs. The local thread pool (``local.ThreadPool``) is the default; ``ray.py``
sends the render units to a Ray cluster. A unit that can run elsewhere describes its work as a
``Task``: a module-level function, the payload it needs (bytes and settings, no paths of this
machine), and how its result lands in the project."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class Task:
    kind: str  # "render": resources come from the [ray] settings for that kind
    function: Callable[[dict[str, Any]], dict[str, Any]]  # importable on every node
    payload: dict[str, Any]
    land: Callable[[dict[str, Any], dict[str, Any]], None]  # (result, where it ran) -> project
    started: Callable[[dict[str, Any]], None] = field(default=lambda where: None)
