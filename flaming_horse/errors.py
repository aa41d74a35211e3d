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


class LLMError(FlamingHorseError):
    """The language-model server failed, refused the request, or kept answering wrongly."""


class AnswerError(LLMError):
    """The server answered, but not usably: cut off at max_tokens, or never valid JSON for the
    schema. For scene code this is one more failed round (repair, then template fallback)."""


class GateError(FlamingHorseError):
    """Generated scene code failed a gate: syntax, policy, api, timing (all four judge the code
    without running it) or dry_run (the only one that runs it, in a subprocess).

    ``gate`` names the check, ``line`` is 1-based in the scene body; ``detail`` is the bare
    message, short enough to show the model that wrote the body so it can repair it.
    """

    def __init__(self, gate: str, message: str, line: int | None = None,
                 hint: str | None = None) -> None:
        where = f"line {line}: " if line is not None else ""
        super().__init__(f"{gate} gate: {where}{message}", hint)
        self.gate = gate
        self.line = line
        self.detail = message


class SandboxError(FlamingHorseError):
    """Untrusted code cannot run as required: no box here, or it broke the box's limits."""
