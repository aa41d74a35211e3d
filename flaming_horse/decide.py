"""Which of a stage's units run, and why: a unit whose own check says it is built is reported
unchanged and recorded done; the others get their reason (``ledger.reason``) and run."""

from __future__ import annotations

from importlib import import_module

from flaming_horse import ledger
from flaming_horse.errors import FlamingHorseError
from flaming_horse.executors.local import UnitRunner
from flaming_horse.project import Project, State
from flaming_horse.reporting import Reporter
from flaming_horse.unit import Unit


def stage_module(name: str):
    return import_module(f"flaming_horse.stages.{name}")


def why(project: Project, state: State, unit: Unit) -> str:
    """Why ``unit`` (found not done) must run, in words (``ledger.reason``)."""
    return ledger.reason(state.peek(unit.stage, unit.scene), unit.inputs, unit.input_hash,
                         unit.outputs(), project.root)


def verdict(project: Project, state: State, unit: Unit) -> str | None:
    """None when ``unit`` is built, else why it must run. The ledger decides (its record of
    the unit: status, input digest, outputs as written); only where it has no record it can
    trust (``State.adopting``, a first-format record) the stage's check of its artifacts
    decides, once: the record is then written (``must_run``)."""
    record = state.peek(unit.stage, unit.scene)
    if state.adopting or not ledger.is_recorded(record):
        return None if unit.is_done() else why(project, state, unit)
    return ledger.verdict(record, unit.inputs, unit.input_hash, project.root, unit.editable)


def must_run(project: Project, state: State, unit: Unit, reporter: Reporter) -> bool:
    """True when ``unit`` is not built (its ``why`` is set); else it is reported unchanged and
    its record made to say done, with what it was built from and its outputs as they are."""
    reason = verdict(project, state, unit)
    if reason is not None:
        unit.why = reason
        return True
    reporter.unit_skipped(unit.stage, unit.label, "unchanged")
    record = state.peek(unit.stage, unit.scene)
    kept = record.get("outputs") if isinstance(record.get("outputs"), dict) else {}
    paths = [project.root / name for name in kept] if kept else unit.outputs()
    fields = ledger.done_fields(project.root, unit.inputs, unit.input_hash, paths, kept)
    if any(record.get(name) != value for name, value in fields.items()):
        state.update(unit.stage, unit.scene, **fields)
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
