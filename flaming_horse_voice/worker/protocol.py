"""The worker's wire format, shared by both sides (standard library only).

The parent writes one JSON object per line to the worker's stdin. The worker answers on stdout with
lines that start with ``MARK``; any other stdout line is output of the engine's libraries, which the
parent forwards like stderr. A message always starts on a fresh line (a library may have left a
line unfinished), so the worker writes a newline before it.

    parent -> worker   {"op": "load", "config": {...}}
                       {"op": "speak", "id": 3, "text": "...", "seed": 0, "max_new_tokens": 96,
                        "out": "/tmp/.../3.npy"}
    worker -> parent   {"op": "loaded", "info": {...}}
                       {"op": "heartbeat", "id": 3, "elapsed": 4.0}
                       {"op": "done", "id": 3, "sample_rate": 24000, "out": "...", "seconds": 1.2}
                       {"op": "error", "id": 3, "message": "...", "hint": "...", "fatal": false}
"""

from __future__ import annotations

import json
from typing import Any

MARK = "@@flaming-horse-worker@@ "


def encode(message: dict[str, Any]) -> str:
    return "\n" + MARK + json.dumps(message, ensure_ascii=True) + "\n"


def decode(line: str) -> dict[str, Any] | None:
    """The message on a worker stdout line, or None for a line of library output."""
    if not line.startswith(MARK):
        return None
    try:
        message = json.loads(line[len(MARK):])
    except ValueError:
        return None
    return message if isinstance(message, dict) else None
