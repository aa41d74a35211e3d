"""Where a unit's work runs. The local thread pool (``local.ThreadPool``) is the default; ``ray.py``
sends the render units to a Ray cluster. A unit that can run elsewhere describes its work as a
``Task``: a module-level function, the payload it needs (bytes and settings, no paths of this
machine), and how its result lands in the project. Payloads, results and the steps a task
reports on the way are typed (frozen dataclasses: they travel pickled to the cluster's nodes and
back): ``render_task.RenderPayload``/``RenderResult``, ``voice_task.VoicePayload``/
``VoiceResult``, ``Step``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class Step:
    """What a task that reports as it goes yields before its result: ``progress`` steps of its
    unit done, and what it is doing."""
    progress: int
    detail: str


@dataclass
class Task:
    kind: str  # "render": resources come from the [ray] settings for that kind
    # importable on every node: payload -> result (or, a generator, Steps then the result)
    function: Callable[[Any], Any]
    payload: Any  # a frozen dataclass of the task's kind
    land: Callable[[Any, dict[str, Any]], None]  # (result, where it ran) -> project
    started: Callable[[dict[str, Any]], None] = field(default=lambda where: None)
