"""Run one command boxed and limited, its output into a capped log file.

The command runs in a session of its own (in the box when one is given), with the rlimits of
``limits`` set inside; at the wall-clock limit, or when the build stops, the whole process group
is killed (the box's pid namespace goes with it). Its output is drained by a thread into ``log``:
the first ``HEAD_BYTES`` and the last ``TAIL_BYTES``, never more, however much it prints.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flaming_horse import children
from flaming_horse.sandbox.box import Box
from flaming_horse.sandbox.limits import Limits, exceeded

HEAD_BYTES = 256 * 1024
TAIL_BYTES = 64 * 1024


@dataclass(frozen=True)
class Outcome:
    code: int
    timed_out: bool
    seconds: float
    log: Path
    stopped: str | None = None  # the watched limit it broke (memory, disk), when it did


def _drain(stream, log: Path) -> None:
    """Copy ``stream`` into ``log``, keeping the head and the tail when it is too long."""
    written = dropped = 0
    tail = bytearray()
    with open(log, "wb") as out:
        for chunk in iter(lambda: stream.read(65536), b""):
            if written < HEAD_BYTES:
                keep = chunk[:HEAD_BYTES - written]
                out.write(keep)
                written += len(keep)
                chunk = chunk[len(keep):]
            if chunk:
                tail += chunk
                if len(tail) > TAIL_BYTES:
                    dropped += len(tail) - TAIL_BYTES
                    del tail[:len(tail) - TAIL_BYTES]
        if dropped:
            out.write(f"\n[... {dropped} bytes of output cut ...]\n".encode())
        out.write(bytes(tail))


def run(argv: list[str], limits: Limits, log: Path, box: Box | None = None,
        cwd: Path | None = None, env: dict[str, str] | None = None) -> Outcome:
    """Run ``argv`` (in ``box`` when given, else as it is, still limited) and wait for it, at
    most ``limits.wall_s``. ``env``/``cwd`` are for the unboxed case (a box carries its own).
    KeyboardInterrupt when the build is stopping (the group is killed first)."""
    command = [*limits.launcher(), *argv]
    watched = tuple(box.writable) if box is not None else ()
    if box is not None:  # bubblewrap itself gets only the box's environment: its init
        command, cwd, env = box.command(command), None, box.env  # process is in the box too
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    proc = children.spawn(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          start_new_session=True)
    drain = threading.Thread(target=_drain, args=(proc.stdout, log), daemon=True,
                             name="fh-box-output")
    drain.start()
    timed_out = False
    stopped = None
    try:
        deadline = started + limits.wall_s
        next_watch = next_disk = started + 0.2
        while True:
            try:
                proc.wait(timeout=min(0.2, max(deadline - time.monotonic(), 0.01)))
                break
            except subprocess.TimeoutExpired:
                if children.stopping():
                    raise KeyboardInterrupt from None
                if time.monotonic() >= deadline:
                    timed_out = True
                    kill_group(proc)
                    break
                if time.monotonic() >= next_watch:  # processes often, the disk each second
                    disk = time.monotonic() >= next_disk
                    next_watch = time.monotonic() + 0.2
                    next_disk = time.monotonic() + 1.0 if disk else next_disk
                    stopped = exceeded(limits, proc.pid, watched if disk else ())
                    if stopped:
                        kill_group(proc)
                        break
    except BaseException:
        kill_group(proc)
        raise
    finally:
        children.forget(proc)
        drain.join(timeout=10)
    return Outcome(proc.returncode, timed_out, time.monotonic() - started, log, stopped)


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process group of ``proc`` (it leads its own session) and reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
