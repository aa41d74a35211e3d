"""The Ray executor: scene renders (and, with ``[ray] voice = true``, each scene's voice, with
the GPUs it asks for) run as tasks on a Ray cluster (``--executor ray``).

Ray is a pip extra, imported only here and only when this executor is chosen. Each task is a
Ray generator task that first reports where it runs (node, pid), then its progress (a voice
task: clip by clip), then its result; the build waits for it on a thread of its own, so results
land in the project one by one as they arrive and project_state.json is written after each,
exactly as with the local pool. A worker or node that dies mid-task is retried by Ray
(``[ray] max_retries``); Ctrl-C cancels every outstanding task with force, which kills the
worker processes and, with them, their children (manim, the voice worker: they are started
with PDEATHSIG)."""

from __future__ import annotations

import dataclasses
import inspect
import logging
import os
import socket
import threading
from functools import partial
from typing import Any, Callable

from flaming_horse import children
from flaming_horse.errors import FlamingHorseError, ToolError
from flaming_horse.executors import Step, Task
from flaming_horse.executors.local import ThreadPool, UnitRunner
from flaming_horse.unit import Unit
from flaming_horse.settings import RaySettings
from flaming_horse.reporting import Progress

INSTALL_HINT = "pip install 'flaming-horse[ray]'"
ADDRESS_HINT = ("give the head node's address: --ray-address HOST:PORT, [ray] address in "
                "flaming-horse.toml, or FLAMING_HORSE_RAY_ADDRESS")
MAX_IN_FLIGHT = 256  # threads that only wait on tasks; the cluster's resources bound the renders
_POLL_S = 0.2
CONNECT_TIMEOUT_S = 5.0  # for the head's port to answer before Ray is asked to connect


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
    # Ray's coming default (tasks without GPUs keep the node's CUDA_VISIBLE_DEVICES), which
    # also silences its FutureWarning about it on every build
    os.environ.setdefault("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", "0")
    if ray.is_initialized():
        return ray
    _reachable(address)
    try:
        ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR,
                 namespace="flaming-horse")
    except Exception as exc:  # ConnectionError, version mismatch (RuntimeError), bad address
        first = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
        raise FlamingHorseError(f"cannot use the Ray cluster at {address}: {first}",
                                hint="is the head started (ray start --head) and reachable, with "
                                     "the same Python and Ray versions as here? check with: "
                                     "flaming-horse doctor --executor ray --ray-address "
                                     f"{address}") from exc
    return ray


def _reachable(address: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Fail in seconds, not after Ray's own minute of retries, when nothing answers at a
    HOST:PORT address (other forms, such as ray://, are left to Ray)."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or "/" in host:
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        reason = "no answer" if isinstance(exc, TimeoutError) else exc.strerror or str(exc)
        raise FlamingHorseError(f"cannot reach the Ray cluster at {address}: {reason}",
                                hint="start the head there (ray start --head --port PORT), or "
                                     "fix the address: " + ADDRESS_HINT) from exc


def where_this_runs() -> dict[str, Any]:
    import ray

    return {"node": ray.util.get_node_ip_address(),
            "node_id": ray.get_runtime_context().get_node_id()[:8], "pid": os.getpid()}


def _task(function, payload):
    """On a worker: say where this runs, then run ``function(payload)``. A function that is a
    generator yields ``Step`` items before its result."""
    yield where_this_runs()
    out = function(payload)
    if inspect.isgenerator(out):
        yield from out
    else:
        yield out


def task_demand(settings: RaySettings, kind: str) -> dict[str, float]:
    """What each task of ``kind`` ("render", "voice") asks the cluster for, by Ray's names."""
    if kind == "voice":
        return {"CPU": settings.voice_num_cpus, "GPU": settings.voice_num_gpus}
    return {"CPU": settings.num_cpus, "GPU": 0.0}


FIT_HINT = {kind: f"lower [ray] {setting} in flaming-horse.toml, or add a node that has it "
                  "(ray start --address HEAD:PORT --num-cpus N --num-gpus N)"
            for kind, setting in (("render", "num_cpus"),
                                  ("voice", "voice_num_gpus or voice_num_cpus"))}


def asked(settings: RaySettings, kind: str) -> dict[str, float]:
    """The resources a task of ``kind`` asks for, those it asks none of left out."""
    return {name: amount for name, amount in task_demand(settings, kind).items() if amount > 0}


def describe(resources: dict[str, float]) -> str:
    return ", ".join(f"{amount:g} {name}" for name, amount in resources.items())


def unfit(ray: Any, settings: RaySettings, kind: str) -> str | None:
    """Why no alive node can run a task of ``kind``, or None when one can."""
    demand = asked(settings, kind)
    nodes = [node["Resources"] for node in ray.nodes() if node.get("Alive")]
    if any(all(offer.get(name, 0) >= amount for name, amount in demand.items())
           for offer in nodes):
        return None
    most = {name: max((o.get(name, 0) for o in nodes), default=0) for name in demand}
    return (f"no node of the Ray cluster offers what each {kind} task asks for "
            f"({describe(demand)}); the most one node offers is {describe(most)}")


class RayPool(ThreadPool):
    """The render pool on a cluster: same interface as the local pool (submit, check, wait,
    abort), and the same per-unit state writes, reporting and failure handling."""

    def __init__(self, settings: RaySettings, name: str) -> None:
        self.ray = connect(settings.address)
        super().__init__(MAX_IN_FLIGHT, name)
        self.settings = settings
        # max_calls 0 for voice: the worker, and the model it loaded, stay for the next scene
        # (Ray's default for a task with GPUs is a new worker every time)
        self.remote = {"render": self.ray.remote(_task),
                       "voice": self.ray.remote(max_calls=0)(_task)}
        self.running: set[Any] = set()
        self.running_lock = threading.Lock()
        self._check_fits(name)

    def _check_fits(self, kind: str) -> None:
        """A task no node can ever run would wait forever: say so before the build waits."""
        problem = unfit(self.ray, self.settings, kind)
        if problem:
            raise FlamingHorseError(problem, hint=FIT_HINT[kind])

    def submit(self, runner: UnitRunner, unit: Unit,
               then: Callable[[Unit, bool], None] | None = None) -> None:
        if unit.task is not None:
            unit = dataclasses.replace(unit, run=partial(self._run, unit))
        super().submit(runner, unit, then)

    def _options(self, task: Task, label: str) -> dict[str, Any]:
        demand = task_demand(self.settings, task.kind)
        return {"max_retries": self.settings.max_retries, "retry_exceptions": False,
                "name": f"flaming-horse {task.kind} {label}", "num_cpus": demand["CPU"],
                "num_gpus": demand["GPU"]}

    def _run(self, unit: Unit, progress: Progress) -> None:
        task: Task | None = unit.task(progress)
        if task is None:  # nothing left to do (e.g. the clips were recovered here)
            return
        generator = self.remote[task.kind].options(**self._options(task, unit.label)).remote(
            task.function, task.payload)
        with self.running_lock:
            self.running.add(generator)
        try:
            where = self._next(generator, unit.label)
            on = f"on {where['node']} ({where['node_id']})"
            progress.step(0, on)
            task.started(where)
            result = self._next(generator, unit.label)
            while isinstance(result, Step):
                progress.step(result.progress, f"{on}: {result.detail}")
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
