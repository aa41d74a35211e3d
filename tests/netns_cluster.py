"""A real Ray cluster of two nodes on this machine, inside a network namespace of its own.

Outside a namespace Ray replaces 127.0.0.1 with the machine's external address, so the cluster,
and every process that talks to it, run in a fresh namespace where only the loopback interface is
up: no packet leaves the machine. Used by the Ray tests and scripts/bench_ray.py.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

RAY_BIN = Path(sys.executable).parent / "ray"


def netns_available() -> str | None:
    """None when a namespace can be created here, else why not."""
    if shutil.which("ip") is None:
        return "the `ip` command (iproute2) is not installed"
    if not RAY_BIN.is_file():
        return f"ray is not installed in this Python ({RAY_BIN} missing): pip install 'flaming-horse[ray]'"
    name = f"fh-probe-{os.getpid()}"
    probe = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"cannot create a network namespace: {probe.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", name], capture_output=True)
    return None


class NetnsCluster:
    """``with NetnsCluster() as cluster:`` a head and one more node, 1 CPU each; ``cluster.run``
    and ``cluster.popen`` run commands inside the namespace; everything is torn down on exit.
    ``node_args`` and ``node_env``: per node (the head first), extra ``ray start`` arguments
    (``--num-gpus=1``: a logical GPU, which Ray schedules by; nothing here uses CUDA) and the
    environment that node's processes run with."""

    def __init__(self, nodes: int = 2, num_cpus: int = 1, object_store_mb: int = 150,
                 env: dict[str, str] | None = None,
                 node_args: list[list[str]] | None = None,
                 node_env: list[dict[str, str]] | None = None) -> None:
        self.name = f"fh-ray-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.nodes, self.num_cpus, self.object_store_mb = nodes, num_cpus, object_store_mb
        self.node_args = node_args or [[] for _ in range(nodes)]
        self.node_env = node_env or [{} for _ in range(nodes)]
        self.port = 6379
        self.address = f"127.0.0.1:{self.port}"
        self.temp = Path(tempfile.mkdtemp(prefix="fhray-"))
        self.env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", **(env or {})}
        self.created = False

    # -- running things inside -------------------------------------------------------------
    def command(self, cmd: list[str]) -> list[str]:
        return ["ip", "netns", "exec", self.name, *cmd]

    def run(self, cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
        kwargs.setdefault("env", self.env)
        return subprocess.run(self.command(cmd), **kwargs)

    def popen(self, cmd: list[str], **kwargs) -> subprocess.Popen:
        kwargs.setdefault("env", self.env)
        return subprocess.Popen(self.command(cmd), **kwargs)

    def pids(self) -> list[int]:
        """Every process in the namespace (the cluster's nodes, workers and their children)."""
        out = subprocess.run(["ip", "netns", "pids", self.name], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]

    def processes(self, needle: str) -> list[tuple[int, int, str]]:
        """(pid, parent pid, command line) of the namespace's processes whose command line
        contains ``needle``."""
        found = []
        for pid in self.pids():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if needle in cmdline:
                found.append((pid, ppid, cmdline.strip()))
        return found

    # -- life cycle ------------------------------------------------------------------------
    def _ray_start(self, index: int, *args: str) -> None:
        extra = self.node_args[index]
        cpus = [] if any(a.startswith("--num-cpus") for a in extra) else [
            f"--num-cpus={self.num_cpus}"]
        common = [str(RAY_BIN), "start", *cpus,
                  f"--object-store-memory={self.object_store_mb * 1024 * 1024}",
                  "--node-ip-address=127.0.0.1", "--disable-usage-stats", *extra]
        proc = self.run([*common, *args], capture_output=True, text=True, timeout=180,
                        env={**self.env, **self.node_env[index]})
        if proc.returncode != 0:
            raise RuntimeError(f"ray start {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")

    def start(self) -> "NetnsCluster":
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        self.created = True
        subprocess.run(["ip", "netns", "exec", self.name, "ip", "link", "set", "lo", "up"],
                       check=True)
        self._ray_start(0, "--head", f"--port={self.port}", "--include-dashboard=false",
                        f"--temp-dir={self.temp}")
        for index in range(1, self.nodes):
            self._ray_start(index, f"--address={self.address}")
        self.wait_for_nodes(self.nodes)
        return self

    def wait_for_nodes(self, count: int, timeout: float = 60) -> None:
        code = ("import ray, sys; ray.init(address=sys.argv[1], logging_level='ERROR', "
                "log_to_driver=False); print(sum(n['Alive'] for n in ray.nodes()))")
        deadline = time.monotonic() + timeout
        while True:
            out = self.run([sys.executable, "-c", code, self.address], capture_output=True,
                           text=True, timeout=120)
            if out.returncode == 0 and out.stdout.strip().splitlines()[-1:] == [str(count)]:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the cluster did not reach {count} nodes: {out.stdout}"
                                   f"{out.stderr[-2000:]}")
            time.sleep(1)

    def node_resources(self) -> dict[str, dict[str, float]]:
        """Node id -> the resources it offers (CPU, GPU, ...), of the nodes alive."""
        code = ("import json, ray, sys; ray.init(address=sys.argv[1], logging_level='ERROR', "
                "log_to_driver=False); print(json.dumps({n['NodeID']: n['Resources'] "
                "for n in ray.nodes() if n['Alive']}))")
        out = self.run([sys.executable, "-c", code, self.address], capture_output=True,
                       text=True, timeout=120, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    def stop(self) -> None:
        """Every process in the namespace ends by PID (SIGTERM, then SIGKILL), then the namespace
        goes. Not ``ray stop``: it finds Ray processes by name machine-wide, not per namespace."""
        if not self.created:
            return
        for sig, rounds in ((signal.SIGTERM, 30), (signal.SIGKILL, 50)):
            for _ in range(rounds):
                pids = self.pids()
                if not pids:
                    break
                for pid in pids:
                    try:
                        os.kill(pid, sig)
                    except ProcessLookupError:
                        pass
                time.sleep(0.1)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)
        self.created = False
        shutil.rmtree(self.temp, ignore_errors=True)

    def __enter__(self) -> "NetnsCluster":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()
