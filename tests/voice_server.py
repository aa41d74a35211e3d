"""A real ``flaming-horse serve-voice`` process on 127.0.0.1, for the server's tests and
scripts/bench_voice_server.py."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RunningServer:
    def __init__(self, process: subprocess.Popen, url: str, log: Path) -> None:
        self.process, self.url, self.log = process, url, log

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=kwargs.pop("timeout", 120), **kwargs)

    def health(self) -> dict:
        return httpx.get(f"{self.url}/health", timeout=10).json()

    def metric(self, name: str, token: str | None = None) -> float:
        """The sum of a metric's samples (all labels) on /metrics."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        text = httpx.get(f"{self.url}/metrics", headers=headers, timeout=10).text
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith(name) and not line.startswith("#")
                   and line[len(name):len(name) + 1] in ("{", " "))

    def log_lines(self) -> list[dict]:
        import json

        found = []
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    found.append(json.loads(line))
                except ValueError:
                    pass
        return found

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


@contextmanager
def voice_server(*args: str, env: dict | None = None, ready: bool = True,
                 host: str = "127.0.0.1") -> Iterator[RunningServer]:
    """``flaming-horse serve-voice`` with ``args``, its output in a log file; waits for /health
    (``ready``) and stops it (SIGTERM) afterwards."""
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="fh-voice-server-", suffix=".log")[1])
    full_env = {**os.environ, **(env or {})}
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "flaming_horse", "serve-voice",
                                    "--host", host, "--port", str(port), *args],
                                   stdout=out, stderr=subprocess.STDOUT, env=full_env, cwd=REPO)
    server = RunningServer(process, f"http://127.0.0.1:{port}", log)
    try:
        if ready:
            deadline = time.monotonic() + 90
            while True:
                if process.poll() is not None:
                    raise AssertionError(f"the server exited: {log.read_text()}")
                try:
                    if httpx.get(f"{server.url}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"the server did not start: {log.read_text()}")
                time.sleep(0.2)
        yield server
    finally:
        server.stop()
        log.unlink(missing_ok=True)
