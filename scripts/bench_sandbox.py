#!/usr/bin/env python3
"""What the box costs: the render stage of the examples, unboxed against boxed, side by side.

Each example is built once at low quality; then its render stage is rerun, alternating: as the
offline template's scenes render (trusted: the warm manim, no box), and as if a model had written
every scene file (an ``# author: llm`` line, so each renders in the box): in a fork of the warm
manim inside one shared box (Landlock narrows each render's writes), and cold, one box per
scene (what a kernel without Landlock gets). Medians of ``--runs`` runs; ratios to unboxed.

    .venv/bin/python scripts/bench_sandbox.py [--runs 3] [--jobs 2] [examples/*.md ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import new_project, timed_build  # noqa: E402

from flaming_horse.sandbox import box, landlock  # noqa: E402

MODES = ("unboxed", "boxed warm", "boxed cold")


def mark(root: Path, by_model: bool) -> None:
    """Make every scene file count as model-written (an author line without a digest: fail
    closed) or take that line out again."""
    for scene in sorted((root / "scenes").glob("scene_*.py")):
        lines = scene.read_text().splitlines(True)
        lines = [line for line in lines if not line.startswith("# author: llm (bench)")]
        if by_model:
            lines.insert(1, "# author: llm (bench)\n")
        scene.write_text("".join(lines))


def render_stage(root: Path, mode: str, jobs: int) -> float:
    subprocess.run([sys.executable, "-m", "flaming_horse", "reset", str(root), "--stage",
                    "render"], check=True, capture_output=True)
    mark(root, mode != "unboxed")
    if mode == "boxed cold":
        os.environ["FLAMING_HORSE_WARM_RENDER"] = "0"
    try:
        _, timer = timed_build(root, jobs)
    finally:
        os.environ.pop("FLAMING_HORSE_WARM_RENDER", None)
    return timer.seconds["render"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scripts", nargs="*", default=sorted(
        str(p) for p in Path("examples").glob("*.md")))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    args = parser.parse_args()
    if not box.probe().ok:
        sys.exit(f"no box can be made here: {box.probe().problem}")
    print(f"{box.probe().tool}, Landlock ABI {landlock.abi()}, {len(os.sched_getaffinity(0))} "
          f"cores, -j {args.jobs}, median of {args.runs} runs of the render stage")
    print(f"{'example':<16}" + "".join(f"{m:>14}" for m in MODES) + "   boxed warm/unboxed"
          + "   boxed cold/unboxed")
    with tempfile.TemporaryDirectory(prefix="fh-bench-box-") as work:
        for script in args.scripts:
            root = new_project(Path(work), Path(script).stem, script, "low")
            timed_build(root, args.jobs)
            times: dict[str, list[float]] = {m: [] for m in MODES}
            for _ in range(args.runs):
                for mode in MODES:  # alternating, so a noisy minute hits every mode alike
                    times[mode].append(render_stage(root, mode, args.jobs))
            medians = {m: statistics.median(t) for m, t in times.items()}
            print(f"{Path(script).stem:<16}" + "".join(f"{medians[m]:12.2f} s" for m in MODES)
                  + f"   {medians['boxed warm'] / medians['unboxed']:18.3f}"
                  + f"   {medians['boxed cold'] / medians['unboxed']:18.3f}")


if __name__ == "__main__":
    main()
