"""Progress on the terminal: one line per stage, a live bar for every unit that runs."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn,
)

from flaming_horse.reporting import Reporter


class ConsoleReporter(Reporter):
    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(),
                                 TextColumn("[dim]{task.fields[detail]}"), console=console,
                                 transient=True)
        self.tasks: dict[tuple[str, str], int] = {}
        self.skipped: dict[str, list[str]] = {}
        self.failed: set[str] = set()  # stages with a failed unit
        self.reasons: dict[tuple[str, str], str] = {}  # why each unit runs

    def __enter__(self) -> "ConsoleReporter":
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def stage_started(self, stage: str, units: int) -> None:
        self.skipped[stage] = []

    def unit_skipped(self, stage: str, label: str, reason: str) -> None:
        self.skipped.setdefault(stage, []).append(label)

    def unit_why(self, stage: str, label: str, reason: str) -> None:
        self.reasons[(stage, label)] = reason

    def _why(self, stage: str, label: str) -> str:
        reason = self.reasons.pop((stage, label), "")
        return f"  [dim]({escape(reason)})[/]" if reason else ""

    def unit_started(self, stage: str, label: str, steps: int = 1) -> None:
        name = f"{stage:<9} {label if label != stage else ''}"
        self.tasks[(stage, label)] = self.progress.add_task(name, total=steps, detail="")

    def unit_progress(self, stage: str, label: str, done: int, detail: str = "") -> None:
        task = self.tasks.get((stage, label))
        if task is not None:
            self.progress.update(task, completed=done, detail=detail)

    def _end(self, stage: str, label: str) -> None:
        task = self.tasks.pop((stage, label), None)
        if task is not None:
            self.progress.remove_task(task)

    def unit_finished(self, stage: str, label: str, seconds: float) -> None:
        self._end(stage, label)
        what = "" if label == stage else f"{label} "
        self.console.print(f"[green]✓[/] {stage:<9} {what}done in {seconds:.1f} s"
                           + self._why(stage, label))

    def unit_failed(self, stage: str, label: str, message: str) -> None:
        self._end(stage, label)
        self.failed.add(stage)
        what = "" if label == stage else f"{label} "
        self.console.print(f"[red]✗[/] {stage:<9} {what}failed" + self._why(stage, label))

    def stage_finished(self, stage: str, ran: int, skipped: int, seconds: float) -> None:
        labels = self.skipped.get(stage, [])
        if skipped and not ran and stage not in self.failed:
            self.console.print(f"[dim]· {stage:<9} unchanged[/]")
        elif skipped:
            self.console.print(f"[dim]· {stage:<9} unchanged: {', '.join(labels)}[/]")

    def note(self, message: str) -> None:
        self.console.print(f"[yellow]![/] {escape(message)}")
