"""The parent's side of a voice worker: start it, talk to it, restart it once when it dies.

Two threads read the worker's stdout and stderr. Protocol lines (``protocol.MARK``) go to a queue;
every other line is library output: the known harmless flash-attn warning block is dropped, the
rest is forwarded to ``on_output``. The last stderr lines are kept for the error that ends a stage
when the worker dies twice.
"""

from __future__ import annotations

import atexit
import ctypes
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from flaming_horse.errors import ToolError
from flaming_horse_voice.worker.protocol import decode

SILENCE_LIMIT = 120.0  # seconds without a heartbeat or answer before a worker counts as hung
STDERR_KEPT = 20
_EXITED = {"op": "_exited"}
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding flaming_horse_voice/


class WorkerDied(Exception):
    """The worker process ended (or hung) while it owed an answer."""


class NoiseFilter:
    """Drops the flash-attn warning block that qwen-tts prints on every load without flash-attn:
    a line of asterisks, a few lines that mention flash-attn, and a closing line of asterisks.
    A starred block that does not mention flash-attn is forwarded whole."""

    MAX_BLOCK = 8

    def __init__(self) -> None:
        self.block: list[str] | None = None

    @staticmethod
    def _stars(line: str) -> bool:
        text = line.strip()
        return len(text) >= 5 and set(text) == {"*"}

    def feed(self, line: str) -> list[str]:
        if self.block is None:
            if self._stars(line):
                self.block = [line]
                return []
            return [line]
        self.block.append(line)
        if self._stars(line) and len(self.block) > 1:
            block, self.block = self.block, None
            noise = any("flash" in part.lower() and "att" in part.lower() for part in block)
            return [] if noise else block
        if len(self.block) > self.MAX_BLOCK:
            return self.flush()
        return []

    def flush(self) -> list[str]:
        block, self.block = self.block or [], None
        return block


def _die_with_parent() -> None:  # in the child: SIGKILL it when the build process dies
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _default_output(line: str) -> None:
    sys.stderr.write(line + "\n")


