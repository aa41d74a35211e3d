"""A render's sound is muxed losslessly: manim's AAC step writes ALAC (scene_kit.soundtrack)."""

from __future__ import annotations

import wave

import av
import numpy as np
import pytest

from flaming_horse.scene_kit import soundtrack


def _wav(path, channels: int, rate: int = 22050, seconds: float = 1.3) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    tone = (np.sin(2 * np.pi * 440 * t) * 12000).astype("<i2")
    samples = np.stack([tone, (tone // 2)][:channels], axis=1) if channels > 1 else tone[:, None]
    with wave.open(str(path), "wb") as handle:  # no channel mask: "2 channels", not "stereo"
        handle.setnchannels(channels)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(samples.tobytes())
    return samples


def _decoded(path) -> tuple[str, int, np.ndarray]:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        frames = [f.to_ndarray() for f in container.decode(stream)]
        name, rate = stream.codec_context.name, stream.rate
    planar = np.concatenate(frames, axis=1)  # s16p: (channels, samples)
    return name, rate, planar.T


@pytest.mark.parametrize("channels", [1, 2])
def test_the_aac_step_writes_alac_with_the_very_same_samples(tmp_path, channels):
    source = tmp_path / "mix.wav"
    samples = _wav(source, channels)
    target = tmp_path / "mix.aac"  # the name manim gives it
    soundtrack.lossless()
    from manim.scene import scene_file_writer

    scene_file_writer.convert_audio(source, target, "aac")
    name, rate, decoded = _decoded(target)
    assert (name, rate) == ("alac", 22050)
    assert decoded.shape == samples.shape
    assert np.array_equal(decoded, samples)


def test_other_conversions_are_manims_own_and_lossless_is_idempotent(tmp_path):
    soundtrack.lossless()
    soundtrack.lossless()
    from manim.scene import scene_file_writer

    assert scene_file_writer.convert_audio is soundtrack.convert_audio
    assert scene_file_writer._fh_manim_convert_audio is not soundtrack.convert_audio
    source = tmp_path / "clip.wav"
    _wav(source, 1)
    target = tmp_path / "clip.flac"  # what manim does with a clip it mixes: decode to PCM
    scene_file_writer.convert_audio(source, target, "flac")
    assert _decoded(target)[0] == "flac"
