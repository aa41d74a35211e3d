"""The ordered stages and the skip/resume logic that all of them share.

A stage module exposes ``units(project, scenes) -> list[Unit]``. A unit knows its input hash, how to
tell from the artifacts on disk whether that input is already built (``is_done``), and how to build
it (``run``). The pipeline skips done units with an "unchanged" line, runs the rest, and writes
project_state.json after every unit, so an interruption loses at most the unit in flight.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from flaming_horse.errors import FlamingHorseError
from flaming_horse.project import STAGES, Project, State
from flaming_horse.reporting import Progress, Reporter
from flaming_horse_voice.atomic import sweep_temp_files


@dataclass
class Unit:
    stage: str
    scene: str | None
    input_hash: str
    is_done: Callable[[], bool]
    run: Callable[[Progress], None]
    outputs: Callable[[], list[Path]] = field(default=lambda: [])
    steps: int = 1

    @property
    def label(self) -> str:
        return self.scene or self.stage


def stage_module(name: str):
    from importlib import import_module

    return import_module(f"flaming_horse.stages.{name}")


def _relative(project: Project, paths: list[Path]) -> list[str]:
    return [str(p.relative_to(project.root)) if p.is_relative_to(project.root) else str(p)
            for p in paths]


def run_stage(project: Project, state: State, stage: str, reporter: Reporter,
              scenes: list[str] | None = None) -> tuple[int, int]:
    """Run one stage's units that are not done. Returns (ran, skipped)."""
    units: list[Unit] = stage_module(stage).units(project, scenes)
    reporter.stage_started(stage, len(units))
    started = time.monotonic()
    ran = skipped = 0
    failures: list[tuple[Unit, FlamingHorseError]] = []
    for unit in units:
        if unit.is_done():
            skipped += 1
            reporter.unit_skipped(stage, unit.label, "unchanged")
            record = state.record(stage, unit.scene)
            if record.get("status") != "done" or record.get("input_hash") != unit.input_hash:
                state.update(stage, unit.scene, status="done", input_hash=unit.input_hash,
                             outputs=_relative(project, unit.outputs()), error=None)
            continue
        state.update(stage, unit.scene, status="running", input_hash=unit.input_hash, error=None)
        reporter.unit_started(stage, unit.label, unit.steps)
        unit_started = time.monotonic()
        try:
            unit.run(Progress(reporter, stage, unit.label))
        except KeyboardInterrupt:
            state.update(stage, unit.scene, status="interrupted", error="interrupted")
            raise
        except FlamingHorseError as exc:
            state.update(stage, unit.scene, status="failed", error=exc.message)
            reporter.unit_failed(stage, unit.label, exc.message)
            failures.append((unit, exc))
            if unit.scene is None:
                break
            continue
        except Exception as exc:
            state.update(stage, unit.scene, status="failed", error=f"{type(exc).__name__}: {exc}")
            raise
        ran += 1
        state.update(stage, unit.scene, status="done", outputs=_relative(project, unit.outputs()))
        reporter.unit_finished(stage, unit.label, time.monotonic() - unit_started)
    reporter.stage_finished(stage, ran, skipped, time.monotonic() - started)
    if failures:
        if len(failures) == 1:
            raise failures[0][1]
        first = failures[0][1]
        names = ", ".join(u.label for u, _ in failures)
        raise FlamingHorseError(f"{stage} failed for {len(failures)} scenes ({names}); first: "
                                f"{first.message}", first.hint)
    return ran, skipped


def run_pipeline(project: Project, reporter: Reporter | None = None, until: str | None = None,
                 scenes: list[str] | None = None) -> dict[str, tuple[int, int]]:
    """Run the stages in order (up to and including ``until``), under the project lock."""
    reporter = reporter or Reporter()
    stages = STAGES if until is None else STAGES[: STAGES.index(until) + 1]
    results: dict[str, tuple[int, int]] = {}
    with project.lock():
        swept = sweep_temp_files(project.root)
        if swept:
            reporter.note(f"removed {swept} partial file(s) left by an interrupted run")
        state = project.state()
        if state.recovered:
            reporter.note("project_state.json was unreadable; rebuilding it from the artifacts")
        for stage in stages:
            results[stage] = run_stage(project, state, stage, reporter, scenes)
        if until is None and scenes is None:
            from flaming_horse.stages.artifacts import load_plan

            keep = {scene.id for scene in load_plan(project).scenes}
            for stage in ("scenes", "voice", "render"):
                state.prune_scenes(stage, keep)
            state.save()
    return results
