"""The layout findings a render leaves beside itself (``<render>.layout.json``, written by
``scene_kit.LayoutChecked`` while the scene is drawn): where they are, and reading them."""

from __future__ import annotations

from pathlib import Path

from flaming_horse.report.model import Finding, LayoutReport


def layout_path(render: Path) -> Path:
    """The layout findings recorded while ``render`` was drawn."""
    return render.with_suffix(".layout.json")


def layout_report(render: Path) -> LayoutReport | None:
    """What LayoutChecked recorded while ``render`` was drawn (the frame, the findings, how long
    a figure was on screen), or None when it was not checked (hand-written scenes may opt out)
    or the file is not such a record."""
    try:
        return LayoutReport.model_validate_json(layout_path(render).read_bytes())
    except (OSError, ValueError):  # pydantic's ValidationError is a ValueError
        return None


def layout_findings(render: Path) -> list[Finding] | None:
    """Findings of a render, or None when it was not checked."""
    report = layout_report(render)
    return None if report is None else report.findings
