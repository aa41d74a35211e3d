"""Loudness on real files with real ffmpeg: the final video's level found from its parts' kept
gating blocks, and the gain that brings a peaky narration to the target under a limiter."""

from __future__ import annotations

import subprocess

import pytest

from flaming_horse import media

# short loud bursts over a quiet tone: a high crest factor, so a limiter bites when gain is added
PEAKY = "0.9*sin(2*PI*220*t)*lt(mod(t\\,1)\\,0.01)+0.03*sin(2*PI*330*t)"


def _clip(path, seconds: float, audio: str | None) -> None:
    """A small video of ``seconds`` with ``audio`` (an aevalsrc expression), or none."""
    inputs = ["-f", "lavfi", "-i", f"color=gray:s=160x90:r=15:d={seconds}"]
    if audio is not None:
        # speech starts a moment into a clip and ends before its scene does, as narration does
        inputs += ["-f", "lavfi", "-i",
                   f"aevalsrc=gte(t\\,0.3)*({audio}):s=48000:d={seconds - 0.4}"]
    subprocess.run(["ffmpeg", "-v", "error", "-y", *inputs, "-c:v", "libx264", "-pix_fmt",
                    "yuv420p", *(["-c:a", "aac"] if audio else []), str(path)], check=True)


def test_the_joined_parts_loudness_is_found_from_their_blocks(tmp_path):
    sources = [(4.0, "0.3*sin(2*PI*440*t)"), (3.0, None), (5.0, PEAKY),
               (2.5, "0.05*sin(2*PI*200*t)")]  # loud, no audio, peaky, quiet
    padded, levels = [], []
    for index, (seconds, audio) in enumerate(sources):
        _clip(tmp_path / f"r{index}.mp4", seconds, audio)
        padded.append(tmp_path / f"p{index}.mp4")
        found = media.pad_audio_to_video(tmp_path / f"r{index}.mp4", padded[-1])
        assert len(found) == pytest.approx(seconds * 10 - 3, abs=2)  # a block every 100 ms
        levels += found
    joined = tmp_path / "joined.mp4"
    media.concat(padded, joined)
    measured = media.loudness(joined, peak=False)["input_i"]
    assert media.gated_loudness(levels) == pytest.approx(measured, abs=0.1)
    # the gates matter: the quiet part and the silence are gated out, not averaged in
    assert media.gated_loudness(levels) > media.gated_loudness(levels[:10] + [-60.0] * 200) - 1
    assert media.gated_loudness([-120.7] * 30) == float("-inf")


def test_the_gain_reaches_the_target_where_the_limiter_bites(tmp_path):
    clip = tmp_path / "peaky.mp4"
    _clip(clip, 8.0, PEAKY)
    ceiling = -4.0

    def made(gain: float) -> dict[str, float]:
        out = tmp_path / "out.wav"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(clip), "-map", "0:a:0", "-af",
                        media.gain_limiter_filter(gain, ceiling), str(out)], check=True)
        return media.loudness.__wrapped__(out)  # measured afresh: out.wav is written again

    level = media.loudness(clip, peak=False)["input_i"]
    naive = made(-16.0 - level)
    assert naive["input_i"] < -16.0 - 0.5  # the limiter takes off what the gain alone adds
    gain = media.normalise_gain(clip, -16.0, ceiling)
    result = made(gain)
    assert result["input_i"] == pytest.approx(-16.0, abs=0.2)
    assert result["input_tp"] <= ceiling + 0.3
    # given the level (as assemble gives it, from the parts), the same gain
    assert media.normalise_gain(clip, -16.0, ceiling, level=level) == pytest.approx(gain, abs=0.01)


def test_silence_is_not_normalised(tmp_path):
    clip = tmp_path / "silent.mp4"
    _clip(clip, 3.0, "0")
    assert media.normalise_gain(clip, -16.0, -2.0) is None
