"""What the command modules share: the consoles, and running the pipeline with progress shown."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape

from flaming_horse.cli.reporter import ConsoleReporter
from flaming_horse.errors import ProjectError
from flaming_horse.original_layout import detect
from flaming_horse.pipeline import run_pipeline
from flaming_horse.project import Project

console = Console()
err_console = Console(stderr=True)


def open_project(directory: Path, quality: str | None = None, voice: str | None = None,
                 executor: str | None = None, ray_address: str | None = None,
                 run_unboxed_llm_code: bool = False, say: Console | None = None) -> Project:
    """The project at ``directory``; one made by the original flaming-horse is converted first
    (once), and what was written, kept and noted is said on ``say`` (default: stdout)."""
    if detect(directory):
        from flaming_horse.authoring import original  # the conversion: only when it is one

        try:
            conversion = original.convert(directory)
        except OSError as exc:
            raise ProjectError(f"could not convert {directory}, a project of the original "
                               f"flaming-horse: {exc}",
                               hint="the folder must be writable: the conversion writes "
                                    "script.md, flaming-horse.toml and original/ beside the "
                                    "original's files (and changes none of them)") from exc
        say = say or console
        for line in conversion.lines():
            say.print(f"[cyan]→[/] {escape(line)}")
        for note in conversion.notes:
            say.print(f"[yellow]![/] {escape(note)}")
    project = Project.open(directory)
    project.set_overrides(quality=quality, voice=voice, executor=executor,
                          ray_address=ray_address, run_unboxed_llm_code=run_unboxed_llm_code)
    project.settings  # fail early on bad settings
    return project


def build_with_progress(project: Project, until: str | None = None,
                        scenes: list[str] | None = None,
                        jobs: int | None = None) -> dict[str, tuple[int, int]]:
    with ConsoleReporter(console) as reporter:
        return run_pipeline(project, reporter, until=until, scenes=scenes, jobs=jobs)


JOBS_HELP = "Scenes rendered at once (default: FLAMING_HORSE_JOBS, else the number of cores)."
EXECUTOR_HELP = ("Where scenes render: local (this machine, the default) or ray (a Ray cluster; "
                 "FLAMING_HORSE_EXECUTOR).")
RAY_ADDRESS_HELP = "The Ray head node, HOST:PORT (FLAMING_HORSE_RAY_ADDRESS)."
UNBOXED_HELP = ("Where no sandbox can be made (macOS, no user namespaces): run code written by "
                "the language model anyway, with your files, network and secrets within its "
                "reach. [sandbox] run_unboxed_llm_code = true in a settings file says the same.")


def show_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
