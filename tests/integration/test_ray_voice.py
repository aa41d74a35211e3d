"""The Ray executor on a real 3-node cluster in a network namespace (tests/netns_cluster.py):
voice tasks that ask for a GPU run on the node that offers one while renders run elsewhere and
come back through shared storage, and a qwen voice clones there from the reference's bytes; a
render that raises names its scene and node (the remote
traceback only under --verbose); with no retries a killed worker fails the build; doctor names
the node that lacks ffmpeg.

The "GPU" is a logical resource (``ray start --num-gpus=1``): Ray schedules by it, and the voices
here run on the CPU (Piper; a tiny random Qwen3-TTS checkpoint built by tests/tiny_qwen.py). No
CUDA runs in these tests; the machine has none."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO, built_but_for_loudness, events, fh, voice_reference
from tests.netns_cluster import NetnsCluster, netns_available
from tests.ray_cli import (ctrl_c_when_running, fh_cluster, fh_cluster_popen,
                           kill_a_render_worker, renders, wait_for)

pytestmark = pytest.mark.slow

_why_not = netns_available()
if _why_not:
    pytest.skip(f"no Ray cluster in a network namespace here: {_why_not}", allow_module_level=True)

LACKING = ("ffmpeg", "ffprobe")
VOICE_WORKER = "-m flaming_horse_voice.worker"


def _path_without(tools: tuple[str, ...], folder: Path) -> str:
    """A PATH of one folder that links every program on this PATH except ``tools``."""
    folder.mkdir()
    for directory in reversed(os.environ["PATH"].split(os.pathsep)):
        if not os.path.isdir(directory):
            continue
        for name in os.listdir(directory):
            source = Path(directory, name)
            if name not in tools and os.access(source, os.X_OK) and not source.is_dir():
                target = folder / name
                target.unlink(missing_ok=True)
                target.symlink_to(source)
    return str(folder)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """head: 1 CPU; node 2: 1 CPU and 1 (logical) GPU; node 3: no CPU, no ffmpeg on PATH (only
    doctor's probe, which asks for no CPU, runs there)."""
    bare = _path_without(LACKING, tmp_path_factory.mktemp("bare") / "bin")
    with NetnsCluster(nodes=3, num_cpus=1, object_store_mb=150,
                      node_args=[[], ["--num-gpus=1"], ["--num-cpus=0"]],
                      node_env=[{}, {}, {"PATH": bare}]) as started:
        resources = started.node_resources()
        started.gpu_node = next(n for n, r in resources.items() if r.get("GPU"))
        started.bare_node = next(n for n, r in resources.items() if not r.get("CPU"))
        yield started


def _ray_table(project: Path, **values: object) -> None:
    lines = "".join(f"{name} = {json.dumps(value)}\n" for name, value in values.items())
    with open(project / "flaming-horse.toml", "a", encoding="utf-8") as handle:
        handle.write(f"\n[ray]\n{lines}")


def _keys(project: Path) -> dict[str, float]:
    index = json.loads((project / "media/voice/piper/cache.json").read_text())
    return {key: entry["duration"] for key, entry in index["entries"].items()}


def test_voice_runs_on_the_gpu_node_and_renders_return_through_shared_storage(
        cluster, project_copy, tmp_path):
    local = _keys(project_copy)
    fh("reset", str(project_copy), "--stage", "voice")
    fh("reset", str(project_copy), "--stage", "render")
    shared = tmp_path / "shared"
    _ray_table(project_copy, voice=True, voice_num_gpus=1, shared_dir=str(shared))
    seen = len(events(project_copy))
    fh_cluster(cluster, "build", str(project_copy))
    new = events(project_copy)[seen:]
    spoken = [e for e in new if e["event"] == "tts"]
    # every clip was spoken on the node with the GPU, none here
    assert len(spoken) == len(local) and len(local) >= 3  # a clip per scene at least
    assert {(e["executor"], e["node_id"]) for e in spoken} == {("ray", cluster.gpu_node[:8])}
    # the same cache keys as the local build (same identity on the node), clips of like length
    remote = _keys(project_copy)
    assert remote.keys() == local.keys()
    assert all(abs(remote[k] - local[k]) < 0.5 for k in local)
    rendered = [e for e in new if e["event"] == "rendered"]
    assert sorted(e["scene"] for e in rendered) == ["scene_01", "scene_02", "scene_03"]
    assert {e["returned"] for e in rendered} == {"shared_dir"}
    assert shared.is_dir() and list(shared.iterdir()) == []  # moved into the project
    assert json.loads((project_copy / "qc_report.json").read_text())["passed"]
    state = json.loads((project_copy / "project_state.json").read_text())
    assert {s["status"] for s in state["stages"]["voice"]["scenes"].values()} == {"done"}
    # resumed: nothing spoken or rendered again
    seen = len(events(project_copy))
    fh_cluster(cluster, "build", str(project_copy))
    assert [e for e in events(project_copy)[seen:] if e["event"] in ("tts", "render")] == []


def test_a_qwen_voice_clones_on_the_gpu_node_from_the_reference_bytes_and_ctrl_c_ends_it(
        cluster, project_copy, tmp_path):
    """A heavy voice as a task: the qwen worker process runs inside the Ray worker on the GPU
    node (device cpu: a tiny random checkpoint), cloning from the reference that the task
    carries as bytes. The node's cache keys must equal this machine's, reference digest and all,
    or the task refuses to speak. Ctrl-C while it speaks ends the voice worker on the node; the
    resumed build speaks each clip once."""
    pytest.importorskip("qwen_tts", reason="qwen-tts is not installed here: `make test` does")
    from tests.tiny_qwen import build_tiny_qwen3_tts

    model = build_tiny_qwen3_tts(tmp_path / "base", "base")
    voice_reference(project_copy / "voice")
    with open(project_copy / "flaming-horse.toml", "a", encoding="utf-8") as handle:
        handle.write(f'\n[voice]\nbackend = "qwen"\nmodel = "{model}"\ndevice = "cpu"\n')
    _ray_table(project_copy, voice=True, voice_num_gpus=1)
    seen = len(events(project_copy))
    offline = {"HF_HUB_OFFLINE": "1"}

    proc = fh_cluster_popen(cluster, "build", str(project_copy), env=offline)
    stdout, stderr = ctrl_c_when_running(cluster, proc, VOICE_WORKER,
                                         "the qwen worker on the GPU node")
    assert proc.returncode == 130, stdout + stderr
    wait_for(lambda: not cluster.processes(VOICE_WORKER), "no voice worker left", timeout=60)
    state = json.loads((project_copy / "project_state.json").read_text())
    assert "interrupted" in {s["status"] for s in state["stages"]["voice"]["scenes"].values()}

    run = fh_cluster(cluster, "build", str(project_copy), check=False, env=offline)
    built_but_for_loudness(project_copy, run)
    spoken = [e for e in events(project_copy)[seen:] if e["event"] == "tts"]
    assert spoken and {(e["backend"], e["executor"], e["node_id"]) for e in spoken} == {
        ("qwen", "ray", cluster.gpu_node[:8])}
    texts = json.loads((project_copy / "narration.json").read_text())["scenes"]
    assert sorted(e["key"] for e in spoken) == sorted(set(e["key"] for e in spoken))
    assert len(spoken) == len({t for scene in texts.values() for t in scene})
    assert not list(project_copy.rglob(".fh-tmp-*"))


def test_a_render_that_raises_names_scene_and_node_and_verbose_adds_the_remote_traceback(
        cluster, project_copy):
    scene = project_copy / "scenes" / "scene_02.py"
    marker = "            s.finish(self)\n"
    source = scene.read_text()
    assert marker in source
    scene.write_text(source.replace(
        marker, "            raise RuntimeError('boom in scene two')\n" + marker, 1))
    fh("reset", str(project_copy), "--stage", "render")
    failed = fh_cluster(cluster, "build", str(project_copy), check=False)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "scene_02" in failed.stderr and "rendered on node 127.0.0.1" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert "boom in scene two" in (project_copy / "log/render/scene_02.log").read_text()
    assert {e["scene"] for e in events(project_copy, "rendered")} >= {"scene_01", "scene_03"}

    verbose = fh_cluster(cluster, "--verbose", "build", str(project_copy), check=False)
    assert verbose.returncode == 1
    assert "Traceback" in verbose.stderr and "RemoteTraceback" in verbose.stderr
    assert "render_task.py" in verbose.stderr  # the frames of the task on the node


def test_with_no_retries_a_worker_killed_mid_render_fails_the_build_naming_the_scene(
        cluster, project_copy):
    fh("reset", str(project_copy), "--stage", "render")
    _ray_table(project_copy, max_retries=0)
    proc = fh_cluster_popen(cluster, "build", str(project_copy))
    stdout, stderr, manim_pid, _ = kill_a_render_worker(cluster, proc)
    assert proc.returncode == 1, stdout + stderr
    died = "the Ray worker running it died and 0 retries did not help"
    assert died in " ".join(stderr.split())
    # the killed render fails; a task Ray had already queued on that worker may fail with it
    state = json.loads((project_copy / "project_state.json").read_text())["stages"]["render"]
    failed = {s: r["error"] for s, r in state["scenes"].items() if r["status"] == "failed"}
    assert failed and all(scene in stderr and died in error for scene, error in failed.items())
    assert len(renders(project_copy)) == 3 - len(failed)  # the other scenes still rendered
    assert not Path(f"/proc/{manim_pid}").exists()


def test_voice_tasks_no_node_can_run_fail_at_once_instead_of_waiting(cluster, project_copy):
    fh("reset", str(project_copy), "--stage", "voice", "--scene", "1")
    _ray_table(project_copy, voice=True, voice_num_gpus=2)  # the GPU node has one
    failed = fh_cluster(cluster, "build", str(project_copy), check=False, timeout=120)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert ("no node of the Ray cluster offers what each voice task asks for (1 CPU, 2 GPU); "
            "the most one node offers is 1 CPU, 1 GPU") in " ".join(failed.stderr.split())
    assert "voice_num_gpus" in failed.stderr and "Traceback" not in failed.stderr
    assert not [e for e in events(project_copy) if e.get("executor") == "ray"]  # nothing ran
    doctor = _doctor(cluster, "--project", str(project_copy))
    assert doctor.returncode == 1
    fits = [line for line in doctor.stdout.splitlines() if "a node fits each" in line]
    assert len(fits) == 2 and "ok" in fits[0] and "render" in fits[0], doctor.stdout
    assert "missing" in fits[1] and "voice" in fits[1] and "2 GPU" in fits[1], doctor.stdout


def _doctor(cluster, *args: str):
    return cluster.run([sys.executable, "-m", "flaming_horse", "doctor", "--executor", "ray",
                        "--ray-address", cluster.address, *args], cwd=REPO, capture_output=True,
                       text=True, timeout=300, env={**cluster.env, "COLUMNS": "250"})


def test_doctor_names_the_node_that_lacks_ffmpeg(cluster):
    result = _doctor(cluster)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "3 node(s) alive" in result.stdout
    rows = [line for line in result.stdout.splitlines() if ": ffmpeg " in line]
    assert len(rows) == 3, result.stdout
    missing = [row for row in rows if "missing" in row]
    assert len(missing) == 1 and cluster.bare_node[:8] in missing[0]
    assert "not found on PATH" in missing[0] and "apt-get install -y ffmpeg" in missing[0]
    assert "Traceback" not in result.stderr


def test_an_unreachable_cluster_fails_in_seconds_with_a_hint(project_copy):
    # a port nothing listens on, on loopback outside any namespace: Ray is never asked
    import socket

    fh("reset", str(project_copy), "--stage", "render")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = fh("build", str(project_copy), "--executor", "ray", "--ray-address",
                f"127.0.0.1:{port}", check=False)
    assert result.returncode == 1
    assert f"cannot reach the Ray cluster at 127.0.0.1:{port}" in result.stderr
    assert "ray start --head" in result.stderr and "Traceback" not in result.stderr
