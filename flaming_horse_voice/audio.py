"""Audio files: MP3 encoding with PyAV (no ffmpeg binary), durations measured with mutagen."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

TAG = "flaming_horse"  # ID3 TXXX frame holding the clip's cache entry as JSON


def encode_mp3(samples: np.ndarray, sample_rate: int, path: Path, tags: dict[str, Any]) -> None:
    """Write mono float samples in [-1, 1] as MP3, with ``tags`` stored as JSON in an ID3 tag."""
    import av

    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16)[None, :]
    with av.open(str(path), "w", format="mp3") as out:
        out.metadata[TAG] = json.dumps(tags, sort_keys=True)
        stream = out.add_stream("mp3", rate=sample_rate, layout="mono")
        stream.bit_rate = 96_000
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = sample_rate
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def measure_duration(path: Path) -> float:
    """Duration in seconds as a player (and manim-voiceover's tracker) will see it."""
    from mutagen.mp3 import MP3

    return float(MP3(str(path)).info.length)


def read_tags(path: Path) -> dict[str, Any]:
    """The JSON tags ``encode_mp3`` stored, or {} when there are none."""
    from mutagen.id3 import ID3, ID3NoHeaderError

    try:
        frames = ID3(str(path)).getall(f"TXXX:{TAG}")
    except ID3NoHeaderError:
        return {}
    for frame in frames:
        for text in frame.text:
            try:
                value = json.loads(text)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    return {}
