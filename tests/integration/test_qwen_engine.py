"""The Qwen3-TTS worker engine on tiny, locally built Qwen3-TTS checkpoints (real qwen-tts code).

Each checkpoint kind is built once per session (random seeded weights, so the audio is noise):
the tests check the engine's real behaviour -- modes, seeding, token bounds, model resolution
and its errors -- not voice quality.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest

try:  # the [qwen] extra; on a CPU torch, torchaudio's CUDA extension must be gone (README)
    import qwen_tts
except Exception as exc:  # ImportError, or OSError from a CUDA-only torchaudio
    pytest.skip(f"qwen-tts is not importable here ({type(exc).__name__}: {exc}); install it "
                'with `make venv` (pip install -e ".[qwen]", then with a CPU-only torch remove '
                "torchaudio/lib/*.so as the Makefile does)", allow_module_level=True)

from flaming_horse_voice.worker.engine import EngineError
from flaming_horse_voice.worker.qwen_engine import QwenEngine
from tests.tiny_qwen import SAMPLE_RATE, build_tiny_qwen3_tts

SAMPLES_PER_CODE = 1920  # the 12.5 Hz codec at 24 kHz


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """kind -> folder of a tiny checkpoint, built on first use and kept for the session."""
    root = tmp_path_factory.mktemp("tiny_qwen")
    return lambda kind: build_tiny_qwen3_tts(root / kind, kind)


@pytest.fixture(scope="session")
def reference(tmp_path_factory) -> tuple[Path, str]:
    """A 1.5 s speech-like reference: a gliding voiced harmonic tone in syllable-long bursts."""
    t = np.arange(int(1.5 * SAMPLE_RATE)) / SAMPLE_RATE
    pitch = 140 + 30 * np.sin(2 * np.pi * 1.3 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / SAMPLE_RATE
    voiced = sum(np.sin(k * phase) / k for k in range(1, 8))
    envelope = np.clip(np.sin(2 * np.pi * 4 * t), 0, None) ** 0.5
    noise = np.random.default_rng(7).normal(0, 0.02, t.size)
    signal = 0.3 * voiced * envelope / np.abs(voiced).max() + noise
    path = tmp_path_factory.mktemp("voice") / "ref.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes((np.clip(signal, -1, 1) * 32767).astype("<i2").tobytes())
    return path, "Hello world, this is my voice."


def _engine(model, **config) -> QwenEngine:
    return QwenEngine({"model": str(model), "device": "cpu", "language": "English", **config})


def _check_audio(samples, sample_rate, max_new_tokens):
    assert sample_rate == SAMPLE_RATE
    assert isinstance(samples, np.ndarray) and samples.dtype == np.float32 and samples.ndim == 1
    assert 0 < samples.size <= (max_new_tokens - 1) * SAMPLES_PER_CODE  # see below
    assert np.isfinite(samples).all() and np.abs(samples).max() <= 1.0
    assert np.abs(samples).max() > 0  # the decoder ran on real codes, not silence


def test_voice_clone_builds_its_prompt_once(tiny, reference, monkeypatch):
    calls = []
    real = qwen_tts.Qwen3TTSModel.create_voice_clone_prompt

    def counting(self, *args, **kwargs):  # a spy: the real method runs
        calls.append(kwargs.get("ref_audio"))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(qwen_tts.Qwen3TTSModel, "create_voice_clone_prompt", counting)
    ref_wav, ref_text = reference
    engine = _engine(tiny("base"), reference_audio=str(ref_wav), reference_text=ref_text)
    facts = engine.load()
    assert facts == {"mode": "voice_clone", "device": "cpu", "dtype": "float32", "attn": "sdpa",
                     "model": str(tiny("base").resolve())}
    for sentence in ("First sentence.", "A second one.", "And a third."):
        _check_audio(*engine.speak(sentence, seed=3, max_new_tokens=4), max_new_tokens=4)
    assert calls == [str(ref_wav)]
    assert engine.load() == facts and len(calls) == 1  # load is idempotent


def test_voice_clone_without_transcript_uses_the_speaker_embedding(tiny, reference):
    engine = _engine(tiny("base"), reference_audio=str(reference[0]))
    assert engine.load()["mode"] == "voice_clone"
    _check_audio(*engine.speak("No transcript.", seed=1, max_new_tokens=3), max_new_tokens=3)


def test_base_model_without_reference_says_what_to_add(tiny):
    with pytest.raises(EngineError) as err:
        _engine(tiny("base")).load()
    assert err.value.fatal and "voice/ref.wav" in err.value.hint and "ref.txt" in err.value.hint


def test_missing_reference_file_is_named(tiny, tmp_path):
    missing = tmp_path / "nope.wav"
    with pytest.raises(EngineError, match="nope.wav"):
        _engine(tiny("base"), reference_audio=str(missing), reference_text="hi").load()


def test_custom_voice_uses_the_first_speaker_by_default(tiny):
    engine = _engine(tiny("custom_voice"), options={"temperature": 0.8, "top_k": 20})
    assert engine.load()["mode"] == "custom_voice"
    assert engine._voice == {"speaker": "ryan"}
    _check_audio(*engine.speak("Hello there.", seed=5, max_new_tokens=4), max_new_tokens=4)

    named = _engine(tiny("custom_voice"), speaker="Vivian")
    named.load()
    assert named._voice == {"speaker": "vivian"}
    with pytest.raises(EngineError) as err:
        _engine(tiny("custom_voice"), speaker="nobody").load()
    assert "ryan" in err.value.hint and "vivian" in err.value.hint


def test_voice_design_speaks_a_described_voice(tiny):
    engine = _engine(tiny("voice_design"), instruct="A deep, slow, gravelly voice.")
    assert engine.load()["mode"] == "voice_design"
    assert engine._voice == {"instruct": "A deep, slow, gravelly voice."}
    _check_audio(*engine.speak("Designed voice.", seed=2, max_new_tokens=4), max_new_tokens=4)
    default = _engine(tiny("voice_design"))
    default.load()
    assert default._voice["instruct"]  # a sensible default description


def test_same_seed_same_samples_other_seed_other_samples(tiny):
    engine = _engine(tiny("custom_voice"))
    engine.load()
    first, _ = engine.speak("Seeded speech.", seed=11, max_new_tokens=5)
    engine.speak("Something in between moves the random state.", seed=99, max_new_tokens=3)
    again, _ = engine.speak("Seeded speech.", seed=11, max_new_tokens=5)
    other, _ = engine.speak("Seeded speech.", seed=12, max_new_tokens=5)
    assert np.array_equal(first, again)
    assert not np.array_equal(first[: other.size], other[: first.size])


def test_max_new_tokens_bounds_the_audio(tiny):
    """generation_config.json says 16 tokens; the call's bound wins. qwen-tts never stops
    before 2 tokens, and N tokens give at most N - 1 codec frames (a token's other code groups
    are predicted in the step after it, and the last token has none): 2 tokens = 1 frame."""
    engine = _engine(tiny("voice_design"))
    engine.load()
    two, _ = engine.speak("Bounded.", seed=4, max_new_tokens=2)
    eight, _ = engine.speak("Bounded.", seed=4, max_new_tokens=8)
    assert two.size == 1 * SAMPLES_PER_CODE
    assert two.size <= eight.size <= 7 * SAMPLES_PER_CODE


@pytest.mark.serial  # 5 s on the wall clock, torch's import in it
def test_missing_hf_model_is_a_quick_fatal_error_naming_it(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    started = time.monotonic()
    with pytest.raises(EngineError) as err:
        _engine("Qwen/Qwen3-TTS-12Hz-0.6B-Base").load()
    assert time.monotonic() - started < 5
    assert err.value.fatal
    assert "Qwen/Qwen3-TTS-12Hz-0.6B-Base" in err.value.message
    assert "huggingface-cli download Qwen/Qwen3-TTS-12Hz-0.6B-Base" in err.value.hint


def test_missing_local_folder_is_an_error(tmp_path):
    with pytest.raises(EngineError, match="not found"):
        _engine(tmp_path / "no-such-model").load()


def test_hf_id_resolves_from_the_local_cache(tiny, tmp_path, monkeypatch):
    """The Hugging Face cache layout: blobs by hash, a snapshot of links, refs/main."""
    repo = tmp_path / "hub" / "models--tiny-org--qwen3-tts-custom"
    revision = "0123456789abcdef0123456789abcdef01234567"
    source = tiny("custom_voice")
    for file in sorted(p for p in source.rglob("*") if p.is_file() and p.name != ".complete"):
        blob = repo / "blobs" / hashlib.sha256(file.read_bytes()).hexdigest()
        blob.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, blob)
        link = repo / "snapshots" / revision / file.relative_to(source)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(os.path.relpath(blob, link.parent))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))

    engine = _engine("tiny-org/qwen3-tts-custom")
    facts = engine.load()
    assert facts["model"] == str((repo / "snapshots" / revision).resolve())
    assert facts["mode"] == "custom_voice"
    _check_audio(*engine.speak("From the cache.", seed=1, max_new_tokens=3), max_new_tokens=3)
    # the mlx engine finds the same snapshot: both resolve ids with worker/models.py
    from flaming_horse_voice.worker.mlx_engine import resolve_model

    assert resolve_model("tiny-org/qwen3-tts-custom") == (repo / "snapshots" / revision).resolve()


def test_bad_settings_are_errors_before_loading(tiny):
    with pytest.raises(EngineError, match="temprature"):
        _engine(tiny("custom_voice"), options={"temprature": 0.5}).load()
    with pytest.raises(EngineError, match="device"):
        _engine(tiny("custom_voice"), device="tpu").load()
    klingon = _engine(tiny("custom_voice"), language="Klingon")
    for _ in range(2):  # a failed load leaves the engine unloaded, not half loaded
        with pytest.raises(EngineError, match="Klingon"):
            klingon.load()


def test_auto_device_is_cpu_without_a_gpu(tiny):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA GPU is present")
    assert _engine(tiny("custom_voice"), device="auto").load()["device"] == "cpu"
    with pytest.raises(EngineError, match="cuda"):
        _engine(tiny("custom_voice"), device="cuda").load()


def test_a_fresh_process_keeps_stdout_clean(tiny):
    """The worker's stdout carries its protocol: qwen-tts's print()s (the flash-attn notice at
    import) must not reach it. A fresh process, because qwen_tts is imported once."""
    code = ("import sys; from flaming_horse_voice.worker.qwen_engine import QwenEngine; "
            "e = QwenEngine({'model': sys.argv[1], 'device': 'cpu'}); e.load(); "
            "e.speak('Quiet please.', seed=1, max_new_tokens=3)")
    run = subprocess.run([sys.executable, "-c", code, str(tiny("custom_voice"))],
                         capture_output=True, text=True, timeout=300,
                         cwd=Path(__file__).resolve().parents[2],
                         env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout == ""
    if importlib.util.find_spec("flash_attn") is None:
        assert "flash-attn is not installed" in run.stderr  # the notice went to stderr
