"""Audio as the speech API sends it: whole files (mp3, wav, flac, pcm) and streams (pcm, wav,
mp3 piece by piece as each sentence is spoken).

``pcm`` is OpenAI's: raw 16-bit little-endian mono at 24 kHz, whatever the voice's own rate (a
client that plays it assumes that rate). The files keep the voice's own rate, so a clip fetched
as WAV is sample for sample what the backend made.
"""

from __future__ import annotations

import io
import struct

import numpy as np

from flaming_horse_voice.audio import encode_audio, pcm16

FORMATS = ("mp3", "wav", "flac", "pcm")
STREAMABLE = ("pcm", "wav", "mp3")  # flac needs its whole length up front
PCM_RATE = 24_000
MEDIA_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav", "flac": "audio/flac",
               "pcm": "audio/pcm"}


def resample(samples: np.ndarray, rate: int, to: int) -> np.ndarray:
    """``samples`` at ``to`` Hz (linear interpolation: speech, 16-bit, is not hurt by it)."""
    if rate == to or not len(samples):
        return samples.astype(np.float32, copy=False)
    count = int(round(len(samples) * to / rate))
    positions = np.arange(count) * (rate / to)
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)


def encode(samples: np.ndarray, rate: int, fmt: str) -> bytes:
    """A whole file of ``samples`` (mono float in [-1, 1]) in ``fmt``."""
    if fmt == "pcm":
        return pcm16(resample(samples, rate, PCM_RATE)).tobytes()
    buffer = io.BytesIO()
    encode_audio(samples, rate, fmt, buffer)
    return buffer.getvalue()


def wav_stream_header(rate: int) -> bytes:
    """A WAV header for a stream of unknown length (sizes set to the maximum, as streaming
    servers do; players read to the end)."""
    unknown = 0xFFFFFFFF
    return (b"RIFF" + struct.pack("<I", unknown) + b"WAVE" + b"fmt "
            + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
            + b"data" + struct.pack("<I", unknown))


class StreamEncoder:
    """Bytes of one stream, a piece per sentence: ``start()`` once, then ``piece(samples)``."""

    def __init__(self, fmt: str, rate: int) -> None:
        self.fmt, self.rate = fmt, rate

    @property
    def out_rate(self) -> int:
        return PCM_RATE if self.fmt == "pcm" else self.rate

    def start(self) -> bytes:
        return wav_stream_header(self.rate) if self.fmt == "wav" else b""

    def piece(self, samples: np.ndarray) -> bytes:
        if self.fmt == "pcm":
            return pcm16(resample(samples, self.rate, PCM_RATE)).tobytes()
        if self.fmt == "wav":
            return pcm16(samples).tobytes()
        return encode(samples, self.rate, "mp3")  # MP3 frames: concatenated streams play on
