"""The typed records the quality checks exchange as JSON: a check (``Check``), a scene's kept
checks (``SceneChecks``, ``media/assembled/<part>.qc.json``), the report (``QCReport``,
qc_report.json), and the layout findings a render leaves beside itself (``LayoutReport``,
``<render>.layout.json``, written by ``scene_kit.LayoutChecked``). Files are read through them,
so a damaged or foreign file is refused at the seam, not deep in the page or the CLI."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_FRAME = (8.0 * 16 / 9, 8.0)  # manim's frame in units, when a render did not record it


class Check(BaseModel):
    """One check: where (a scene id or "final"), what, the value measured, its threshold."""
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    scope: str
    check: str
    value: Any
    threshold: Any
    passed: bool


class SceneChecks(BaseModel):
    """A scene's checks and timeline, kept beside its part while ``key`` (what they were made
    from) is the same."""
    model_config = ConfigDict(extra="forbid", defer_build=True)

    key: str
    checks: list[Check]
    timeline: dict[str, Any] = Field(default_factory=dict)


class QCReport(BaseModel):
    """qc_report.json: every check, each scene's timeline, whether all passed, and the digest
    of what they were made from."""
    model_config = ConfigDict(extra="forbid", defer_build=True)

    input_hash: str = ""
    passed: bool = False
    checks: list[Check] = Field(default_factory=list)
    timelines: dict[str, dict[str, Any]] = Field(default_factory=dict)

    def of(self, scope: str) -> list[Check]:
        return [check for check in self.checks if check.scope == scope]

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if not check.passed]


class Finding(BaseModel):
    """Something drawn off the frame or over something else, when, and where."""
    model_config = ConfigDict(extra="allow", defer_build=True)  # the scene kit may say more

    kind: str  # "off_frame" or "overlap"
    time: float
    beat: int | None = None
    phase: str | None = None  # "mid-transition": seen while an animation ran
    mobjects: list[str]
    amount: float = 0.0
    box: list[float] | None = None  # off_frame: the box (x0, y0, x1, y1)
    boxes: list[list[float]] | None = None  # overlap: both boxes

    def said(self) -> str:
        return f"{self.kind} at {self.time}s: {' / '.join(self.mobjects)}"


class LayoutReport(BaseModel):
    """What LayoutChecked recorded while a scene was drawn: the frame and the findings."""
    model_config = ConfigDict(extra="allow", defer_build=True)

    frame: tuple[float, float] = DEFAULT_FRAME
    findings: list[Finding]
    figure_s: float | None = None  # how long a figure was on screen, of
    checked_s: float | None = None  # the seconds checked
