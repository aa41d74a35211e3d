#!/usr/bin/env python3
"""Benchmark the whole pipeline on the demo script at low quality, side by side in one run.

Prints: wall time of a fresh create, its ratio to the video's length, time per stage, and the time
of a no-op build (in-process, and through the CLI including interpreter start-up).

    .venv/bin/python scripts/bench_pipeline.py [--script examples/pythagoras.md] [--quality low]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from flaming_horse import media
from flaming_horse.pipeline import run_pipeline
from flaming_horse.project import Project
from flaming_horse.reporting import Reporter
from flaming_horse_voice import atomic


class StageTimer(Reporter):
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def stage_finished(self, stage: str, ran: int, skipped: int, seconds: float) -> None:
        self.seconds[stage] = seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--script", default="examples/pythagoras.md")
    parser.add_argument("--quality", default="low")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fh-bench-"))
    try:
        root = work / "bench"
        root.mkdir()
        shutil.copy(args.script, root / "script.md")
        atomic.write_text(root / "flaming-horse.toml", f'quality = "{args.quality}"\n')
        project = Project.open(root)

        timer = StageTimer()
        started = time.perf_counter()
        run_pipeline(project, timer)
        create_s = time.perf_counter() - started
        length = media.probe(project.final_video).duration

        noop = StageTimer()
        started = time.perf_counter()
        run_pipeline(Project.open(root), noop)
        noop_s = time.perf_counter() - started

        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "flaming_horse", "build", str(root)], check=True,
                       capture_output=True)
        noop_cli_s = time.perf_counter() - started

        print(f"script {args.script}, quality {args.quality}, video {length:.1f} s")
        print(f"{'create (fresh)':<26}{create_s:8.1f} s   {create_s / length:5.2f} x video length")
        print(f"{'no-op build (in-process)':<26}{noop_s:8.2f} s   "
              f"{noop_s / create_s:6.3f} x create")
        print(f"{'no-op build (CLI)':<26}{noop_cli_s:8.2f} s   "
              f"{noop_cli_s / create_s:6.3f} x create")
        print("time per stage (fresh create | no-op build):")
        for stage, seconds in timer.seconds.items():
            share = seconds / create_s
            print(f"  {stage:<10}{seconds:8.2f} s  {share:6.1%}   | {noop.seconds.get(stage, 0):6.3f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
