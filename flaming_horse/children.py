"""The child processes of a build (manim renders) and how an interruption stops all of them.

Ctrl-C in a terminal reaches the whole process group, but a SIGINT sent to the build alone (kill -INT,
a supervisor, a test) reaches only the main thread, while renders wait on worker threads: the pipeline
calls ``stop_all`` so that no render outlives an interrupted build, and each waiting worker then
raises KeyboardInterrupt, so its unit is recorded as interrupted, not failed."""

from __future__ import annotations

import ctypes
import signal
import subprocess
import threading
from typing import Any, Callable

_lock = threading.Lock()
_live: set[subprocess.Popen] = set()
_closers: list[Callable[[], None]] = []  # ends children started elsewhere (a voice worker)
_stopping = threading.Event()


def _libc_prctl() -> Callable[..., int] | None:
    try:
        return ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except OSError:
        return None


# Looked up here, once: the child of a fork may not load a library (dlopen), since another
# thread of the build can hold the loader's lock at that moment, and the child would wait on it
# forever (seen: a render started while a Ctrl-C was being handled).
_PRCTL = _libc_prctl()


def die_with_parent() -> None:  # runs in the child: SIGKILL it if the build process dies
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def run(cmd: list[str], **kwargs: Any) -> int:
    """Run cmd to its end and return its exit code; KeyboardInterrupt if the build is stopping
    (the child is terminated first)."""
    if _stopping.is_set():
        raise KeyboardInterrupt
    proc = spawn(cmd, **kwargs)
    try:
        code = proc.wait()
    except KeyboardInterrupt:
        _terminate(proc)
        raise
    finally:
        forget(proc)
    if _stopping.is_set():
        raise KeyboardInterrupt
    return code


def spawn(cmd: list[str], **kwargs: Any) -> subprocess.Popen:
    """Start cmd as a child that dies with the build and that ``stop_all``/``close_all`` end;
    KeyboardInterrupt once the build is stopping (no child starts after ``stop_all``)."""
    if _stopping.is_set():
        raise KeyboardInterrupt
    proc = subprocess.Popen(cmd, preexec_fn=die_with_parent, **kwargs)
    with _lock:
        _live.add(proc)
    return proc


def forget(proc: subprocess.Popen) -> None:
    """``proc`` has ended (its owner waited for it): stop tracking it."""
    with _lock:
        _live.discard(proc)


def stopping() -> bool:
    return _stopping.is_set()


def on_close(closer: Callable[[], None]) -> None:
    """Call ``closer`` when the build closes or stops its children (e.g. a voice worker's close)."""
    with _lock:
        _closers.append(closer)


def _run_closers() -> None:
    with _lock:
        closers = list(_closers)
        _closers.clear()
    for closer in closers:
        closer()


def close_all() -> None:
    """The build is over: end the children still running (the warm render server)."""
    with _lock:
        live = list(_live)
        _live.clear()
    for proc in live:
        _terminate(proc)
    _run_closers()


def _terminate(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def stop_all() -> None:
    """Terminate every running child; runs waiting on them raise KeyboardInterrupt."""
    _stopping.set()
    with _lock:
        live = list(_live)
    for proc in live:
        _terminate(proc)
    _run_closers()


def reset() -> None:
    """A new build starts: children may run again (in-process callers: tests, benchmarks)."""
    _stopping.clear()
