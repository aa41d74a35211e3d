"""The ordered stages and the skip/resume logic that all of them share.

A stage module exposes ``units(project, scenes) -> list[Unit]``. A unit knows its input hash, how to
tell from the artifacts on disk whether that input is already built (``is_done``), and how to build
it (``run``). The pipeline skips done units with an "unchanged" line, runs the rest, and writes
project_state.json after every unit, so an interruption loses at most the unit in flight.
"""

from __future__ import annotations

import time

from flaming_horse import children, ledger
from flaming_horse.errors import FlamingHorseError
from flaming_horse.executors.local import ThreadPool, UnitRunner, relative
from flaming_horse.project import SCENE_STAGES, STAGES, Project, State
from flaming_horse.reporting import Progress, Reporter
from flaming_horse.unit import Unit, default_jobs
from flaming_horse_voice.atomic import sweep_temp_files


def stage_module(name: str):
    from importlib import import_module

    return import_module(f"flaming_horse.stages.{name}")


def _render_pool(project: Project, jobs: int) -> "ThreadPool":
    """Where render units run: this machine's pool (the default, its warm manim started now),
    or the Ray cluster."""
    if project.settings.executor == "ray":
        from flaming_horse.executors.ray import RayPool

        return RayPool(project.settings.ray, "render")
    from flaming_horse.stages.manim_run import warm_up

    warm_up(project)
    return ThreadPool(max(1, jobs), "render")


def _voice_pool(project: Project) -> "ThreadPool | None":
    """Where voice units run: None for this thread (the default, one model for the build), or
    the Ray cluster with ``[ray] voice = true`` (a task per scene, GPUs from the settings)."""
    if project.settings.executor == "ray" and project.settings.ray.voice:
        from flaming_horse.executors.ray import RayPool

        return RayPool(project.settings.ray, "voice")
    return None


def _todo(project: Project, state: State, stage: str, units: list[Unit],
          reporter: Reporter) -> list[Unit]:
    """The units whose input is not built yet; the others are reported and recorded as done."""
    reporter.stage_started(stage, len(units))
    todo: list[Unit] = []
    for unit in units:
        if not unit.is_done():
            unit.why = why(project, state, unit)
            todo.append(unit)
            continue
        reporter.unit_skipped(stage, unit.label, "unchanged")
        record = state.record(stage, unit.scene)
        inputs = ledger.fingerprint(unit.inputs)
        if record.get("status") != "done" or record.get("input_hash") != unit.input_hash \
                or record.get("inputs") != inputs:
            state.update(stage, unit.scene, status="done", input_hash=unit.input_hash,
                         outputs=relative(project, unit.outputs()), error=None, inputs=inputs)
    return todo


def why(project: Project, state: State, unit: Unit) -> str:
    """Why ``unit`` (found not done) must run, in words (``ledger.reason``)."""
    return ledger.reason(state.peek(unit.stage, unit.scene), unit.inputs, unit.input_hash,
                         unit.outputs(), project.root)


def _finish(runner: UnitRunner, total: int, todo: int, reporter: Reporter,
            seconds: float) -> tuple[int, int]:
    """Report the stage's end and raise its failures (all scenes named, the first explained)."""
    reporter.stage_finished(runner.stage, runner.ran, total - todo, seconds)
    failures = runner.failures
    if len(failures) == 1:
        raise failures[0][1]
    if failures:
        first = failures[0][1]
        names = ", ".join(u.label for u, _ in failures)
        raise FlamingHorseError(f"{runner.stage} failed for {len(failures)} scenes ({names}); "
                                f"first: {first.message}", first.hint)
    return runner.ran, total - todo


def run_stage(project: Project, state: State, stage: str, reporter: Reporter,
              scenes: list[str] | None = None, jobs: int = 1) -> tuple[int, int]:
    """Run one stage's units that are not done. Returns (ran, skipped)."""
    module = stage_module(stage)
    units: list[Unit] = module.units(project, scenes)
    started = time.monotonic()
    todo = _todo(project, state, stage, units, reporter)
    runner = UnitRunner(project, state, stage, reporter)
    pool = _voice_pool(project) if stage == "voice" and todo else None
    if pool is None and jobs > 1 and len(todo) > 1 and getattr(module, "PARALLEL", False):
        pool = ThreadPool(jobs, stage)
    if pool is not None:
        try:
            for unit in todo:
                pool.submit(runner, unit)
            pool.wait()
        except BaseException:
            pool.abort()
            raise
    else:
        for unit in todo:
            runner.run(unit)
            if runner.failures and unit.scene is None:
                break
    return _finish(runner, len(units), len(todo), reporter, time.monotonic() - started)


