"""The Ray executor: scene renders run as tasks on a Ray cluster (``--executor ray``).

Ray is a pip extra, imported only here and only when this executor is chosen. Each render is a
Ray generator task that first reports where it runs (node, pid), then returns its result; the
build waits for it on a thread of its own, so results land in the project one by one as they
arrive and project_state.json is written after each, exactly as with the local pool. A worker or
node that dies mid-task is retried by Ray (``[ray] max_retries``); Ctrl-C cancels every
outstanding task with force, which kills the worker processes and, with them, their manim
children (they are started with PDEATHSIG)."""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from functools import partial
from typing import Any

from flaming_horse import children
from flaming_horse.errors import FlamingHorseError, ToolError
from flaming_horse.executors import Task
from flaming_horse.pipeline import Unit, _Pool, _StageRun
from flaming_horse.project import RaySettings
from flaming_horse.reporting import Progress

INSTALL_HINT = "pip install 'flaming-horse[ray]'"
ADDRESS_HINT = ("give the head node's address: --ray-address HOST:PORT, [ray] address in "
                "flaming-horse.toml, or FLAMING_HORSE_RAY_ADDRESS")
MAX_IN_FLIGHT = 256  # threads that only wait on tasks; the cluster's resources bound the renders
_POLL_S = 0.2


def import_ray():
    try:
        import ray
    except ImportError as exc:
        raise FlamingHorseError("the ray executor needs Ray, which is not installed here",
                                hint=INSTALL_HINT) from exc
    return ray


def connect(address: str):
    """Connect this process to the cluster at ``address`` (once); returns the ray module."""
    ray = import_ray()
    if not address:
        raise FlamingHorseError("executor 'ray' needs the cluster's address", hint=ADDRESS_HINT)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if ray.is_initialized():
        return ray
    try:
        ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR,
                 namespace="flaming-horse")
    except Exception as exc:  # ConnectionError, version mismatch (RuntimeError), bad address
        first = " ".join(str(exc).split())[:300]
        raise FlamingHorseError(f"cannot use the Ray cluster at {address}: {first}",
                                hint="is the head started (ray start --head) and reachable, with "
                                     "the same Python and Ray versions as here? check with: "
                                     "flaming-horse doctor --executor ray --ray-address "
                                     f"{address}") from exc
    return ray


def _where() -> dict[str, Any]:
    import ray

    return {"node": ray.util.get_node_ip_address(),
            "node_id": ray.get_runtime_context().get_node_id()[:8], "pid": os.getpid()}


def _task(function, payload):
    """On a worker: say where this runs, then run ``function(payload)``."""
    yield _where()
    yield function(payload)


class RayPool(_Pool):
    """The render pool on a cluster: same interface as the local pool (submit, check, wait,
    abort), and the same per-unit state writes, reporting and failure handling."""

    def __init__(self, settings: RaySettings, name: str) -> None:
        self.ray = connect(settings.address)
        super().__init__(MAX_IN_FLIGHT, name)
        self.settings = settings
        self.remote = self.ray.remote(_task)
        self.running: set[Any] = set()
        self.running_lock = threading.Lock()

    def submit(self, runner: _StageRun, unit: Unit) -> None:
        if unit.task is None:
            super().submit(runner, unit)
        else:
            super().submit(runner, dataclasses.replace(unit, run=partial(self._run, unit)))

    def _options(self, task: Task, label: str) -> dict[str, Any]:
        return {"num_cpus": self.settings.num_cpus, "max_retries": self.settings.max_retries,
                "retry_exceptions": False, "name": f"flaming-horse {task.kind} {label}"}

    def _run(self, unit: Unit, progress: Progress) -> None:
        task: Task = unit.task()
        generator = self.remote.options(**self._options(task, unit.label)).remote(
            task.function, task.payload)
        with self.running_lock:
            self.running.add(generator)
        try:
            where = self._next(generator, unit.label)
            progress.step(0, f"on {where['node']} ({where['node_id']})")
            task.started(where)
            result = self._next(generator, unit.label)
        finally:
            with self.running_lock:
                self.running.discard(generator)
        task.land(result, where)

    def _next(self, generator: Any, label: str) -> Any:
        """The next value the task yields; waits in slices so an abort is seen promptly."""
        ray = self.ray
        while True:
            if children.stopping():
                raise KeyboardInterrupt
            ready, _ = ray.wait([generator], timeout=_POLL_S)
            if ready:
                break
        if children.stopping():
            raise KeyboardInterrupt
        try:
            return ray.get(next(generator))
        except StopIteration:
            raise ToolError(f"{label}: the Ray task ended without a result") from None
        except ray.exceptions.TaskCancelledError:
            raise KeyboardInterrupt
        except ray.exceptions.RayTaskError as exc:  # an exception inside the task
            cause = getattr(exc, "cause", None)
            what = (cause.message if isinstance(cause, FlamingHorseError)
                    else f"{type(cause).__name__}: {cause}" if cause else str(exc).splitlines()[0])
            raise ToolError(f"{label} failed on the Ray cluster: {what}",
                            hint="run again with --verbose for the remote traceback") from exc
        except ray.exceptions.RayError as exc:  # the worker or its node died, retries spent
            raise ToolError(f"{label}: the Ray worker running it died and {self.settings.max_retries}"
                            f" retries did not help ({type(exc).__name__})",
                            hint="check the nodes (flaming-horse doctor --executor ray) and "
                                 "their logs (/tmp/ray/session_latest/logs); [ray] max_retries "
                                 "sets the retries") from exc

    def abort(self) -> None:
        children.stop_all()  # waiting threads raise KeyboardInterrupt: units become interrupted
        with self.running_lock:
            running = list(self.running)
        for generator in running:
            try:  # force: the worker process dies, and its manim child with it (PDEATHSIG)
                self.ray.cancel(generator, force=True)
            except Exception:  # already finished or gone
                pass
        super().abort()
