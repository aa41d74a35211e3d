"""A warm manim: one process imports manim, manim-voiceover and scene_kit once, then forks a fresh
child for every scene render, so each scene does not pay the import again (1.3-2 s of CPU per scene
here, a large share of a low-quality render).

Each render still runs in a process of its own (a fork of the warm, single-threaded server), with
its own working folder, environment and log, exactly as ``python -m manim render ...`` would.
Protocol, JSON lines: the build sends {"id", "argv", "cwd", "env", "log"}; the server answers
"ready" once warm, then {"id", "pid"} when a render starts and {"id", "code"} when it ends.
Set FLAMING_HORSE_WARM_RENDER=0 to render with a cold ``python -m manim`` per scene instead.

Model-written scenes get a server of their own, started inside the box (``warm_boxed``). A
request then carries "confine": before the scene's code runs, its fork leads a process group of
its own, may write only beneath its scene folder (Landlock) and takes the rlimits given; the
build sends {"kill": id} at the wall-clock limit and the server kills that group.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

from flaming_horse import children

ENV_SWITCH = "FLAMING_HORSE_WARM_RENDER"


def enabled() -> bool:
    return os.environ.get(ENV_SWITCH, "1") not in ("0", "false", "no")


def manim_render(*args: str) -> list[str]:
    """``python -m manim render ARGS`` as every render and dry run of the build runs it (the warm
    server takes the same command). ``--silent``: by default every manim render asks pypi.org
    for manim's latest release once it has rendered (a 10 s timeout), which an offline build
    must not wait for and a render must not send."""
    return [sys.executable, "-m", "manim", "render", "--silent", *args]


# --- the server (runs in its own process) ---------------------------------------------------

def _send(message: Any) -> None:
    os.write(1, (json.dumps(message) + "\n").encode())


def _render_child(request: dict[str, Any]) -> None:
    """In the forked child: become ``manim render ...`` with the request's folder, env and log."""
    code = 1
    try:
        children.die_with_parent()
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        if request.get("confine"):
            _confine(request["confine"])
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        # the running interpreter does not read its environment again: a request that asks for
        # no bytecode cache (renders do, see manim_run) is followed here
        sys.dont_write_bytecode = bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
        signal.signal(signal.SIGINT, signal.default_int_handler)
        sys.argv = ["manim", *request["argv"]]
        from manim.__main__ import main

        try:
            main(prog_name="manim")
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - the child reports every failure as its exit code
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _confine(confine: dict[str, Any]) -> None:
    """In the forked child, before any scene code: its own process group, writes only beneath
    its folders, its rlimits. Fails the render (never runs it unconfined) if any step fails."""
    from flaming_horse.sandbox import landlock
    from flaming_horse.sandbox.limits import Limits

    os.setsid()
    landlock.restrict_writes([Path(p) for p in confine["write"]], [Path(os.devnull)])
    Limits(wall_s=0, **confine["limits"]).apply()


def serve() -> None:
    """Warm up, then fork a render per request until stdin closes."""
    import manim  # noqa: F401 - the point: imported once, shared by every fork
    import manim.__main__  # noqa: F401
    import manim_voiceover_plus  # noqa: F401

    from flaming_horse import scene_kit  # noqa: F401
    import flaming_horse_voice  # noqa: F401

    _send("ready")
    running: dict[int, int] = {}
    pending = b""
    open_input = True
    while open_input or running:
        ready, _, _ = select.select([0] if open_input else [], [], [], 0.05)
        if ready:
            chunk = os.read(0, 65536)
            if not chunk:
                open_input = False
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                request = json.loads(line)
                if "kill" in request:
                    _kill(running, request["kill"])
                    continue
                pid = os.fork()
                if pid == 0:
                    _render_child(request)
                running[pid] = request["id"]
                _send({"id": request["id"], "pid": pid})
        while running:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            _send({"id": running.pop(pid), "code": os.waitstatus_to_exitcode(status)})


