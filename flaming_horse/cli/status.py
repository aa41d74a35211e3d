"""flaming-horse status DIR: each stage and each scene with its state (--json too)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from flaming_horse.cli.common import console, err_console, open_project
from flaming_horse.forecast import pending_work
from flaming_horse.project import STAGES


def status(
    directory: Path = typer.Argument(..., help="The project folder."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Show each stage and scene: recorded state, and what a build would redo. A project made
    by the original flaming-horse is converted first."""
    # converting an original project says so on stderr when stdout carries the JSON
    project = open_project(directory, say=err_console if as_json else console)
    state = project.state()
    work = pending_work(project)
    todo = {stage: None if units is None else list(units) for stage, units in work.items()}
    if as_json:
        print(json.dumps({"project": str(project.root), "stages": state.data["stages"],
                          "pending": todo, "reasons": {s: u for s, u in work.items() if u},
                          "final_video": project.final_video.is_file()}, indent=2))
        return
    table = Table(title=f"{project.name}  ({project.settings.quality} quality)")
    for column in ("stage", "scene", "status", "attempts", "build would", "error"):
        table.add_column(column)
    for stage in STAGES:
        record = state.data["stages"].get(stage, {})
        pending = work[stage]
        would = "wait" if pending is None else (
            "run: " + pending[stage] if stage in pending
            else "run: " + ", ".join(pending) if pending else "skip")
        table.add_row(stage, "", record.get("status", "pending" if "scenes" not in record else ""),
                      str(record.get("attempts", "")), escape(would),
                      escape((record.get("error") or "")[:60]))
        for scene, sub in sorted(record.get("scenes", {}).items()):
            why = (pending or {}).get(scene)
            table.add_row("", scene, sub.get("status", ""), str(sub.get("attempts", "")),
                          escape(f"run: {why}") if why else "", escape((sub.get("error") or "")[:60]))
    console.print(table)
    if project.final_video.is_file():
        console.print(f"final video: {project.final_video}")
