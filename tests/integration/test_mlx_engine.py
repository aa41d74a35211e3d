"""The MLX engine (Qwen3-TTS through mlx-audio) on tiny local Qwen3-TTS checkpoints.

mlx-audio needs transformers 5 and qwen-tts pins transformers 4, so they live in two
interpreters: this test process (qwen-tts + torch) builds the checkpoints with qwen-tts's own
classes (tests/tiny_qwen.py), and the engine runs under the MLX interpreter in a subprocess:
``FLAMING_HORSE_MLX_PYTHON``, else ``.venv-mlx/bin/python`` (``make venv-mlx``), else this
interpreter if it has mlx-audio. Without any of them the tests skip, saying so.

The weights are random, so the audio is noise: the tests check that every stage runs for real
(load once, clone / preset speaker / voice design, seeded sampling, the token limit, errors).
Timings are printed (run with -s to see them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLES_PER_TOKEN = 1920  # 12.5 codec frames per second at 24 kHz
MARK = "@@mlx-test@@ "
TEXT = "The quick brown fox jumps over the lazy dog."

# Runs under the MLX interpreter: load once, speak each request, write .npy files, answer in JSON.
DRIVER = r"""
import json, sys, time
import numpy as np
from flaming_horse_voice.worker.engine import EngineError
from flaming_horse_voice.worker.mlx_engine import MlxEngine

job = json.loads(sys.stdin.read())
out = {"speaks": []}
def error(exc):
    return {"message": exc.message, "hint": exc.hint, "fatal": exc.fatal}
def answer():
    sys.stdout.write("\n" + "@@mlx-test@@ " + json.dumps(out) + "\n")
    sys.stdout.flush()

engine = MlxEngine(job["config"])
started = time.monotonic()
try:
    out["facts"] = engine.load()
except EngineError as exc:
    out["load_error"] = error(exc)
    out["load_seconds"] = time.monotonic() - started
    answer()
    sys.exit(0)
out["load_seconds"] = time.monotonic() - started
started = time.monotonic()
out["facts_again"] = engine.load()
out["reload_seconds"] = time.monotonic() - started
for index, request in enumerate(job["speaks"]):
    started = time.monotonic()
    try:
        samples, rate = engine.speak(request["text"], seed=request["seed"],
                                     max_new_tokens=request["max_new_tokens"])
    except EngineError as exc:
        out["speaks"].append({"error": error(exc)})
        continue
    seconds = time.monotonic() - started
    path = "%s/%d.npy" % (job["out"], index)
    np.save(path, samples)
    out["speaks"].append({"npy": path, "rate": rate, "type": type(samples).__name__,
                          "seconds": seconds})
