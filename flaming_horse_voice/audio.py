"""Audio files: MP3 (and WAV, FLAC) encoding and decoding with PyAV (no ffmpeg binary), durations measured with
mutagen."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy is imported where samples are made: a cache lookup needs none
    import numpy as np

TAG = "flaming_horse"  # ID3 TXXX frame holding the clip's cache entry as JSON
MP3_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)  # what MP3 can carry


CODECS = {"mp3": ("mp3", "mp3"), "wav": ("wav", "pcm_s16le"), "flac": ("flac", "flac")}


def pcm16(samples: np.ndarray) -> np.ndarray:
    """Mono float samples in [-1, 1] as 16-bit integers (little-endian), clipped."""
    import numpy as np

    return (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")


def encode_audio(samples: np.ndarray, sample_rate: int, fmt: str, target: Path | io.BytesIO,
                 tags: dict[str, Any] | None = None) -> None:
    """Write mono float samples in [-1, 1] to ``target`` as ``fmt`` (mp3, wav or flac); MP3
    at 96 kb/s, with ``tags`` stored as JSON in an ID3 tag."""
    import av

    container, codec = CODECS[fmt]
    with av.open(target if isinstance(target, io.BytesIO) else str(target), "w",
                 format=container) as out:
        if tags is not None:
            out.metadata[TAG] = json.dumps(tags, sort_keys=True)
        stream = out.add_stream(codec, rate=sample_rate, layout="mono")
        if fmt == "mp3":
            stream.bit_rate = 96_000
        frame = av.AudioFrame.from_ndarray(pcm16(samples)[None, :], format="s16", layout="mono")
        frame.sample_rate = sample_rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)


def encode_mp3(samples: np.ndarray, sample_rate: int, path: Path, tags: dict[str, Any]) -> None:
    """Write mono float samples in [-1, 1] as MP3, with ``tags`` stored as JSON in an ID3 tag."""
    encode_audio(samples, sample_rate, "mp3", path, tags)


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


def write_tags(path: Path, tags: dict[str, Any]) -> None:
    """Store ``tags`` in an existing MP3 the way ``encode_mp3`` does, replacing earlier ones.

    Used to adopt audio made elsewhere (the original flaming-horse) so that a rebuild of
    cache.json from the files finds its text and word times like any clip of ours.
    """
    from mutagen.id3 import ID3, TXXX, ID3NoHeaderError

    try:
        id3 = ID3(str(path))
    except ID3NoHeaderError:
        id3 = ID3()
    id3.delall(f"TXXX:{TAG}")
    id3.add(TXXX(encoding=3, desc=TAG, text=[json.dumps(tags, sort_keys=True)]))
    id3.save(str(path))


def decode_audio(source: bytes | Path, rate: int | None = None) -> tuple[np.ndarray, int]:
    """Decode any audio PyAV reads (WAV, MP3, FLAC, Opus, ...) to mono float32 samples in [-1, 1].

    The format is found from the content, not from a name or a Content-Type, because servers do
    not always send what was asked for. ``rate`` resamples; None keeps the file's own rate.
    Raises ValueError when ``source`` holds no decodable audio.
    """
    import av
    import numpy as np

    handle = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else str(source)
    try:
        with av.open(handle) as container:
            if not container.streams.audio:
                raise ValueError("no audio stream")
            stream = container.streams.audio[0]
            rate = rate or stream.codec_context.sample_rate or stream.rate
            resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
            chunks = [out.to_ndarray().reshape(-1) for frame in container.decode(stream)
                      for out in resampler.resample(frame)]
            chunks += [out.to_ndarray().reshape(-1) for out in resampler.resample(None)]
    except av.error.FFmpegError as exc:
        raise ValueError(str(exc)) from exc
    samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
    if not len(samples):
        raise ValueError("the audio stream is empty")
    return samples.astype(np.float32, copy=False), int(rate)


def speech_span(samples: np.ndarray, sample_rate: int,
                floor_db: float = -35.0) -> tuple[float, float]:
    """(start, end) in seconds of the part of a clip that is not silence.

    Word times estimated over the whole clip would drift by the lead-in and tail silence that
    many servers add; estimating inside this span keeps the error to the words themselves.
    A sample counts as sound when it is within ``floor_db`` of the clip's peak.
    """
    import numpy as np

    duration = len(samples) / sample_rate if sample_rate else 0.0
    peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
    if peak <= 0.0:
        return 0.0, duration
    loud = np.flatnonzero(np.abs(samples) >= peak * 10 ** (floor_db / 20))
    margin = int(0.02 * sample_rate)  # keep the soft onset and release of the first/last word
    start = max(int(loud[0]) - margin, 0)
    end = min(int(loud[-1]) + 1 + margin, len(samples))
    return start / sample_rate, end / sample_rate
