"""One error hierarchy: every failure a user can act on is a FlamingHorseError(message, hint)."""

from __future__ import annotations


class FlamingHorseError(Exception):
    """An error the CLI prints once: what went wrong, and what to do about it."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\nhint: {self.hint}"


class ScriptError(FlamingHorseError):
    """The Markdown script cannot be compiled into a storyboard."""

    def __init__(self, message: str, line: int | None = None, path: str | None = None,
                 hint: str | None = None) -> None:
        where = f"{path or 'script'}:{line}: " if line is not None else ""
        super().__init__(f"{where}{message}", hint)
        self.line = line


class ProjectError(FlamingHorseError):
    """The project folder, its name, its lock or its settings are wrong."""


class ToolError(FlamingHorseError):
    """An external tool (manim, ffmpeg, LaTeX, a voice backend) failed or is missing."""


class QCError(FlamingHorseError):
    """The assembled video failed a quality check."""
