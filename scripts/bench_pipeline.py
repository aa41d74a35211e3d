#!/usr/bin/env python3
"""Benchmark the whole pipeline on the demo script, side by side in one run.

Prints each measure beside its target (issue 18): a fresh create at low quality (wall time,
ratio to the video's length, time per stage); the render stage with -j 1 against -j N, and with a
cold manim per scene against the warm server; a no-op build (in-process and through the CLI); an
edit of one scene's text against the full build; a build at high quality (voice cached); and,
with --fresh-clone, `make demo` (and with --make-test also `make test`) in a new clone of this
repository with an empty pip cache.

    .venv/bin/python scripts/bench_pipeline.py [--script examples/pythagoras.md] [--jobs 2]
    [--no-high] [--fresh-clone [--make-test]]
    .venv/bin/python scripts/bench_pipeline.py --against REV [--runs 3] [--quality high]
    # create: REV vs this tree
"""

from __future__ import annotations

import argparse
import os
import re
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


def busy_seconds() -> float:
    """CPU seconds this machine has spent busy (all cores, all processes), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class StageTimer(Reporter):
    """Wall seconds per stage, the cores the machine kept busy during each, and each unit's time."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.cores: dict[str, float] = {}
        self.units: dict[str, list[float]] = {}
        self._busy: dict[str, float] = {}

    def stage_started(self, stage: str, units: int) -> None:
        self._busy[stage] = busy_seconds()

    def stage_finished(self, stage: str, ran: int, skipped: int, seconds: float) -> None:
        self.seconds[stage] = seconds
        if stage in self._busy and seconds > 0:
            self.cores[stage] = (busy_seconds() - self._busy[stage]) / seconds

    def unit_finished(self, stage: str, label: str, seconds: float) -> None:
        self.units.setdefault(stage, []).append(seconds)


def split_floor(times: list[float], workers: int) -> float:
    """A floor under the wall time ``times`` can take on ``workers``: the longest one, or an
    even share of them all."""
    return max(max(times), sum(times) / workers)


def median_wall(command: list[str], runs: int = 5) -> float:
    """The median wall time of ``command`` run ``runs`` times (after one run not counted, which
    also writes the bytecode cache as a user's first run does: PYTHONDONTWRITEBYTECODE, set on
    some machines, is dropped, else every run compiles ~100 ms of our modules again)."""
    import statistics

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    times = []
    for run in range(runs + 1):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        if run:
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def drawing_alone(root: Path) -> tuple[str, float]:
    """CPU seconds per video second that manim takes to draw the longest scene of the project
    at ``root`` at its quality with nothing encoded (--dry_run): what bounds a render whatever
    the encoder. Returns (scene, CPU s per video second)."""
    import resource

    from flaming_horse.stages.artifacts import load_plan
    from flaming_horse.stages.manim_run import manim_command, manim_config
    from flaming_horse.stages.render import scene_outputs

    project = Project.open(root)
    lengths = {scene_id: media.probe(path).video_duration or 0.0
               for scene_id, path in scene_outputs(project)}
    scene = max(load_plan(project).scenes, key=lambda s: lengths.get(s.id, 0.0))
    work = Path(tempfile.mkdtemp(prefix="fh-drawing-"))
    try:
        config = manim_config(work / "manim.cfg", {}, 1)
        cmd = manim_command(project.scene_file(scene.id), scene.class_name,
                            project.settings.quality, work, scene.id, config, ("--dry_run",))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, cwd=root, check=True, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return scene.id, cpu / lengths[scene.id]


def timed_build(root: Path, jobs: int) -> tuple[float, StageTimer]:
    timer = StageTimer()
    started = time.perf_counter()
    run_pipeline(Project.open(root), timer, jobs=jobs)
    return time.perf_counter() - started, timer


def new_project(work: Path, name: str, script: str, quality: str) -> Path:
    root = work / name
    root.mkdir()
    shutil.copy(script, root / "script.md")
    atomic.write_text(root / "flaming-horse.toml", f'quality = "{quality}"\n')
    return root


