"""How long work reports progress without printing: the CLI passes a Reporter in."""

from __future__ import annotations


class Reporter:
    """Receives progress events. The base class ignores them (library use, tests)."""

    def stage_started(self, stage: str, units: int) -> None: ...

    def stage_finished(self, stage: str, ran: int, skipped: int, seconds: float) -> None: ...

    def unit_skipped(self, stage: str, label: str, reason: str) -> None: ...

    def unit_why(self, stage: str, label: str, reason: str) -> None: ...

    def unit_started(self, stage: str, label: str, steps: int = 1) -> None: ...

    def unit_progress(self, stage: str, label: str, done: int, detail: str = "") -> None: ...

    def unit_finished(self, stage: str, label: str, seconds: float) -> None: ...

    def unit_failed(self, stage: str, label: str, message: str) -> None: ...

    def note(self, message: str) -> None: ...


class Progress:
    """Handed to a running unit so it can report steps (clips, frames) as they finish."""

    def __init__(self, reporter: Reporter, stage: str, label: str) -> None:
        self.reporter, self.stage, self.label = reporter, stage, label

    def step(self, done: int, detail: str = "") -> None:
        self.reporter.unit_progress(self.stage, self.label, done, detail)

    def note(self, message: str) -> None:
        self.reporter.note(message)
