"""The layout findings a render leaves beside itself (``<render>.layout.json``, written by
``scene_kit.LayoutChecked`` while the scene is drawn): where they are, and reading them."""

from __future__ import annotations

import json
from pathlib import Path


def layout_path(render: Path) -> Path:
    """The layout findings recorded while ``render`` was drawn."""
    return render.with_suffix(".layout.json")


def layout_report(render: Path) -> dict | None:
    """What LayoutChecked recorded while ``render`` was drawn ({"frame", "findings"}), or None
    when it was not checked (hand-written scenes may opt out)."""
    try:
        data = json.loads(layout_path(render).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "findings" in data else None


def layout_findings(render: Path) -> list[dict] | None:
    """Findings of a render, or None when it was not checked."""
    report = layout_report(render)
    return None if report is None else report["findings"]
