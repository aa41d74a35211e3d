"""A build: the stages in order (``project.STAGES``), under the project lock.

A stage module exposes ``units(project, scenes) -> list[Unit]``. A unit knows its input hash, how to
tell from the artifacts on disk whether that input is already built (``is_done``), and how to build
it (``run``). The stages that write what every later unit is made from (plan, narration, scenes)
run one after another here; the units from the voice on run as a graph (``scheduler.py``). Done
units are skipped with an "unchanged" line, the rest run with their reason, and
project_state.json is written after every unit, so an interruption loses at most the units in
flight.
"""

from __future__ import annotations

import time

from flaming_horse import children
from flaming_horse.decide import failure, stage_module, todo
from flaming_horse.executors.local import ThreadPool, UnitRunner
from flaming_horse.graph import SCHEDULED
from flaming_horse.project import SCENE_STAGES, STAGES, Project, State
from flaming_horse.reporting import Progress, Reporter
from flaming_horse.scheduler import run_scheduled
from flaming_horse.stages.manim_run import repair_svg_cache
from flaming_horse.unit import Unit, default_jobs
from flaming_horse_voice.atomic import sweep_temp_files


def run_stage(project: Project, state: State, stage: str, reporter: Reporter,
              scenes: list[str] | None = None, jobs: int = 1) -> tuple[int, int]:
    """Run one stage's units that are not done, on their own. Returns (ran, skipped)."""
    module = stage_module(stage)
    units: list[Unit] = module.units(project, scenes)
    started = time.monotonic()
    pending = todo(project, state, stage, units, reporter)
    runner = UnitRunner(project, state, stage, reporter)
    if jobs > 1 and len(pending) > 1 and getattr(module, "PARALLEL", False):
        pool = ThreadPool(jobs, stage)
        try:
            for unit in pending:
                pool.submit(runner, unit)
            pool.wait()
        except BaseException:
            pool.abort()
            raise
    else:
        for unit in pending:
            runner.run(unit)
            if runner.failures and unit.scene is None:
                break
    reporter.stage_finished(stage, runner.ran, len(units) - len(pending),
                            time.monotonic() - started)
    error = failure(runner)
    if error is not None:
        raise error
    return runner.ran, len(units) - len(pending)


def run_pipeline(project: Project, reporter: Reporter | None = None, until: str | None = None,
                 scenes: list[str] | None = None,
                 jobs: int | None = None) -> dict[str, tuple[int, int]]:
    """Run the stages in order (up to and including ``until``), under the project lock.
    ``jobs``: how many scenes render at once (default: the number of CPU cores)."""
    jobs = jobs or default_jobs()
    reporter = reporter or Reporter()
    stages = list(STAGES if until is None else STAGES[: STAGES.index(until) + 1])
    results: dict[str, tuple[int, int]] = {}
    children.reset()
    with project.lock():
        swept = sweep_temp_files(project.root) + repair_svg_cache(project)
        if swept:
            reporter.note(f"removed {swept} partial file(s) left by an interrupted run")
        state = project.state()
        if state.recovered:
            reporter.note("project_state.json was unreadable; rebuilding it from the artifacts")
        try:
            for stage in stages:
                if stage in results:
                    continue  # ran in the graph
                prepare = getattr(stage_module(stage), "prepare", None)
                if prepare is not None:  # before the stage's units are made (their keys)
                    prepare(project, Progress(reporter, stage, stage))
                if stage in SCHEDULED:
                    results.update(run_scheduled(project, state, reporter, stages, scenes, jobs))
                else:
                    results[stage] = run_stage(project, state, stage, reporter, scenes, jobs)
        finally:
            children.close_all()
        if until is None and scenes is None:
            from flaming_horse.stages.artifacts import load_plan

            keep = {scene.id for scene in load_plan(project).scenes}
            for stage in SCENE_STAGES:
                state.prune_scenes(stage, keep)
            state.save()
    return results
