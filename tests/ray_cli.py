"""The real CLI run inside a NetnsCluster's namespace against its cluster, and what the Ray tests
look for (renders on disk, manim processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers import REPO, SHORT_SCRIPT
from tests.netns_cluster import NetnsCluster

MANIM = "-m manim render"


def sigint_default() -> None:  # see test_resilience: a background test run ignores SIGINT
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def fh_cluster(cluster: NetnsCluster, *args: str, check: bool = True, timeout: float = 900,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The real CLI, run inside the cluster's namespace against it."""
    proc = cluster.run([sys.executable, "-m", "flaming_horse", *args, "--executor", "ray",
                        "--ray-address", cluster.address], cwd=REPO, capture_output=True,
                       text=True, timeout=timeout,
                       env={**cluster.env, "COLUMNS": "200", **(env or {})})
    if check and proc.returncode != 0:
        raise AssertionError(f"flaming-horse {' '.join(args)} failed ({proc.returncode}):\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc


def fh_cluster_popen(cluster: NetnsCluster, *args: str,
                     env: dict[str, str] | None = None) -> subprocess.Popen:
    return cluster.popen([sys.executable, "-m", "flaming_horse", *args, "--executor", "ray",
                          "--ray-address", cluster.address], cwd=REPO, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, preexec_fn=sigint_default,
                         env={**cluster.env, **(env or {})})


def create_args(tmp_path: Path, name: str) -> list[str]:
    script = tmp_path / "s.md"
    script.write_text(SHORT_SCRIPT)
    return ["create", name, "--topic", str(script), "--projects-dir", str(tmp_path / "projects")]


def renders(project: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (project / "media" / "scenes").glob("*.mp4")
            if not p.name.startswith(".fh-tmp-")}


def wait_for(condition, what: str, timeout: float = 300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def renders_on_workers(cluster: NetnsCluster) -> list[tuple[int, int]]:
    """(manim pid, Ray worker pid) of each render running in a Ray worker of the cluster."""
    workers = {pid for pid, _, _ in cluster.processes("ray::")}
    return [(pid, ppid) for pid, ppid, _ in cluster.processes(MANIM) if ppid in workers]


def kill_a_render_worker(cluster: NetnsCluster, proc: subprocess.Popen,
                         timeout: float = 900) -> tuple[str, str, int, int]:
    """SIGKILL the Ray worker of the first render seen on the cluster, then wait for the build
    ``proc``: (stdout, stderr, manim pid, worker pid)."""
    try:
        manim_pid, worker_pid = wait_for(lambda: renders_on_workers(cluster),
                                         "a manim render on a worker")[0]
        os.kill(worker_pid, signal.SIGKILL)
        stdout, stderr = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
    return stdout, stderr, manim_pid, worker_pid


def ctrl_c_when_running(cluster: NetnsCluster, proc: subprocess.Popen, needle: str, what: str,
                        settle: float = 0.0) -> tuple[str, str]:
    """SIGINT the build ``proc`` once a process whose command line has ``needle`` runs in the
    cluster (``settle`` seconds later), then wait for it to end: (stdout, stderr)."""
    try:
        wait_for(lambda: cluster.processes(needle), what)
        time.sleep(settle)
        proc.send_signal(signal.SIGINT)
        return proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
