"""Frames for the QC page, taken in one ffmpeg pass per scene and cached by the scene's render
hash (a scene that did not change is not decoded again)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from flaming_horse.hashing import hash_json
from flaming_horse.media import run_ffmpeg

MANIFEST = "frames.json"


def frame_indices(times: list[float], fps: float, duration: float) -> list[int]:
    """The frame shown at each time (the last frame for times at or past the end), unique, sorted."""
    last = max(0, int(round(duration * fps)) - 1)
    return sorted({min(last, max(0, int(t * fps + 1e-6))) for t in times})


def extract(video: Path, folder: Path, key: str, indices: list[int]) -> dict[int, Path]:
    """JPEGs of the given frames of ``video`` in ``folder/<key16>/`` (one decode with ffmpeg's
    select filter), reused while key and the frames asked for are the same. Other folders for the
    same scene are stale and removed."""
    digest = hash_json({"key": key, "frames": indices})[:16]
    scene = folder.name
    target = folder / digest
    manifest = target / MANIFEST
    if manifest.is_file():
        names = json.loads(manifest.read_text(encoding="utf-8"))
        return {int(k): target / v for k, v in names.items()}
    for old in folder.glob("*"):
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    tmp = folder / f".fh-tmp-{digest}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    select = "+".join(f"eq(n\\,{i})" for i in indices)
    run_ffmpeg(["-i", str(video), "-vf", f"select='{select}'", "-fps_mode", "vfr",
                "-q:v", "4", str(tmp / "%03d.jpg")], f"take frames of {scene}")
    produced = sorted(tmp.glob("*.jpg"))
    names = {index: path.name for index, path in zip(indices, produced)}
    (tmp / MANIFEST).write_text(json.dumps(names), encoding="utf-8")
    tmp.rename(target)
    return {index: target / name for index, name in names.items()}
