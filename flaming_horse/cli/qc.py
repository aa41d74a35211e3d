"""flaming-horse qc DIR: check the final video and every scene, print the table (--json too)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from flaming_horse.cli.common import console, err_console, open_project
from flaming_horse.errors import ProjectError, QCError
from flaming_horse.executors.local import UnitRunner
from flaming_horse.report.model import QCReport
from flaming_horse.reporting import Reporter
from flaming_horse.stages import qc as qc_stage


def print_table(report: QCReport) -> None:
    table = Table(title="quality checks")
    for column in ("", "scope", "check", "value", "threshold"):
        table.add_column(column, overflow="fold")
    for check in report.checks:
        table.add_row("[green]pass[/]" if check.passed else "[red]FAIL[/]", check.scope,
                      check.check, str(check.value), str(check.threshold))
    console.print(table)


def qc(
    directory: Path = typer.Argument(..., help="The project folder."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    html: bool = typer.Option(False, "--html", help="Print where the QC page is (qc/index.html: "
                              "the video, a contact sheet per scene, the problems drawn on it)."),
    open_page: bool = typer.Option(False, "--open", help="Open the QC page in a browser."),
) -> None:
    """Check the final video and every scene, write qc_report.json and the QC page
    (qc/index.html); exit 1 when a check fails."""
    project = open_project(directory)
    if not project.final_video.is_file():
        raise ProjectError(f"{project.final_video} does not exist yet",
                           hint=f"build it first: flaming-horse build {directory}")
    with project.lock():
        # the build's QC unit, run and recorded in the ledger as a build runs it: a build after
        # this does not check again what this run checked
        runner = UnitRunner(project, project.state(), "qc", Reporter())
        unit = qc_stage.units(project)[0]
        unit.why = "asked for"
        runner.run(unit)
        failure = runner.failures[0][1] if runner.failures else None
    if failure is not None and not isinstance(failure, QCError):
        raise failure  # the checks could not run: there is no report to show
    report = qc_stage.read_report(project) or QCReport()  # just written: always there
    if as_json:
        print(json.dumps(report.model_dump(mode="json"), indent=2))
    else:
        print_table(report)
    page = project.qc_page
    if open_page and not _open_in_browser(page):
        err_console.print(f"no browser found here; open {page} on a machine with one")
    if html or open_page:
        (err_console if as_json else console).print(f"QC page: {page}")
    if failure is not None:
        raise failure


def _open_in_browser(page: Path) -> bool:
    import webbrowser

    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return False
    return bool(browser.open(page.resolve().as_uri()))
