#!/usr/bin/env python3
"""Per-task overhead of the Ray executor against the local pool, on the same scenes, side by side.

Builds the tiny 3-scene test script once locally (voice spoken), then renders the same scenes
(same clips) with: the local pool (-j 1, warm manim), the local pool with a cold manim per scene,
and a 2-node Ray cluster of 1 CPU each that this script starts inside a loopback-only network
namespace (tests/netns_cluster.py; needs root for `ip netns`). Then it speaks the same scenes
with Piper here and as Ray voice tasks (``[ray] voice = true``). Per scene it prints the time
seen by the build (unit start to result landed) and the work's own clock (manim's render or the
synthesis, from the event log); the difference is the executor's overhead per task.

    sudo .venv/bin/python scripts/bench_ray.py [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.helpers import SHORT_SCRIPT  # noqa: E402
from tests.netns_cluster import NetnsCluster, netns_available  # noqa: E402

PER_UNIT = r"""
import json, sys, time
from flaming_horse.pipeline import run_pipeline
from flaming_horse.project import Project
from flaming_horse.reporting import Reporter

STAGE = sys.argv[4]

class Timer(Reporter):
    def __init__(self): self.start, self.seconds = {}, {}
    def unit_started(self, stage, label, steps=1):
        if stage == STAGE: self.start[label] = time.perf_counter()
    def unit_finished(self, stage, label, seconds):
        if stage == STAGE: self.seconds[label] = time.perf_counter() - self.start[label]

project = Project.open(sys.argv[1])
project.set_overrides(executor=sys.argv[2], ray_address=sys.argv[3] or None)
timer = Timer()
started = time.perf_counter()
run_pipeline(project, timer, until=STAGE, jobs=1)
print(json.dumps({"units": timer.seconds, "stage": time.perf_counter() - started}))
"""


def own_seconds(project: Path, stage: str) -> float:
    """What the work itself took, all scenes together (manim's render in the task, or the
    synthesis of every clip), from events.jsonl."""
    kind = "rendered" if stage == "render" else "tts"
    total = 0.0
    for line in (project / "log" / "events.jsonl").read_text().splitlines():
        event = json.loads(line)
        if event["event"] == kind and event.get("seconds") is not None:
            total += event["seconds"]
    return total


def measure(project: Path, executor: str, cluster: NetnsCluster | None,
            env: dict[str, str], stage: str = "render") -> dict:
    subprocess.run([sys.executable, "-m", "flaming_horse", "reset", str(project), "--stage",
                    stage], check=True, capture_output=True)
    (project / "log" / "events.jsonl").unlink(missing_ok=True)
    cmd = [sys.executable, "-c", PER_UNIT, str(project), executor,
           cluster.address if cluster else "", stage]
    if cluster:
        out = cluster.run(cmd, capture_output=True, text=True, check=True, cwd=REPO)
    else:
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=REPO,
                             env=env)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["own"] = own_seconds(project, stage)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    why = netns_available()
    if why:
        sys.exit(f"cannot start the benchmark cluster: {why}")
    import os

    work = Path(tempfile.mkdtemp(prefix="fh-bench-ray-"))
    try:
        script = work / "tiny.md"
        script.write_text(SHORT_SCRIPT)
        subprocess.run([sys.executable, "-m", "flaming_horse", "create", "tiny", "--topic",
                        str(script), "--projects-dir", str(work), "-j", "1"], check=True,
                       capture_output=True, cwd=REPO)
        project = work / "tiny"
        rows: dict[str, list[dict]] = {"render, local (warm manim)": [],
                                       "render, local (cold manim)": [],
                                       "render, ray (cold manim)": [],
                                       "voice, local (piper)": [], "voice, ray task (piper)": []}
        config = project / "flaming-horse.toml"
        plain = config.read_text() if config.is_file() else ""
        with NetnsCluster(nodes=2, num_cpus=1, object_store_mb=150) as cluster:
            for _ in range(args.rounds):
                rows["render, local (warm manim)"].append(measure(project, "local", None,
                                                                  dict(os.environ)))
                rows["render, local (cold manim)"].append(measure(
                    project, "local", None, {**os.environ, "FLAMING_HORSE_WARM_RENDER": "0"}))
                rows["render, ray (cold manim)"].append(measure(project, "ray", cluster,
                                                                cluster.env))
                rows["voice, local (piper)"].append(measure(project, "local", None,
                                                            dict(os.environ), "voice"))
                config.write_text(plain + "\n[ray]\nvoice = true\n")
                rows["voice, ray task (piper)"].append(measure(project, "ray", cluster,
                                                               cluster.env, "voice"))
                config.write_text(plain)
        print(f"{'stage, executor':<30}{'per scene: build sees':>23}{'own work':>12}"
              f"{'overhead/task':>16}{'stage':>9}")
        for name, runs in rows.items():
            seen = [s for r in runs for s in r["units"].values()]
            own = sum(r["own"] for r in runs) / len(seen)
            print(f"{name:<30}{statistics.mean(seen):>21.2f} s{own:>10.2f} s"
                  f"{statistics.mean(seen) - own:>14.2f} s"
                  f"{statistics.mean(r['stage'] for r in runs):>7.1f} s")
        print(f"({args.rounds} rounds x 3 scenes each; -j 1 locally, 2 x 1 CPU on the cluster; "
              "'own work' is manim's render or the synthesis of the scene's clips, timed where "
              "it ran (in the task on the worker, for Ray), per scene on average)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
