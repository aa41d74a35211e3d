"""The box, its limits and Landlock, on real processes: bubblewrap, rlimits, the kernel.

Each escape is tried for real and checked from outside: a canary file, a listener on loopback, a
secret in the environment and in a file. Where this machine cannot make a box the tests skip
(CI and the developers' machines can: `make test` installs bubblewrap)."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from flaming_horse.sandbox import box as boxes
from flaming_horse.sandbox import landlock
from flaming_horse.sandbox.limits import GIB, Limits
from flaming_horse.sandbox.run import HEAD_BYTES, TAIL_BYTES, run

needs_box = pytest.mark.skipif(not boxes.probe().ok, reason=f"no box: {boxes.probe().problem}")
SECRET = "sk-canary-7f3a9c2e"
LIMITS = Limits(wall_s=60, cpu_s=60, memory_bytes=4 * GIB, file_bytes=GIB, processes=256)


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()


@pytest.fixture
def world(tmp_path, monkeypatch):
    """A secret file, a canary folder and a secret in the environment, outside the box."""
    (tmp_path / "secret.txt").write_text(SECRET)
    (tmp_path / "canary").mkdir()
    (tmp_path / "work").mkdir()
    monkeypatch.setenv("FLAMING_HORSE_LLM_API_KEY", SECRET)
    monkeypatch.setenv("OTHER_SERVICE_TOKEN", SECRET)
    return tmp_path


def boxed(world: Path, code: str, limits: Limits = LIMITS):
    box = boxes.Box(writable=(world / "work",), cwd=world / "work",
                    env=boxes.safe_environment({"HOME": str(world / "work")}))
    return run(python(code), limits, world / "out.log", box=box)


@needs_box
def test_the_box_keeps_files_network_and_secrets_out(world):
    listener = Listener()
    try:
        outcome = boxed(world, f"""
import os, socket, subprocess
print("ENV", sorted(os.environ))
print("SECRET" if "{SECRET}" in repr(dict(os.environ)) else "no secret in env")
for pid in os.listdir("/proc"):  # every process of the box, bubblewrap's own init included
    if pid.isdigit():
        try:
            if b"{SECRET}" in open(f"/proc/{{pid}}/environ", "rb").read():
                print("SECRET in the environment of", pid)
        except OSError:
            pass
for path in ("{world}/secret.txt", "/home", "/etc/shadow", "/etc/passwd"):
    print(path, "visible" if os.path.exists(path) else "absent")
print("ROOT", sorted(os.listdir("/root")) if os.path.exists("/root") else [])
for path in ("{world}/canary/written", "/usr/evil", "/tmp/../{world}/canary/x"):
    try:
        open(path, "w").write("x")
        print("WROTE", path)
    except OSError as exc:
        print("refused", path, type(exc).__name__)
open("{world}/work/mine.txt", "w").write("ok")
try:
    socket.create_connection(("127.0.0.1", {listener.port}), timeout=2)
    print("CONNECTED")
except OSError as exc:
    print("no network", type(exc).__name__)
""")
    finally:
        listener.close()
    log = outcome.log.read_text()
    assert outcome.code == 0, log
    assert "no secret in env" in log and "SECRET" not in log.replace("no secret", "")
    assert "OTHER_SERVICE_TOKEN" not in log and "FLAMING_HORSE_LLM_API_KEY" not in log
    assert f"{world}/secret.txt absent" in log and "/home absent" in log
    assert "/etc/shadow absent" in log
    # /root appears only where the Python installation lives under it (pyenv)
    python_home = sys.base_prefix.startswith("/root/")
    assert ("ROOT ['.pyenv']" if python_home else "ROOT []") in log
    assert "WROTE" not in log and not list((world / "canary").iterdir())
    assert (world / "work" / "mine.txt").read_text() == "ok"
    assert "CONNECTED" not in log and listener.connections == 0


@needs_box
def test_the_wall_limit_kills_the_whole_group_and_output_is_capped(world):
    started = time.monotonic()
    outcome = boxed(world, """
import subprocess, sys
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
sys.stdout.write("x" * 50_000_000)
sys.stdout.flush()
import time; time.sleep(600)
""", Limits(wall_s=8, cpu_s=60, memory_bytes=4 * GIB, file_bytes=GIB, processes=256))
    assert outcome.timed_out and time.monotonic() - started < 30
    assert world.joinpath("out.log").stat().st_size <= HEAD_BYTES + TAIL_BYTES + 200
    assert "bytes of output cut" in outcome.log.read_text()
    time.sleep(0.5)
    left = subprocess.run(["pgrep", "-f", "time.sleep(600)"], capture_output=True, text=True)
    assert left.stdout.strip() == "", "a process of the box outlived its limit"


@needs_box
def test_cpu_file_size_and_process_limits_hold(world):
    small = Limits(wall_s=60, cpu_s=2, memory_bytes=4 * GIB, file_bytes=1024 * 1024,
                   processes=64)
    cpu = boxed(world, "while True: pass", small)
    assert cpu.code != 0 and not cpu.timed_out and cpu.seconds < 30
    disk = boxed(world, f"open('{world}/work/big', 'wb').write(b'x' * 10_000_000)", small)
    assert disk.code != 0 and (world / "work" / "big").stat().st_size <= 1024 * 1024
    memory = boxed(world, "x = bytearray(8 * 1024 ** 3)", small)
    assert memory.code != 0 and "MemoryError" in memory.log.read_text()
    forks = boxed(world, """
import os, time
for _ in range(400):
    if os.fork() == 0:
        time.sleep(30); os._exit(0)
time.sleep(30)
""", small)
    assert forks.code != 0 and "process limit" in (forks.stopped or "")


@pytest.mark.skipif(not landlock.available(), reason="no Landlock in this kernel")
def test_landlock_narrows_writes_to_one_folder(tmp_path):
    mine, other = tmp_path / "mine", tmp_path / "other"
    mine.mkdir()
    other.mkdir()
    code = f"""
from pathlib import Path
from flaming_horse.sandbox import landlock
landlock.restrict_writes([Path("{mine}")], [Path("/dev/null")])
open("{mine}/ok", "w").write("ok")
open("/dev/null", "w").write("fine")
open("{tmp_path}/readable", "r").read()
try:
    open("{other}/planted", "w").write("x")
    print("PLANTED")
except PermissionError:
    print("refused")
"""
    (tmp_path / "readable").write_text("r")
    done = subprocess.run(python(code), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "refused" in done.stdout and not (other / "planted").exists()
    assert (mine / "ok").read_text() == "ok"


def test_the_environment_of_a_box_has_no_secrets(monkeypatch):
    monkeypatch.setenv("FLAMING_HORSE_LLM_API_KEY", SECRET)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("FLAMING_HORSE_QUALITY", "low")
    env = boxes.safe_environment({"HOME": "/x"})
    assert SECRET not in env.values() and env["FLAMING_HORSE_QUALITY"] == "low"
    assert env["HOME"] == "/x" and "PYTHONPATH" not in env


def test_without_a_box_model_code_needs_an_explicit_opt_in():
    from flaming_horse.errors import SandboxError
    from flaming_horse.sandbox import policy

    with pytest.raises(SandboxError) as refused:
        policy.boxed("none", False, "scene_01's code")
    assert policy.OPT_IN_FLAG in refused.value.hint
    assert policy.boxed("none", True, "scene_01's code") is False
    ok, line = policy.describe("none", False)
    assert not ok and "refused" in line
