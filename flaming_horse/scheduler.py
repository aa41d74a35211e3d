"""The scheduler: the units from the voice on (``graph.SCHEDULED``) run as a graph. Each starts
as soon as the units it needs are done (``graph.NEEDS``, ordered by the standard library's
``graphlib``), where its stage runs (``graph.RUNS_ON``):

- on this thread, one at a time, in stage order: the voice (one model for the build), then the
  hearing, the final video and its checks;
- on the render pool (``-j`` at once, or the Ray cluster): each scene's render as soon as its
  clips are spoken, and its part as soon as it is rendered;
- on the cluster's voice pool with ``[ray] voice = true``: every scene's voice at once.

A unit whose needs failed does not run; the others still do, and each stage's failures are
raised at the end, the first stage's first. A unit is made when it is ready if its stage is made
from files an earlier scheduled stage writes (``graph.MADE_FROM``: a part is made from its
render, which a fallback renames), else once at the start. Interrupts: Ctrl-C stops the pools
(their units are recorded interrupted, those not started as not started) and is raised.
"""

from __future__ import annotations

import heapq
import queue
import time
from dataclasses import dataclass, field
from graphlib import TopologicalSorter

from flaming_horse.decide import failure, must_run, stage_module
from flaming_horse.errors import FlamingHorseError
from flaming_horse.executors.local import ThreadPool, UnitRunner
from flaming_horse.graph import MADE_FROM, MAIN, RUNS_ON, SCHEDULED, VOICES, Node, edges
from flaming_horse.project import STAGES, Project, State
from flaming_horse.reporting import Progress, Reporter
from flaming_horse.stages.artifacts import load_plan, selected
from flaming_horse.unit import Unit

POLL_S = 0.2  # how often the build's thread looks up from waiting (Ctrl-C, a pool's exception)


def render_pool(project: Project, jobs: int) -> ThreadPool:
    """Where render units run: this machine's pool (the default, its warm manim started now),
    or the Ray cluster."""
    if project.settings.executor == "ray":
        from flaming_horse.executors.ray import RayPool

        return RayPool(project.settings.ray, "render")
    from flaming_horse.stages.manim_run import warm_up

    warm_up(project)
    return ThreadPool(max(1, jobs), "render")


def voice_pool(project: Project) -> ThreadPool | None:
    """Where voice units run: None for this thread (the default, one model for the build), or
    the Ray cluster with ``[ray] voice = true`` (a task per scene, GPUs from the settings)."""
    if project.settings.executor == "ray" and project.settings.ray.voice:
        from flaming_horse.executors.ray import RayPool

        return RayPool(project.settings.ray, "voice")
    return None


@dataclass
class _Stage:
    runner: UnitRunner
    nodes: int  # this build's units of the stage
    units: dict[str | None, Unit] = field(default_factory=dict)  # made so far, by scene
    todo: set[str | None] = field(default_factory=set)  # scenes whose unit must run
    started: float | None = None
    skipped: int = 0
    settled: int = 0  # units that ran, failed, were found done or were not run


