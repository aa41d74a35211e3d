"""flaming-horse build DIR: resume a project; redo only what changed or never finished."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from flaming_horse.cli.common import (
    EXECUTOR_HELP, JOBS_HELP, RAY_ADDRESS_HELP, UNBOXED_HELP, build_with_progress, console,
    open_project, show_path,
)
from flaming_horse.project import Project


def finish_message(project: Project, results: dict[str, tuple[int, int]]) -> None:
    ran = sum(r for r, _ in results.values())
    from flaming_horse import media

    header = media.mp4_header(project.final_video)
    length = header[1] if header else media.probe(project.final_video).duration
    verb = "is up to date" if ran == 0 else "is ready"
    console.print(f"[bold green]{show_path(project.final_video)}[/] {verb} "
                  f"({length:.1f} s, quality {project.settings.quality}; "
                  f"QC page: {show_path(project.qc_page)})")


def show_dry_run(project: Project) -> None:
    """What ``build`` would run now, unit by unit with its reason; nothing is run or written."""
    from flaming_horse.forecast import pending_work

    work = pending_work(project)
    if not any(work.values()) and all(units is not None for units in work.values()):
        console.print(f"Nothing would run: {show_path(project.final_video)} is up to date.")
        return
    for stage, units in work.items():
        if units is None:
            console.print(f"[dim]? {stage:<9} decided after the stages above have run[/]")
        for label, reason in (units or {}).items():
            what = "" if label == stage else f"{label} "
            console.print(f"[cyan]▸[/] {stage:<9} {what}would run  [dim]({escape(reason)})[/]")


def build(
    directory: Path = typer.Argument(..., help="The project folder, e.g. projects/my_video."),
    quality: Optional[str] = typer.Option(None, "--quality", "-q",
                                          help="low (480p15), medium (720p30) or high (1080p60)."),
    voice: Optional[str] = typer.Option(None, "--voice", help="Voice backend for this build."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help=JOBS_HELP),
    executor: Optional[str] = typer.Option(None, "--executor", help=EXECUTOR_HELP),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", help=RAY_ADDRESS_HELP),
    run_unboxed_llm_code: bool = typer.Option(False, "--run-unboxed-llm-code",
                                              help=UNBOXED_HELP),
    dry_run: bool = typer.Option(False, "--dry-run", "-n",
                                 help="List what would run and why; run nothing."),
) -> None:
    """Build or resume a project: redo only what changed or never finished."""
    project = open_project(directory, quality, voice, executor, ray_address,
                           run_unboxed_llm_code)
    if dry_run:
        show_dry_run(project)
        return
    results = build_with_progress(project, jobs=jobs)
    finish_message(project, results)
