"""Which of a stage's units run, and why: a unit whose own check says it is built is reported
unchanged and recorded done; the others get their reason (``ledger.reason``) and run."""

from __future__ import annotations

from importlib import import_module

from flaming_horse import ledger
from flaming_horse.errors import FlamingHorseError
from flaming_horse.executors.local import UnitRunner, relative
from flaming_horse.project import Project, State
from flaming_horse.reporting import Reporter
from flaming_horse.unit import Unit


def stage_module(name: str):
    return import_module(f"flaming_horse.stages.{name}")


def why(project: Project, state: State, unit: Unit) -> str:
    """Why ``unit`` (found not done) must run, in words (``ledger.reason``)."""
    return ledger.reason(state.peek(unit.stage, unit.scene), unit.inputs, unit.input_hash,
                         unit.outputs(), project.root)


def must_run(project: Project, state: State, unit: Unit, reporter: Reporter) -> bool:
    """True when ``unit`` is not built (its ``why`` is set); else it is reported unchanged and
    its record made to say done, with what it was built from."""
    if not unit.is_done():
        unit.why = why(project, state, unit)
        return True
    reporter.unit_skipped(unit.stage, unit.label, "unchanged")
    record = state.record(unit.stage, unit.scene)
    inputs = ledger.fingerprint(unit.inputs)
    if record.get("status") != "done" or record.get("input_hash") != unit.input_hash \
            or record.get("inputs") != inputs:
        state.update(unit.stage, unit.scene, status="done", input_hash=unit.input_hash,
                     outputs=relative(project, unit.outputs()), error=None, inputs=inputs)
    return False


def todo(project: Project, state: State, stage: str, units: list[Unit],
         reporter: Reporter) -> list[Unit]:
    """The units of ``stage`` that must run; the stage's start is reported first."""
    reporter.stage_started(stage, len(units))
    return [unit for unit in units if must_run(project, state, unit, reporter)]


def failure(runner: UnitRunner) -> FlamingHorseError | None:
    """The error a stage raises for its failed units: all scenes named, the first explained."""
    failures = runner.failures
    if len(failures) == 1:
        return failures[0][1]
    if failures:
        first = failures[0][1]
        names = ", ".join(u.label for u, _ in failures)
        return FlamingHorseError(f"{runner.stage} failed for {len(failures)} scenes ({names}); "
                                 f"first: {first.message}", first.hint)
    return None
