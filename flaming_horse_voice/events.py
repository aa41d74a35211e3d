"""An append-only JSON-lines log of costly work (each TTS call, each render), for audit and tests."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


def append_event(path: Path | None, event: dict[str, Any]) -> None:
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"time": datetime.now(timezone.utc).isoformat(), **event}, ensure_ascii=False)
    with open(path, "a", encoding="utf-8") as handle:  # one short O_APPEND write per event
        handle.write(line + "\n")


def read_events(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:  # a line cut short by kill -9
            continue
    return events