class Scheduler:
    def __init__(self, project: Project, state: State, reporter: Reporter, stages: list[str],
                 scenes: list[str] | None, jobs: int) -> None:
        self.project, self.state, self.reporter, self.jobs = project, state, reporter, jobs
        self.scenes = scenes
        order = [scene.id for scene in selected(load_plan(project), scenes)]
        self.order = {scene: index for index, scene in enumerate(order)}
        self.graph = edges(stages, order)
        present = [stage for stage in SCHEDULED if stage in stages]
        self.stages = {name: _Stage(UnitRunner(project, state, name, reporter),
                                    sum(1 for node in self.graph if node[0] == name))
                       for name in present}
        self.failed: set[Node] = set()  # units that failed, and those that could not run
        self.main: list[tuple[int, int, Node]] = []  # a heap: stage order, then scene order
        self.finished: queue.SimpleQueue[tuple[Node, bool]] = queue.SimpleQueue()
        self.voice_broken = False
        self.pool: ThreadPool | None = None
        self.voices: ThreadPool | None = None

    # -- making units --------------------------------------------------------------------------
    def _eager(self, stage: str) -> bool:
        return not set(MADE_FROM[stage]) & set(SCHEDULED)

    def _make(self, stage: str, scene: str | None) -> None:
        """Make the stage's units (all, or this scene's when made late) and sort out which run."""
        record = self.stages[stage]
        if record.started is None:
            record.started = time.monotonic()
            self.reporter.stage_started(stage, record.nodes)
        scenes = self.scenes if self._eager(stage) or scene is None else [scene]
        for unit in stage_module(stage).units(self.project, scenes):
            if unit.scene in record.units or (unit.stage, unit.scene) not in self.graph:
                continue
            record.units[unit.scene] = unit
            if must_run(self.project, self.state, unit, self.reporter):
                record.todo.add(unit.scene)
            else:
                record.skipped += 1

    # -- running -------------------------------------------------------------------------------
    def run(self) -> dict[str, tuple[int, int]]:
        for stage in self.stages:
            if self._eager(stage):
                self._make(stage, None)
        voice, render = self.stages.get("voice"), self.stages.get("render")
        if (voice and voice.todo) or (render and render.todo):
            stage_module("voice").warm(self.project)
        self.pool = (render_pool(self.project, self.jobs) if render and render.todo
                     else ThreadPool(max(1, self.jobs), "part"))
        self.voices = voice_pool(self.project) if voice and voice.todo else None
        if voice and voice.todo and self.voices is None:
            first = voice.units[min(voice.todo, key=self.order.get)]
            if first.ready is not None:
                try:  # a voice that cannot speak here fails the build before any render starts
                    first.ready(Progress(self.reporter, "voice", first.label))
                except FlamingHorseError:
                    self.voice_broken = True  # each voice unit fails with this error
        sorter = TopologicalSorter(self.graph)
        sorter.prepare()
        try:
            while sorter.is_active():
                ready = sorter.get_ready()
                for node in ready:
                    self._dispatch(node, sorter)
                if ready:
                    continue  # a unit found done makes the next ones ready at once
                self._collect(sorter, wait=not self.main)
                if self.main:
                    _, _, node = heapq.heappop(self.main)
                    done = self.stages[node[0]].runner.run(self.stages[node[0]].units[node[1]])
                    self._settle(node, done, sorter)
            for pool in (self.voices, self.pool):
                if pool is not None:
                    pool.wait()
        except BaseException:
            for pool in (self.voices, self.pool):
                if pool is not None:
                    pool.abort()
            raise
        return {name: (record.runner.ran, record.skipped) for name, record in self.stages.items()}

    def _dispatch(self, node: Node, sorter: TopologicalSorter) -> None:
        stage, scene = node
        record = self.stages[stage]
        if self.graph[node] & self.failed or (stage == "render" and self.voice_broken):
            self._settle(node, False, sorter)  # its needs failed: it does not run
            return
        if scene not in record.units:
            self._make(stage, scene)
        if scene not in record.todo:
            self._settle(node, True, sorter)
            return
        where = RUNS_ON[stage]
        pool = self.voices if where == VOICES else None if where == MAIN else self.pool
        if pool is None:
            heapq.heappush(self.main, (STAGES.index(stage), self.order.get(scene, -1), node))
        else:
            pool.submit(record.runner, record.units[scene],
                        then=lambda unit, done, node=node: self.finished.put((node, done)))

    def _collect(self, sorter: TopologicalSorter, wait: bool) -> None:
        """Settle the units the pools have finished; ``wait``: for one at least, in slices."""
        while True:
            for pool in (self.voices, self.pool):
                if pool is not None:
                    pool.check()  # an unexpected exception of a pool's unit, raised here
            try:
                node, done = self.finished.get(timeout=POLL_S) if wait else \
                    self.finished.get_nowait()
            except queue.Empty:
                if wait:
                    continue
                return
            self._settle(node, done, sorter)
            wait = False

    def _settle(self, node: Node, done: bool, sorter: TopologicalSorter) -> None:
        """``node`` is over: it ran (done or failed), was found done, or could not run."""
        record = self.stages[node[0]]
        if not done:
            self.failed.add(node)
        record.settled += 1
        if record.settled == record.nodes:
            if record.started is None:  # every unit of it could not run
                record.started = time.monotonic()
                self.reporter.stage_started(node[0], record.nodes)
            self.reporter.stage_finished(node[0], record.runner.ran, record.skipped,
                                         time.monotonic() - record.started)
        sorter.done(node)


def run_scheduled(project: Project, state: State, reporter: Reporter, stages: list[str],
                  scenes: list[str] | None, jobs: int) -> dict[str, tuple[int, int]]:
    """Run the scheduled stages among ``stages``; raise the first stage's failure after all
    have ended."""
    scheduler = Scheduler(project, state, reporter, stages, scenes, jobs)
    results = scheduler.run()
    for record in scheduler.stages.values():
        error = failure(record.runner)
        if error is not None:
            raise error
    return results