def fresh_clone(work: Path, make_test: bool) -> list[tuple[str, str, str]]:
    """`make demo` (and `make test`) timed in a new clone of this repository's HEAD, with an
    empty pip cache: what a new user waits for once the system packages are in."""
    repo = Path(__file__).resolve().parents[1]
    clone = work / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    env = {**os.environ, "PIP_CACHE_DIR": str(work / "pip-cache")}
    env.pop("VIRTUAL_ENV", None)
    def make(*targets: str) -> tuple[float, float, str]:
        """Minutes, cores kept busy, and "" or what failed."""
        started, busy = time.perf_counter(), busy_seconds()
        done = subprocess.run(["make", *targets], cwd=clone, env=env, capture_output=True,
                              text=True)
        seconds = time.perf_counter() - started
        state = "" if done.returncode == 0 else f"  FAILED (exit {done.returncode})"
        return seconds / 60, (busy_seconds() - busy) / seconds, state

    minutes, _, state = make("demo")
    found = [("make demo, fresh clone, empty pip cache", f"{minutes:7.1f} min{state}",
              "<= 3 min")]
    if make_test:
        # make test in two timed parts: what it installs (test-deps), then the import contracts
        # and the suite (on every core, then the tests marked serial)
        install, _, failed = make("test-deps")
        suite, cores, state = make("test")
        found += [("make test, fresh clone, empty pip cache",
                   f"{install + suite:7.1f} min{failed or state}", "<= 20 min"),
                  ("  bound: installing the test extras | the suite (cores busy)",
                   f"{install:7.1f} min | {suite:.1f} min ({cores:.2f} of "
                   f"{len(os.sched_getaffinity(0))})", "")]
    return found


