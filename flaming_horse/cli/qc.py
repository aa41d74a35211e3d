"""flaming-horse qc DIR: check the final video and every scene, print the table (--json too)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from flaming_horse.cli.common import console, open_project
from flaming_horse.errors import ProjectError, QCError
from flaming_horse.stages import qc as qc_stage


def print_table(report: dict) -> None:
    table = Table(title="quality checks")
    for column in ("", "scope", "check", "value", "threshold"):
        table.add_column(column, overflow="fold")
    for check in report.get("checks", []):
        table.add_row("[green]pass[/]" if check["passed"] else "[red]FAIL[/]", check["scope"],
                      check["check"], str(check["value"]), str(check["threshold"]))
    console.print(table)


def qc(
    directory: Path = typer.Argument(..., help="The project folder."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Check the final video and every scene; exit 1 when a check fails."""
    project = open_project(directory)
    if not project.final_video.is_file():
        raise ProjectError(f"{project.final_video} does not exist yet",
                           hint=f"build it first: flaming-horse build {directory}")
    with project.lock():
        checks = qc_stage.run_checks(project)
        failure: QCError | None = None
        try:
            qc_stage.write_report(project, checks, qc_stage.input_hash(project))
        except QCError as exc:
            failure = exc
    report = qc_stage.read_report(project)
    if as_json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
    if failure is not None:
        raise failure