def run_overlapped(project: Project, state: State, reporter: Reporter,
                   scenes: list[str] | None = None, jobs: int = 1,
                   hear: bool = False, part: bool = False) -> dict[str, tuple[int, int]]:
    """voice and render together: the voice speaks scene after scene on this thread (one model,
    one process), and each scene goes to the render pool the moment its clips are in the cache,
    so rendering starts after the first scene's audio instead of the last one's. A scene whose
    voice failed is not rendered; the other scenes still are. With ``[ray] voice = true`` every
    scene's voice is a cluster task at once, and each renders as soon as its task has landed.
    ``hear``: then, still on this thread and while the scenes render, the clips not heard yet
    are heard (the hear stage), scene by scene. ``part``: each scene's part (padded, checked)
    is made on the render pool as soon as the scene is rendered."""
    voice_units: list[Unit] = stage_module("voice").units(project, scenes)
    render_units: list[Unit] = stage_module("render").units(project, scenes)
    hear_units: list[Unit] = stage_module("hear").units(project, scenes) if hear else []
    part_units: list[Unit] = stage_module("part").units(project, scenes) if part else []
    started = time.monotonic()
    voice_todo = _todo(project, state, "voice", voice_units, reporter)
    render_todo = {unit.scene: unit for unit in
                   _todo(project, state, "render", render_units, reporter)}
    part_todo = {unit.scene: unit for unit in
                 _todo(project, state, "part", part_units, reporter)} if part else {}
    voice_runner = UnitRunner(project, state, "voice", reporter)
    part_runner = UnitRunner(project, state, "part", reporter)
    render_runner = UnitRunner(project, state, "render", reporter)
    hear_runner = UnitRunner(project, state, "hear", reporter)
    hear_todo: list[Unit] = []
    waiting = {unit.scene for unit in voice_todo}
    rendered = {unit.scene for unit in render_units} - set(render_todo)  # before this build
    if voice_todo or render_todo:
        stage_module("voice").warm(project)
    pool = _render_pool(project, jobs) if render_todo else ThreadPool(max(1, jobs), "part")
    voices = _voice_pool(project) if voice_todo else None

    def finish_part(rendered: Unit) -> None:  # on the render pool, once the scene is rendered
        if rendered.scene in part_todo:
            pool.submit(part_runner, part_todo[rendered.scene])

    def render(spoken: Unit) -> None:
        if spoken.scene in render_todo:
            pool.submit(render_runner, render_todo[spoken.scene], then=finish_part)

    try:
        if voices is None and voice_todo and voice_todo[0].ready is not None:
            try:  # a voice that cannot speak here fails the build before any render starts
                voice_todo[0].ready(Progress(reporter, "voice", voice_todo[0].label))
            except FlamingHorseError:
                render_todo = {}  # each voice unit below fails with the same error
        for scene, unit in render_todo.items():
            if scene not in waiting:
                pool.submit(render_runner, unit, then=finish_part)
        for scene, unit in part_todo.items():
            if scene in rendered:  # rendered before: its part can be made now
                pool.submit(part_runner, unit)
        for unit in voice_todo:
            if voices is not None:  # on the cluster, all at once; each renders when spoken
                voices.submit(voice_runner, unit, then=render)
            elif voice_runner.run(unit):
                render(unit)
            pool.check()
        if voices is not None:
            voices.wait()
        voice_done = time.monotonic()
        if hear_units:
            unspoken = {unit.scene for unit, _ in voice_runner.failures}
            hear_todo = _todo(project, state, "hear", hear_units, reporter)
            for unit in hear_todo:
                if unit.scene not in unspoken:
                    hear_runner.run(unit)
                pool.check()
        hear_done = time.monotonic()
        pool.wait()
    except BaseException:
        if voices is not None:
            voices.abort()
        pool.abort()
        raise
    results: dict[str, tuple[int, int]] = {}
    errors: list[FlamingHorseError] = []
    stages = [(voice_runner, voice_units, voice_todo, voice_done - started),
              (render_runner, render_units, render_todo, time.monotonic() - started)]
    if hear_units:
        stages.append((hear_runner, hear_units, hear_todo, hear_done - voice_done))
    if part_units:
        stages.append((part_runner, part_units, part_todo, time.monotonic() - started))
    for runner, units, todo, seconds in stages:
        try:  # both stages report their end; a voice failure is the one raised
            results[runner.stage] = _finish(runner, len(units), len(todo), reporter, seconds)
        except FlamingHorseError as exc:
            errors.append(exc)
    if errors:
        raise errors[0]
    return results


def run_pipeline(project: Project, reporter: Reporter | None = None, until: str | None = None,
                 scenes: list[str] | None = None,
                 jobs: int | None = None) -> dict[str, tuple[int, int]]:
    """Run the stages in order (up to and including ``until``), under the project lock.
    ``jobs``: how many scenes render at once (default: the number of CPU cores)."""
    jobs = jobs or default_jobs()
    reporter = reporter or Reporter()
    stages = STAGES if until is None else STAGES[: STAGES.index(until) + 1]
    results: dict[str, tuple[int, int]] = {}
    children.reset()
    with project.lock():
        swept = sweep_temp_files(project.root)
        if swept:
            reporter.note(f"removed {swept} partial file(s) left by an interrupted run")
        state = project.state()
        if state.recovered:
            reporter.note("project_state.json was unreadable; rebuilding it from the artifacts")
        try:
            for stage in stages:
                if stage in ("render", "hear", "part") and stage in results:
                    continue  # ran with voice
                prepare = getattr(stage_module(stage), "prepare", None)
                if prepare is not None:  # before the stage's units are made (their keys)
                    prepare(project, Progress(reporter, stage, stage))
                if stage == "voice" and "render" in stages:
                    results.update(run_overlapped(project, state, reporter, scenes, jobs,
                                                  hear="hear" in stages, part="part" in stages))
                    children.close_all()  # the warm render server is no longer needed
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