def against(rev: str, script: str, jobs: int, runs: int,
            quality: str = "low") -> list[tuple[str, str, str]]:
    """A fresh `create -q QUALITY -j N` with this tree's code and with revision ``rev``'s
    (checked out into a temporary folder), alternately, ``runs`` times each: the medians side by
    side."""
    import statistics

    repo = Path(__file__).resolve().parents[1]
    work = Path(tempfile.mkdtemp(prefix="fh-against-"))
    try:
        old = work / "old"
        subprocess.run(["git", "worktree", "add", "-q", "--detach", str(old), rev], cwd=repo,
                       check=True)
        seconds: dict[str, list[float]] = {"old": [], "new": []}
        cores: dict[str, list[float]] = {"old": [], "new": []}  # what bounds it: busy cores
        for run in range(runs):
            for name, tree in (("old", old), ("new", repo)):
                projects = work / f"{name}-{run}"
                env = {**os.environ, "PYTHONPATH": str(tree)}
                started, busy = time.perf_counter(), busy_seconds()
                subprocess.run([sys.executable, "-m", "flaming_horse", "create", "bench",
                                "--topic", str(Path(script).resolve()), "-q", quality, "-j",
                                str(jobs), "--projects-dir", str(projects)], cwd=tree, env=env,
                               check=True, capture_output=True)
                seconds[name].append(time.perf_counter() - started)
                cores[name].append((busy_seconds() - busy) / seconds[name][-1])
        old_s, new_s = (statistics.median(seconds[k]) for k in ("old", "new"))
        old_c, new_c = (statistics.median(cores[k]) for k in ("old", "new"))
        return [(f"create -q {quality} -j {jobs}: {rev[:10]} / this tree (median of {runs})",
                 f"{old_s:7.1f} s / {new_s:.1f} s = {old_s / new_s:.2f} x faster "
                 f"({1 - new_s / old_s:.0%} less time)", ">= 1.18 x (15% less)"),
                ("  bound: cores kept busy through the create, old / new",
                 f"{old_c:7.2f} / {new_c:.2f} of {len(os.sched_getaffinity(0))}", "")]
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(work / "old")], cwd=repo,
                       capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--script", default="examples/pythagoras.md")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--no-high", action="store_true", help="skip the high-quality build")
    parser.add_argument("--fresh-clone", action="store_true",
                        help="also time `make demo` in a new clone with an empty pip cache")
    parser.add_argument("--make-test", action="store_true",
                        help="with --fresh-clone, also time `make test` there (about 35 min)")
    parser.add_argument("--against", metavar="REV",
                        help="only: a fresh create with REV's code against this tree's, "
                             "alternately (e.g. --against 4fc183d, before the part stage)")
    parser.add_argument("--runs", type=int, default=3, help="with --against: runs of each")
    parser.add_argument("--quality", default="low", choices=["low", "medium", "high"],
                        help="with --against: the quality of the creates")
    args = parser.parse_args()
    if args.against:
        for name, value, target in against(args.against, args.script, args.jobs, args.runs,
                                               args.quality):
            print(f"{name}  {value}  target {target}")
        return
    work = Path(tempfile.mkdtemp(prefix="fh-bench-"))
    rows: list[tuple[str, str, str]] = []  # measure, value, target
    try:
        root = new_project(work, "bench", args.script, "low")
        create_s, create = timed_build(root, args.jobs)
        length = media.probe(root / "final_video.mp4").duration
        rows.append((f"create, low quality, -j {args.jobs}",
                     f"{create_s:7.1f} s  {create_s / length:5.2f} x video length ({length:.1f} s)",
                     "<= 0.35 x"))

        subprocess.run([sys.executable, "-m", "flaming_horse", "reset", str(root), "--stage",
                        "render"], check=True, capture_output=True)
        _, serial = timed_build(root, 1)
        subprocess.run([sys.executable, "-m", "flaming_horse", "reset", str(root), "--stage",
                        "render"], check=True, capture_output=True)
        _, parallel = timed_build(root, args.jobs)
        speedup = serial.seconds["render"] / parallel.seconds["render"]
        rows.append((f"render stage -j 1 / -j {args.jobs}",
                     f"{serial.seconds['render']:7.1f} s / {parallel.seconds['render']:.1f} s "
                     f"= {speedup:.2f} x faster", ">= 1.8 x"))
        # what bounds it: the CPU the stage takes at -j N cannot take less wall time than an
        # even share of the cores (-j 1 already keeps more than one busy: manim draws while its
        # encoders run), and how evenly the scenes' render times split over the workers
        cores = len(os.sched_getaffinity(0))
        cpu_s = parallel.cores["render"] * parallel.seconds["render"]
        cpu_bound = serial.seconds["render"] / (cpu_s / cores)
        scenes_s = serial.units.get("render", [])
        split = sum(scenes_s) / split_floor(scenes_s, args.jobs) if scenes_s else float("nan")
        rows.append((f"  bound: CPU at -j {args.jobs} / {cores} cores | scene split",
                     f"{cpu_s:7.1f} s -> <= {cpu_bound:.2f} x | <= {split:.2f} x "
                     f"({len(scenes_s)} scenes; -j 1 keeps {serial.cores['render']:.2f} cores "
                     "busy)", ""))

        subprocess.run([sys.executable, "-m", "flaming_horse", "reset", str(root), "--stage",
                        "render"], check=True, capture_output=True)
        os.environ["FLAMING_HORSE_WARM_RENDER"] = "0"
        try:
            _, cold = timed_build(root, args.jobs)
        finally:
            del os.environ["FLAMING_HORSE_WARM_RENDER"]
        rows.append((f"render stage cold / warm manim, -j {args.jobs}",
                     f"{cold.seconds['render']:7.1f} s / {parallel.seconds['render']:.1f} s "
                     f"= {cold.seconds['render'] / parallel.seconds['render']:.2f} x faster", ""))

        noop_s, _ = timed_build(root, args.jobs)
        noop_cli_s = median_wall([sys.executable, "-m", "flaming_horse", "build", str(root)])
        dry_s = median_wall([sys.executable, "-m", "flaming_horse", "build", "-n", str(root)])
        floor_s = median_wall([sys.executable, "-c", "import typer, rich.console, pydantic, numpy"])
        rows.append(("no-op build (in-process | CLI, median of 5)",
                     f"{noop_s:7.2f} s | {noop_cli_s:.2f} s", "CLI <= 0.3 s"))
        rows.append(("  bound: Python + typer, rich, pydantic, numpy imported, nothing run",
                     f"{floor_s:7.2f} s", ""))
        rows.append(("build --dry-run of the finished project, CLI (median of 5)",
                     f"{dry_s:7.2f} s", "< 1 s"))

        script = root / "script.md"
        text = script.read_text()
        paragraphs = [m for m in re.finditer(r"^[A-Z][^\n]*\.$", text, re.M)]
        target = paragraphs[len(paragraphs) // 2]
        script.write_text(text[:target.end()] + " Indeed." + text[target.end():])
        edit_s, edit = timed_build(root, args.jobs)
        scenes = len(Project.open(root).plan_file.read_text().split('"id": "scene_')) - 1
        rows.append((f"edit one of {scenes} scenes / full build",
                     f"{edit_s:7.1f} s / {create_s:.1f} s = {edit_s / create_s:.2f} "
                     f"(1.5/N = {1.5 / scenes:.2f})", "<= 0.2"))
        # what bounds it: one scene's chain (spoken, then drawn, padded and checked), then the
        # passes over the whole video that any change pays (join, gain, one AAC encode of all
        # the audio, its loudness measured; the QC report and page)
        chain = " + ".join(f"{stage} {sum(edit.units[stage]):.1f}"
                           for stage in ("voice", "render", "part", "assemble", "qc")
                           if stage in edit.units)
        rows.append(("  bound: the edit's stages, one after another (s)", f"{chain:>7}", ""))

        if not args.no_high:
            high = work / "high"
            shutil.copytree(root, high)
            atomic.write_text(high / "flaming-horse.toml", 'quality = "high"\n')
            high_s, high_t = timed_build(high, args.jobs)
            high_len = media.probe(high / "final_video.mp4").duration
            rows.append((f"build, high quality, voice cached, -j {args.jobs}",
                         f"{high_s:7.1f} s  {high_s / high_len:5.2f} s per video second "
                         f"(render {high_t.seconds['render']:.1f} s)", "<= 0.7 s"))
            # what bounds it: x264 alone, with the render's settings, on this video's own frames
            # (decoding them is a small share): no drawing, no Python
            from flaming_horse.stages.manim_run import encoder_options

            options = [arg for key, value in sorted(encoder_options("high").items())
                       for arg in (f"-{key}", value)]
            sample = min(20.0, high_len)
            started = time.perf_counter()
            subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-t", f"{sample}", "-i",
                            str(high / "final_video.mp4"), "-an", "-c:v", "libx264", *options,
                            "-f", "null", "-"], check=True, capture_output=True)
            encode = (time.perf_counter() - started) / sample
            rows.append((f"  bound: x264 alone ({', '.join(options)}) on its 1080p60 frames",
                         f"{encode:7.2f} s per video second", ""))
            drawn, cpu = drawing_alone(high)
            rows.append(("  bound: manim drawing the frames alone (--dry_run, nothing encoded)",
                         f"{cpu:7.2f} CPU s per video second ({drawn}) -> >= "
                         f"{cpu / cores:.2f} s on {cores} cores, before encoding or the "
                         f"{high_s - high_t.seconds['render']:.1f} s of the other stages", ""))

        if args.fresh_clone:
            rows.extend(fresh_clone(work, args.make_test))
        width = max(len(name) for name, _, _ in rows)
        size = max(len(value) for _, value, _ in rows)
        print(f"script {args.script} on {len(os.sched_getaffinity(0))} cores")
        print(f"{'measure':<{width}}  {'value':<{size}}  target")
        for name, value, target in rows:
            print(f"{name:<{width}}  {value:<{size}}  {target}")
        print("time per stage of the fresh create (voice and render overlap):")
        for stage, seconds in create.seconds.items():
            print(f"  {stage:<10}{seconds:8.2f} s  {seconds / create_s:6.1%}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
