#!/usr/bin/env python3
"""Every example in examples/, built as a user would (``create -q low``), side by side: wall time
against the video's length, and the measures QC takes of what the video shows (layout findings,
held_share with the longest still hold, figure_share). Runs each build ``--runs`` times and
quotes the median wall time (these machines are noisy).

    .venv/bin/python scripts/bench_examples.py [--runs 3] [examples/bfs.md ...]

The issue's bar for each example: 0 layout findings, held_share <= 0.30 with no hold over 5 s,
figure_share >= 0.60, and wall time no worse than 0.6x the video's length (2-core machine).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from flaming_horse import media

REPO = Path(__file__).resolve().parents[1]


def build(script: Path, workdir: Path) -> tuple[float, Path]:
    name = script.stem.replace("_", "-")
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "flaming_horse", "create", name, "--topic",
                    str(script), "--projects-dir", str(workdir), "-q", "low"], check=True,
                   capture_output=True, cwd=REPO)
    return time.monotonic() - started, workdir / name


def measures(project: Path) -> dict[str, float | int]:
    report = json.loads((project / "qc_report.json").read_text())
    final = {c["check"]: c["value"] for c in report["checks"] if c["scope"] == "final"}
    findings = sum(0 if c["value"] == "clean" else len(c["value"]) for c in report["checks"]
                   if c["check"] == "layout")
    return {"video_s": media.probe(project / "final_video.mp4").duration,
            "findings": findings, "held": final["held_share"]["share"],
            "longest": final["held_share"]["longest_s"],
            "figure": final["figure_share"]["share"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scripts", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    scripts = args.scripts or sorted((REPO / "examples").glob("*.md"))
    print(f"{'example':<16} {'video s':>8} {'wall s':>7} {'wall/video':>10} {'findings':>8} "
          f"{'held':>5} {'longest':>7} {'figure':>6}  meets the bar")
    for script in scripts:
        walls, last = [], None
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="fh-bench-") as tmp:
                wall, project = build(script, Path(tmp))
                walls.append(wall)
                last = measures(project)
        wall = statistics.median(walls)
        ratio = wall / last["video_s"]
        ok = (last["findings"] == 0 and last["held"] <= 0.30 and last["longest"] <= 5.0
              and last["figure"] >= 0.60 and ratio <= 0.6)
        print(f"{script.stem:<16} {last['video_s']:>8.1f} {wall:>7.1f} {ratio:>10.2f} "
              f"{last['findings']:>8} {last['held']:>5.2f} {last['longest']:>7.1f} "
              f"{last['figure']:>6.2f}  {'yes' if ok else 'NO'}")


if __name__ == "__main__":
    main()