class WorkerClient:
    """One long-lived worker process running ``engine`` with ``config`` under ``python``."""

    def __init__(self, engine: str, config: dict[str, Any], python: str | None = None,
                 on_output: Callable[[str], None] | None = None,
                 extra_path: Iterable[str] = ()) -> None:
        self.engine, self.config = engine, config
        self.python = python or sys.executable
        self.on_output = on_output or _default_output
        self.extra_path = list(extra_path)
        self.process: subprocess.Popen | None = None
        self.messages: queue.Queue = queue.Queue()
        self.stderr_tail: deque[str] = deque(maxlen=STDERR_KEPT)
        self.info: dict[str, Any] = {}
        self.starts = 0
        self.folder: Path | None = None  # made at the first clip: a worker never used leaves none
        self._next_id = 0
        atexit.register(self.close)

    # -- process -------------------------------------------------------------------------------
    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        paths = [*self.extra_path, str(PACKAGE_ROOT)]
        if env.get("PYTHONPATH"):
            paths.append(env["PYTHONPATH"])
        env["PYTHONPATH"] = os.pathsep.join(paths)
        env["PYTHONUNBUFFERED"] = "1"
        env.setdefault("HF_HUB_OFFLINE", "1")  # models come from local folders or the HF cache
        env.setdefault("TRANSFORMERS_OFFLINE", "1")
        return env

    def _spawn(self) -> None:
        self.messages = queue.Queue()
        # A session of its own: Ctrl-C in the terminal reaches the build, which stops the worker;
        # the worker never sees it half-way through a clip and dies looking like a crash.
        self.process = subprocess.Popen(
            [self.python, "-u", "-m", "flaming_horse_voice.worker", self.engine],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            encoding="utf-8", errors="replace", bufsize=1, env=self._environment(),
            start_new_session=True, preexec_fn=_die_with_parent)
        self.starts += 1
        threading.Thread(target=self._read_stdout, args=(self.process,), daemon=True).start()
        threading.Thread(target=self._read_stderr, args=(self.process,), daemon=True).start()

    def _forward(self, lines: list[str]) -> None:
        for line in lines:
            self.on_output(line)

    def _read_stdout(self, process: subprocess.Popen) -> None:
        noise = NoiseFilter()
        for raw in process.stdout:
            line = raw.rstrip("\n")
            message = decode(line)
            if message is not None:
                self.messages.put(message)
            elif line.strip():
                self._forward(noise.feed(line))
        self._forward(noise.flush())
        self.messages.put(_EXITED)

    def _read_stderr(self, process: subprocess.Popen) -> None:
        noise = NoiseFilter()
        for raw in process.stderr:
            line = raw.rstrip("\n")
            if not line.strip():
                continue
            kept = noise.feed(line)
            self.stderr_tail.extend(kept)
            self._forward(kept)
        rest = noise.flush()
        self.stderr_tail.extend(rest)
        self._forward(rest)

    def _send(self, message: dict[str, Any]) -> None:
        try:
            self.process.stdin.write(json.dumps(message) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass  # the reader sees the exit and _wait raises WorkerDied

    def _wait(self, request_id: Any, on_heartbeat: Callable[[float], None] | None) -> dict:
        last_sign = time.monotonic()
        while True:
            try:
                message = self.messages.get(timeout=1.0)
            except queue.Empty:
                if time.monotonic() - last_sign > SILENCE_LIMIT:
                    self._kill()
                    raise WorkerDied(f"no sign of life for {SILENCE_LIMIT:.0f} s")
                continue
            if message is _EXITED:
                code = self.process.wait()
                raise WorkerDied(f"exit status {code}")
            last_sign = time.monotonic()
            if message.get("op") == "heartbeat":
                if on_heartbeat is not None and message.get("id") == request_id:
                    on_heartbeat(float(message.get("elapsed", 0.0)))
                continue
            if message.get("id") == request_id or message.get("op") == "loaded":
                return message

    def _kill(self) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                process.kill()
            process.wait()

    def _start(self) -> None:
        self._spawn()
        self._send({"op": "load", "config": self.config})
        answer = self._wait(None, None)
        if answer.get("op") == "error":
            self._kill()
            self.process = None
        self._check(answer, "loading the model")
        self.info = answer.get("info", {})

    def ensure_started(self) -> None:
        """Start the worker and load its model now, unless it runs already."""
        if self.process is None or self.process.poll() is not None:
            self._start()

    def _check(self, answer: dict, what: str) -> None:
        if answer.get("op") == "error":
            raise ToolError(f"{self.engine} voice: {answer.get('message')} ({what})",
                            hint=answer.get("hint") or self._tail_hint())

    def _tail_hint(self) -> str:
        tail = "\n".join(self.stderr_tail)
        return f"the worker's last output:\n{tail}" if tail else "run with --verbose for details"

    # -- public --------------------------------------------------------------------------------
    def speak(self, text: str, seed: int, max_new_tokens: int,
              on_heartbeat: Callable[[float], None] | None = None) -> tuple[np.ndarray, int]:
        """One sentence. A worker that dies is restarted once and the sentence retried; a second
        death raises ToolError with the worker's last stderr lines."""
        for attempt in (1, 2):
            try:
                if self.process is None or self.process.poll() is not None:
                    self._start()
                return self._speak_once(text, seed, max_new_tokens, on_heartbeat)
            except WorkerDied as died:
                self._kill()
                self.process = None
                if attempt == 2:
                    raise ToolError(f"the {self.engine} voice worker died twice ({died})",
                                    hint=self._tail_hint()) from None
                self.on_output(f"{self.engine} voice worker died ({died}); restarting it and "
                               "retrying the clip")
        raise AssertionError("unreachable")

    def _speak_once(self, text: str, seed: int, max_new_tokens: int,
                    on_heartbeat: Callable[[float], None] | None) -> tuple[np.ndarray, int]:
        self._next_id += 1
        request_id = self._next_id
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="fh-voice-worker-"))
        self.folder.mkdir(parents=True, exist_ok=True)
        out = self.folder / f"{request_id}.npy"
        self._send({"op": "speak", "id": request_id, "text": text, "seed": seed,
                    "max_new_tokens": max_new_tokens, "out": str(out)})
        answer = self._wait(request_id, on_heartbeat)
        self._check(answer, f"speaking {text[:40]!r}")
        try:
            samples = np.load(out)
        finally:
            out.unlink(missing_ok=True)
        return samples.astype(np.float32), int(answer["sample_rate"])

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def close(self) -> None:
        """Ask the worker to exit, then make sure it has; remove the exchange folder."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            try:
                process.stdin.write(json.dumps({"op": "exit"}) + "\n")
                process.stdin.close()
                process.wait(timeout=5)
            except (OSError, ValueError, subprocess.TimeoutExpired):
                self.process = process
                self._kill()
                self.process = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
