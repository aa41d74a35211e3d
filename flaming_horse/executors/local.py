"""This machine's executor: a stage's units run one after another or on a thread pool, each
recorded in project_state.json as it starts, fails or finishes (``UnitRunner``). The Ray executor
(``ray.py``) is the same pool with the work sent to the cluster."""

from __future__ import annotations

import threading
import time
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import Callable

from flaming_horse import children, ledger
from flaming_horse.errors import FlamingHorseError
from flaming_horse.project import Project, State
from flaming_horse.reporting import Progress, Reporter
from flaming_horse.unit import Unit


class UnitRunner:
    """Runs one stage's units, in order or (for stages marked PARALLEL) up to ``jobs`` at once.
    State writes and reporter calls are serialised, so threads can share them."""

    def __init__(self, project: Project, state: State, stage: str, reporter: Reporter) -> None:
        self.project, self.state, self.stage, self.reporter = project, state, stage, reporter
        self.lock = threading.Lock()
        self.failures: list[tuple[Unit, FlamingHorseError]] = []
        self.ran = 0

    def update(self, unit: Unit, **fields: object) -> None:
        with self.lock:
            self.state.update(self.stage, unit.scene, **fields)

    def run(self, unit: Unit) -> bool:
        """Run ``unit``; True when it is done, False when it failed (recorded, not raised)."""
        self.update(unit, status="running", input_hash=unit.input_hash, error=None)
        with self.lock:
            self.reporter.unit_why(self.stage, unit.label, unit.why)
            self.reporter.unit_started(self.stage, unit.label, unit.steps)
        started = time.monotonic()
        try:
            unit.run(Progress(self.reporter, self.stage, unit.label))
        except KeyboardInterrupt:
            self.update(unit, status="interrupted", error="interrupted")
            raise
        except FlamingHorseError as exc:
            self.update(unit, status="failed", error=exc.message)
            with self.lock:
                self.reporter.unit_failed(self.stage, unit.label, exc.message)
                self.failures.append((unit, exc))
            return False
        except Exception as exc:
            self.update(unit, status="failed", error=f"{type(exc).__name__}: {exc}")
            raise
        outputs = unit.outputs()
        self.project.discard([p for p in unit.superseded() if p not in outputs])
        self.update(unit, **ledger.done_fields(self.project.root, unit.inputs, unit.input_hash,
                                               outputs, seconds=time.monotonic() - started),
                    **unit.details())
        with self.lock:
            self.ran += 1
            self.reporter.unit_finished(self.stage, unit.label, time.monotonic() - started)
        return True


class ThreadPool:
    """Units running on worker threads. Waiting happens in slices so that Ctrl-C reaches the main
    thread promptly; on any exception the units not yet started are cancelled and marked."""

    def __init__(self, jobs: int, name: str) -> None:
        self.pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix=f"fh-{name}")
        self.submitted: list[tuple[UnitRunner, Unit, Future]] = []

    def submit(self, runner: UnitRunner, unit: Unit,
               then: Callable[[Unit, bool], None] | None = None) -> None:
        """Run ``unit`` on a thread of the pool; ``then(unit, done)`` follows there once it has
        run (``done``: False when it failed). An exception other than a FlamingHorseError
        skips it and is raised by ``check``."""
        def job() -> None:
            done = runner.run(unit)
            if then is not None:
                then(unit, done)

        self.submitted.append((runner, unit, self.pool.submit(job)))

    def check(self) -> None:
        """Raise the first unexpected exception of a finished unit (FlamingHorseErrors are
        recorded by the runner, not raised)."""
        for _, _, future in self.submitted:
            if future.done() and not future.cancelled() and future.exception() is not None:
                raise future.exception()

    def wait(self) -> None:
        """Until every unit has run, those submitted meanwhile (by a ``then``) too."""
        while True:
            pending = {future for _, _, future in list(self.submitted) if not future.done()}
            if not pending:
                break
            wait(pending, timeout=0.2, return_when=FIRST_EXCEPTION)
            self.check()
        self.check()
        self.pool.shutdown(wait=True)

    def abort(self) -> None:
        children.stop_all()  # running renders end now; their units record "interrupted"
        for _, _, future in self.submitted:
            future.cancel()
        self.pool.shutdown(wait=True, cancel_futures=True)  # children die with SIGINT/their units
        for runner, unit, future in self.submitted:
            if future.cancelled():
                runner.update(unit, status="interrupted", error="not started")