answer()
"""


def mlx_python() -> str | None:
    """The interpreter that has mlx-audio, or None."""
    candidates = [os.environ.get("FLAMING_HORSE_MLX_PYTHON"),
                  str(REPO / ".venv-mlx" / "bin" / "python"), sys.executable]
    for python in candidates:
        if not python or not Path(python).exists():
            continue
        probe = subprocess.run([python, "-c", "import mlx.core, mlx_audio.tts.utils"],
                               capture_output=True, timeout=120)
        if probe.returncode == 0:
            return python
    return None


@pytest.fixture(scope="module")
def python() -> str:
    found = mlx_python()
    if found is None:
        pytest.skip("mlx-audio is not installed: run `make venv-mlx` (it makes .venv-mlx) or set "
                    "FLAMING_HORSE_MLX_PYTHON to a python with mlx-audio and mlx (mlx[cpu] on "
                    "Linux)")
    return found


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    """Builds tiny checkpoints on demand, once per kind and module (qwen-tts + torch, here)."""
    try:
        from tests.tiny_qwen import build_tiny_qwen3_tts
    except ImportError as exc:  # tests/tiny_qwen.py needs qwen-tts + torch (the test extra)
        pytest.fail(f"cannot build the tiny Qwen3-TTS checkpoint: {exc} (pip install -e .[test])")
    root = tmp_path_factory.mktemp("tiny-qwen3-tts")
    return lambda kind: build_tiny_qwen3_tts(root / kind, kind)


@pytest.fixture(scope="module")
def reference_wav(tmp_path_factory) -> Path:
    """2 s of a gliding, wobbling tone with a little noise, 24 kHz mono 16-bit."""
    path = tmp_path_factory.mktemp("ref") / "reference.wav"
    rate = 24000
    t = np.arange(2 * rate) / rate
    tone = 0.3 * np.sin(2 * np.pi * (180 + 60 * t) * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
    tone += 0.02 * np.random.default_rng(0).standard_normal(t.size)
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes((np.clip(tone, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def drive(python: str, config: dict, speaks: list[dict], out: Path) -> dict:
    """Run the engine under the MLX interpreter; the answer plus the run's stdout and stderr."""
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    job = {"config": config, "speaks": speaks, "out": str(out)}
    started = time.monotonic()
    proc = subprocess.run([python, "-c", DRIVER], input=json.dumps(job), capture_output=True,
                          text=True, env=env, timeout=900)
    lines = [line for line in proc.stdout.splitlines() if line.startswith(MARK)]
    assert proc.returncode == 0 and lines, (
        f"the MLX driver failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    answer = json.loads(lines[-1][len(MARK):])
    answer.update(stdout=proc.stdout, stderr=proc.stderr, wall=time.monotonic() - started)
    for speak in answer["speaks"]:
        if "npy" in speak:
            speak["audio"] = np.load(speak["npy"])
    return answer


def report(label: str, answer: dict) -> None:
    speaks = ", ".join(f"{s['seconds']:.2f}s/{s['audio'].size / s['rate']:.2f}s audio"
                       for s in answer["speaks"] if "audio" in s)
    print(f"\n[mlx {label}] load {answer['load_seconds']:.2f}s; generate {speaks}; "
          f"process {answer['wall']:.1f}s")


def assert_real_audio(speak: dict) -> np.ndarray:
    assert "error" not in speak, speak.get("error")
    audio = speak["audio"]
    assert speak["type"] == "ndarray" and audio.dtype == np.float32 and audio.ndim == 1
    assert audio.size > 0 and np.all(np.isfinite(audio))
    assert np.abs(audio).max() <= 1.0
    assert speak["rate"] == 24000
    return audio


def test_voice_clone_loads_once_is_seeded_and_bounded(python, checkpoints, reference_wav,
                                                      tmp_path):
    model = checkpoints("base")
    config = {"model": str(model), "reference_audio": str(reference_wav),
              "reference_text": "Hello, world.", "language": "English"}
    speaks = [{"text": TEXT, "seed": 7, "max_new_tokens": 12},
              {"text": TEXT, "seed": 7, "max_new_tokens": 12},
              {"text": TEXT, "seed": 8, "max_new_tokens": 12},
              {"text": TEXT, "seed": 7, "max_new_tokens": 3}]
    answer = drive(python, config, speaks, tmp_path)
    report("voice_clone", answer)

    facts = answer["facts"]
    assert facts["mode"] == "voice_clone" and facts["model"] == str(model)
    assert facts["device"] == "cpu" and facts["dtype"] == "float32"
    # a second load() is the same model, not a reload
    assert answer["facts_again"] == facts and answer["reload_seconds"] < 0.05

    first, again, other, short = (assert_real_audio(s) for s in answer["speaks"])
    assert np.array_equal(first, again), "the same seed must give the same samples"
    assert first.size != other.size or not np.array_equal(first, other), \
        "another seed must give other samples"
    for audio, limit in ((first, 12), (again, 12), (other, 12), (short, 3)):
        assert audio.size <= limit * SAMPLES_PER_TOKEN


def test_voice_clone_without_transcript_uses_the_speaker_embedding(python, checkpoints,
                                                                   reference_wav, tmp_path):
    config = {"model": str(checkpoints("base")), "reference_audio": str(reference_wav)}
    answer = drive(python, config, [{"text": TEXT, "seed": 1, "max_new_tokens": 6}], tmp_path)
    report("voice_clone x-vector", answer)
    assert answer["facts"]["mode"] == "voice_clone"
    assert assert_real_audio(answer["speaks"][0]).size <= 6 * SAMPLES_PER_TOKEN


def test_custom_voice_speaks_with_a_preset_speaker(python, checkpoints, tmp_path):
    config = {"model": str(checkpoints("custom_voice")), "speaker": "Ryan",
              "options": {"temperature": 0.8, "top_k": 20, "subtalker_top_k": 5}}
    speaks = [{"text": TEXT, "seed": 3, "max_new_tokens": 8},
              {"text": TEXT, "seed": 3, "max_new_tokens": 8}]
    answer = drive(python, config, speaks, tmp_path)
    report("custom_voice", answer)
    assert answer["facts"]["mode"] == "custom_voice"
    assert answer["facts"]["ignored_options"] == ["subtalker_top_k"]
    first, again = (assert_real_audio(s) for s in answer["speaks"])
    assert np.array_equal(first, again)
    assert first.size <= 8 * SAMPLES_PER_TOKEN


def test_voice_design_speaks_from_a_description(python, checkpoints, tmp_path):
    config = {"model": str(checkpoints("voice_design")),
              "instruct": "A calm, warm narrator voice, moderate pace."}
    answer = drive(python, config, [{"text": TEXT, "seed": 5, "max_new_tokens": 8}], tmp_path)
    report("voice_design", answer)
    assert answer["facts"]["mode"] == "voice_design"
    assert assert_real_audio(answer["speaks"][0]).size <= 8 * SAMPLES_PER_TOKEN


def test_an_unknown_speaker_names_the_presets(python, checkpoints, tmp_path):
    config = {"model": str(checkpoints("custom_voice")), "speaker": "Nobody"}
    error = drive(python, config, [], tmp_path)["load_error"]
    assert "Nobody" in error["message"] and "ryan" in error["hint"].lower()
    assert error["fatal"] is True


def test_a_model_that_cannot_clone_says_which_can(python, checkpoints, reference_wav, tmp_path):
    config = {"model": str(checkpoints("custom_voice")), "reference_audio": str(reference_wav),
              "reference_text": "Hello, world."}
    error = drive(python, config, [], tmp_path)["load_error"]
    assert "cannot clone" in error["message"] and "Base" in error["hint"]


@pytest.mark.serial  # 5 s on the wall clock, mlx's import in it
def test_a_missing_model_fails_fast_without_the_network(python, tmp_path, monkeypatch):
    model = "mlx-community/Qwen3-TTS-12Hz-0.6B-Base-bf16"
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-hf-home"))  # the id cannot be there
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    config = {"model": model, "reference_audio": str(tmp_path / "x.wav")}
    started = time.monotonic()
    answer = drive(python, config, [], tmp_path / "out")
    error = answer["load_error"]
    assert model in error["message"] and "local Hugging Face cache" in error["message"]
    assert f"hf download {model}" in error["hint"]
    assert error["fatal"] is True
    assert answer["load_seconds"] < 5, "resolving a missing model must not wait on a network"
    assert time.monotonic() - started < 60


def test_a_missing_folder_is_named(python, tmp_path):
    error = drive(python, {"model": str(tmp_path / "no-such-model")}, [], tmp_path)["load_error"]
    assert "no-such-model" in error["message"]


def test_mlx_backend_through_the_worker_and_the_cache(python, checkpoints, tmp_path,
                                                      monkeypatch):
    """The backend a build uses: the worker process under the MLX interpreter, the cache."""
    from flaming_horse_voice import cache_for
    from flaming_horse_voice.backends.mlx import MlxBackend
    from flaming_horse_voice.settings import VoiceSettings

    monkeypatch.setenv("FLAMING_HORSE_MLX_PYTHON", python)
    settings = VoiceSettings(backend="mlx", model=str(checkpoints("custom_voice")))
    assert MlxBackend.availability(settings)[0]
    backend, cache = MlxBackend(settings), cache_for(tmp_path, settings)
    try:
        entry, made = cache.ensure("Hello there.", backend)
        assert backend.client.info["mode"] == "custom_voice"
    finally:
        backend.close()
    assert made and entry.duration > 0 and entry.backend == "mlx"
