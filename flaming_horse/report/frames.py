"""Frames and waveforms for the QC page, each taken in one ffmpeg pass per scene and cached by
the scene's render hash (a scene that did not change is not decoded again)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from flaming_horse.hashing import hash_json
from flaming_horse.media import run_ffmpeg, tool

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


def waveform(media_file: Path, bins: int = 600, rate: int = 8000) -> list[float]:
    """Peak level (0..1) of the audio in ``bins`` equal slices: dead air shows as a flat line."""
    cmd = [tool("ffmpeg"), "-v", "error", "-nostdin", "-i", str(media_file), "-map", "0:a:0",
           "-ac", "1", "-ar", str(rate), "-f", "s16le", "-"]
    raw = subprocess.run(cmd, capture_output=True).stdout
    import numpy as np  # here: every command imports this module (the qc command's), few use it

    samples = np.abs(np.frombuffer(raw, dtype="<i2").astype(np.float32)) / 32768.0
    if samples.size == 0:
        return [0.0] * bins
    edges = np.linspace(0, samples.size, bins + 1).astype(int)
    return [round(float(samples[a:b].max()) if b > a else 0.0, 3)
            for a, b in zip(edges[:-1], edges[1:])]
