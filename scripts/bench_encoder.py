#!/usr/bin/env python3
"""Encoder settings for high quality (1080p), measured side by side on one real scene.

Builds the demo script at low quality (for the voice and the scene code), then renders one of its
scenes at 1080p with each variant: manim's default (x264 crf 23, preset medium, one encoder in
flight), faster x264 presets, two encoders in flight (the next animation is drawn while the last one
encodes), and 30 fps instead of 60; and manim drawing the frames with nothing encoded (what bounds
every setting). For each: render wall and CPU time per video second (CPU is what a build rendering
a scene per core pays), file size, and the picture against a near-lossless reference of the same
frames (SSIM, PSNR).

    .venv/bin/python scripts/bench_encoder.py [--script examples/pythagoras.md] [--scene 2]
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from flaming_horse import media
from flaming_horse.pipeline import run_pipeline
from flaming_horse.project import Project
from flaming_horse.reporting import Reporter
from flaming_horse.stages.artifacts import load_plan
from flaming_horse.stages.manim_run import manim_command, manim_config
from flaming_horse_voice import atomic

# name -> (x264 options, encoders in flight, extra manim arguments)
VARIANTS: dict[str, tuple[dict[str, str], int, tuple[str, ...]]] = {
    "reference (lossless)": ({"crf": "0", "preset": "ultrafast"}, 2, ()),
    "manim default": ({"crf": "23"}, 1, ()),
    "veryfast": ({"crf": "23", "preset": "veryfast"}, 1, ()),
    "veryfast, 2 in flight": ({"crf": "23", "preset": "veryfast"}, 2, ()),
    "ultrafast, 2 in flight": ({"crf": "23", "preset": "ultrafast"}, 2, ()),
    "ultrafast crf 30, 2 in flight": ({"crf": "30", "preset": "ultrafast"}, 2, ()),
    "veryfast, 2 in flight, 30 fps": ({"crf": "23", "preset": "veryfast"}, 2,
                                      ("--frame_rate", "30")),
    # what bounds any encoder setting: the frames drawn and nothing encoded
    "drawing alone (--dry_run)": ({"crf": "23", "preset": "veryfast"}, 2, ("--dry_run",)),
}


def compare(reference: Path, candidate: Path) -> tuple[float, float]:
    """(SSIM, PSNR dB) of candidate against reference, frame by frame."""
    cmd = ["ffmpeg", "-hide_banner", "-nostats", "-i", str(candidate), "-i", str(reference),
           "-lavfi", "[0:v][1:v]ssim;[0:v][1:v]psnr", "-f", "null", "-"]
    log = subprocess.run(cmd, capture_output=True, text=True).stderr
    ssim = re.search(r"SSIM .*All:([\d.]+)", log)
    psnr = re.search(r"PSNR .*average:([\d.inf]+)", log)
    return (float(ssim.group(1)) if ssim else float("nan"),
            float(psnr.group(1)) if psnr else float("nan"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--script", default="examples/pythagoras.md")
    parser.add_argument("--scene", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fh-bench-encoder-"))
    root = work / "bench"
    root.mkdir()
    shutil.copy(args.script, root / "script.md")
    atomic.write_text(root / "flaming-horse.toml", 'quality = "low"\n')
    project = Project.open(root)
    run_pipeline(project, Reporter(), until="voice", jobs=1)
    scene = load_plan(project).scenes[args.scene - 1]
    print(f"{args.script} {scene.id} at 1080p, each variant rendered once, in this order:\n")
    print(f"{'variant':<32} {'s/video s':>9} {'ratio':>6} {'CPU s/vs':>8} {'MB':>6} {'SSIM':>7} "
          f"{'PSNR':>6}")
    results: dict[str, Path] = {}
    baseline = None
    for name, (options, inflight, extra) in VARIANTS.items():
        out = work / re.sub(r"\W+", "_", name)
        config = manim_config(out / "manim.cfg", options, inflight)
        cmd = manim_command(project.scene_file(scene.id), scene.class_name, "high", out,
                            "scene", config, extra)
        started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, cwd=root, check=True, capture_output=True)
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        video = next(out.glob("videos/**/scene.mp4"), None)  # none from a dry run
        if video is not None:
            results[name] = video
        length = media.probe(results["reference (lossless)"]).video_duration or 1.0
        per_second = seconds / length
        baseline = baseline or (per_second if name == "manim default" else None)
        ratio = f"{baseline / per_second:5.2f}x" if baseline else "     -"
        ssim, psnr = (compare(results["reference (lossless)"], video)
                      if not extra and name != "reference (lossless)" else (float("nan"),) * 2)
        size = video.stat().st_size / 1e6 if video is not None else float("nan")
        print(f"{name:<32} {per_second:9.2f} {ratio:>6} {cpu / length:8.2f} {size:6.2f} "
              f"{ssim:7.4f} {psnr:6.1f}", flush=True)
    print("\nratio: speed against manim's default settings (higher is faster); SSIM/PSNR "
          "against the lossless (crf 0) reference of the same 60 fps frames (30 fps is not comparable).")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
