"""The Ray executor on a real 2-node Ray cluster, inside a network namespace with only loopback up
(tests/netns_cluster.py): same scenes as the local executor, a worker killed mid-render is retried,
Ctrl-C leaves no manim on any node, and a resumed cluster build re-renders nothing finished."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from flaming_horse import media
from tests.helpers import REPO, events, fh
from tests.netns_cluster import NetnsCluster, netns_available
from tests.ray_cli import (MANIM, create_args, ctrl_c_when_running, fh_cluster,
                           fh_cluster_popen, kill_a_render_worker, renders, wait_for)

pytestmark = pytest.mark.slow

_why_not = netns_available()
if _why_not:
    pytest.skip(f"no Ray cluster in a network namespace here: {_why_not}", allow_module_level=True)

@pytest.fixture(scope="module")
def cluster():
    with NetnsCluster(nodes=2, num_cpus=1, object_store_mb=150) as started:
        yield started


def test_cluster_build_matches_local_and_resumes_without_rerendering(cluster, built_project,
                                                                       tmp_path):
    # the same inputs (scene code and voice clips: Piper's clips differ slightly between runs)
    project = tmp_path / "tiny"
    shutil.copytree(built_project, project)
    fh("reset", str(project), "--stage", "render")
    assert renders(project) == {}
    seen = len(events(project))
    fh_cluster(cluster, "build", str(project))
    local, remote = renders(built_project), renders(project)
    assert sorted(local) == sorted(remote) and len(remote) == 3  # same names: same input hashes
    for name in remote:
        a, b = media.probe(built_project / "media/scenes" / name), media.probe(
            project / "media/scenes" / name)
        assert (b.frames, b.width, b.height, b.fps) == (a.frames, a.width, a.height, a.fps), name
        assert abs(b.duration - a.duration) < 1e-6, name
    ran = [e for e in events(project)[seen:] if e["event"] == "render"]
    assert sorted(e["scene"] for e in ran) == ["scene_01", "scene_02", "scene_03"]
    assert all(e["executor"] == "ray" and e["node"] == "127.0.0.1" for e in ran)
    assert json.loads((project / "qc_report.json").read_text())["passed"]
    state = json.loads((project / "project_state.json").read_text())
    assert {s["status"] for s in state["stages"]["render"]["scenes"].values()} == {"done"}

    seen = len(events(project))
    before = renders(project)
    fh_cluster(cluster, "build", str(project))
    assert [e for e in events(project)[seen:] if e["event"] in ("render", "tts")] == []
    assert renders(project) == before
    assert not list(project.rglob(".fh-tmp-*"))


def test_worker_killed_mid_render_is_retried(cluster, tmp_path):
    proc = fh_cluster_popen(cluster, *create_args(tmp_path, "k"))
    project = tmp_path / "projects" / "k"
    stdout, stderr, manim_pid, worker_pid = kill_a_render_worker(cluster, proc)
    assert proc.returncode == 0, stdout + stderr
    assert not Path(f"/proc/{worker_pid}").exists() and not Path(f"/proc/{manim_pid}").exists()
    assert sorted({e["scene"] for e in events(project, "rendered")}) == [
        "scene_01", "scene_02", "scene_03"]
    assert json.loads((project / "qc_report.json").read_text())["passed"]
    assert not cluster.processes(MANIM)


@pytest.mark.serial  # Ctrl-C must land inside a render
def test_ctrl_c_stops_every_render_on_the_cluster_and_resume_rerenders_nothing_finished(
        cluster, tmp_path):
    proc = fh_cluster_popen(cluster, *create_args(tmp_path, "c"))
    project = tmp_path / "projects" / "c"
    stdout, stderr = ctrl_c_when_running(cluster, proc, MANIM, "a manim render on the cluster",
                                         settle=0.5)  # inside the render
    assert proc.returncode == 130, stdout + stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    # force-cancelled tasks take their worker and its manim child with them (no sleeps asserted:
    # poll until the namespace holds no manim, or fail after the deadline)
    wait_for(lambda: not cluster.processes(MANIM), "no manim left on any node", timeout=60)
    state = json.loads((project / "project_state.json").read_text())
    statuses = {s["status"] for s in state["stages"]["render"]["scenes"].values()}
    assert statuses <= {"interrupted", "done"} and "interrupted" in statuses
    finished = renders(project)
    seen = len(events(project))
    fh_cluster(cluster, "build", str(project))
    rerendered = {e["scene"] for e in events(project)[seen:] if e["event"] == "render"}
    assert not any(name.startswith(f"{scene}-") for name in finished for scene in rerendered)
    after = renders(project)
    assert all(after[name] == mtime for name, mtime in finished.items())
    assert len(after) == 3
    assert json.loads((project / "qc_report.json").read_text())["passed"]
    assert not list(project.rglob(".fh-tmp-*"))


def test_doctor_checks_every_node_of_the_cluster(cluster):
    result = cluster.run([sys.executable, "-m", "flaming_horse", "doctor", "--executor", "ray",
                          "--ray-address", cluster.address], cwd=REPO, capture_output=True,
                         text=True, timeout=300, env={**cluster.env, "COLUMNS": "250"})
    assert "2 node(s) alive" in result.stdout, result.stdout + result.stderr
    assert result.stdout.count(": voice piper") == 2 and result.stdout.count(": dvisvgm") == 2
    assert "Traceback" not in result.stderr