def _kill(running: dict[int, int], ident: int) -> None:
    """Kill the process group of the render ``ident`` (a confined render leads its own)."""
    for pid, running_id in running.items():
        if running_id == ident:
            for kill in (os.killpg, os.kill):
                try:
                    kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass


# --- the client (in the build) ---------------------------------------------------------------

class WarmManim:
    """The build's handle on one server: ``run`` blocks like a subprocess and returns the exit
    code, or None when the server is gone (the caller then renders cold)."""

    def __init__(self, cwd: Path | None, env: dict[str, str] | None, log: Path,
                 wrap: Callable[[list[str]], list[str]] | None = None) -> None:
        log.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log, "a", encoding="utf-8")
        command = [sys.executable, "-m", "flaming_horse.render_server"]
        self.proc = children.spawn(wrap(command) if wrap else command, cwd=cwd, env=env,
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=self._log)
        self._lock = threading.Lock()
        self._next = 0
        self._done: dict[int, threading.Event] = {}
        self._codes: dict[int, int | None] = {}
        self.ready = threading.Event()
        self._reader = threading.Thread(target=self._read, name="fh-warm-manim", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            message = json.loads(raw)
            if message == "ready":
                self.ready.set()
            elif "code" in message:
                with self._lock:
                    self._codes[message["id"]] = message["code"]
                    self._done[message["id"]].set()
        with self._lock:  # the server is gone: every render still waiting gets None
            for ident, event in self._done.items():
                if not event.is_set():
                    self._codes[ident] = None
                    event.set()
        self.ready.set()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def _send(self, message: dict[str, Any]) -> bool:
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write((json.dumps(message) + "\n").encode())
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError):
            return False

    def run(self, argv: list[str], cwd: Path, env: dict[str, str], log: Path,
            confine: dict[str, Any] | None = None, wall_s: float | None = None,
            watch: Callable[[], bool] | None = None) -> int | None:
        """The render's exit code (-9 when killed at ``wall_s`` or when ``watch()``, asked
        every second, says a limit is broken), or None if the server is gone. ``confine``:
        {"write": [folders], "limits": {rlimits}} for model-written code."""
        with self._lock:
            if not self.alive:
                return None
            self._next += 1
            ident = self._next
            self._done[ident] = threading.Event()
            request = {"id": ident, "argv": argv, "cwd": str(cwd), "env": env, "log": str(log),
                       **({"confine": confine} if confine else {})}
            if not self._send(request):
                return None
        event = self._done[ident]
        deadline = None if wall_s is None else time.monotonic() + wall_s
        next_watch = time.monotonic() + 1.0
        while not event.wait(0.2):
            over = deadline is not None and time.monotonic() > deadline
            if watch is not None and deadline is not None and time.monotonic() > next_watch:
                next_watch = time.monotonic() + 1.0
                over = over or watch()
            if children.stopping() or over:
                with self._lock:
                    self._send({"kill": ident})
                if children.stopping():
                    raise KeyboardInterrupt
                deadline = None
        if children.stopping():
            raise KeyboardInterrupt
        with self._lock:
            return self._codes.pop(ident)


_warm: WarmManim | None = None
_boxed: dict[str, WarmManim] = {}
_warm_lock = threading.Lock()


def warm(cwd: Path, env: dict[str, str], log: Path) -> WarmManim:
    """The running server for this build, started if there is none (its warm-up then overlaps
    whatever the build does next, e.g. speaking the narration)."""
    global _warm
    with _warm_lock:
        if _warm is None or not _warm.alive:
            _warm = WarmManim(cwd, env, log)
        return _warm


def warm_boxed(key: str, log: Path, wrap: Callable[[list[str]], list[str]],
               env: dict[str, str]) -> WarmManim:
    """The warm server for model-written scenes of one project (``key``), started inside the
    box that ``wrap`` puts its command in; ``env`` is the box's environment, which bubblewrap
    itself gets too (its init process lives in the box, /proc/1/environ readable there)."""
    with _warm_lock:
        server = _boxed.get(key)
        if server is None or not server.alive:
            server = _boxed[key] = WarmManim(None, env, log, wrap)
        return server


if __name__ == "__main__":
    serve()
