#!/usr/bin/env python3
"""Real-time factor and time to first audio of every voice backend usable here, on one paragraph.

    .venv/bin/python scripts/bench_voice.py [--model-qwen DIR_OR_ID] [--model-mlx DIR_OR_ID]

- piper: the embedded voice.
- http: an OpenAI-compatible server on 127.0.0.1 that speaks with Piper (tests/speech_server.py),
  so the figure is Piper plus the HTTP round trip and the audio's encode and decode.
- qwen, mlx: the model given, else a tiny random Qwen3-TTS checkpoint built here
  (tests/tiny_qwen.py). Its sound is noise and its length is bounded by the token budget, so its
  figures measure the worker, the sentence loop and the engine's overhead, not a real model's speed.

Time to first audio: from a fresh backend (model not loaded, worker not started) to the first
sentence's samples. Real-time factor: seconds of compute per second of audio for the whole
paragraph, with the model loaded. Each backend runs in this one process, one after the other.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flaming_horse_voice.factory import backend_class, create_backend  # noqa: E402
from flaming_horse_voice.sentences import split_sentences  # noqa: E402
from flaming_horse_voice.settings import VoiceSettings  # noqa: E402

PARAGRAPH = ("A right triangle has one angle of ninety degrees. The side across from it is the "
             "hypotenuse, and it is always the longest side. Dr. Pythagoras, or rather his school, "
             "noticed something at about 500 B.C.: the square on the hypotenuse equals the sum of "
             "the squares on the other two sides. With legs of three and four, the squares are "
             "nine and sixteen, and together they make twenty five.")


def measure(settings: VoiceSettings) -> dict:
    backend = create_backend(settings)
    first = split_sentences(PARAGRAPH)[0]
    try:
        started = time.perf_counter()
        backend.synthesize(first)
        first_audio = time.perf_counter() - started
        started = time.perf_counter()
        clip = backend.synthesize(PARAGRAPH)
        compute = time.perf_counter() - started
    finally:
        backend.close()
    return {"ttfa": first_audio, "rtf": compute / clip.duration, "audio": clip.duration,
            "compute": compute}


def tiny_model(folder: Path) -> str | None:
    try:
        from tests.tiny_qwen import build_tiny_qwen3_tts
    except ImportError:
        return None
    return str(build_tiny_qwen3_tts(folder / "tiny-qwen", kind="custom_voice"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-qwen")
    parser.add_argument("--model-mlx")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="fh-bench-voice-") as tmp:
        runs = [("piper", VoiceSettings())]
        from tests.speech_server import SpeechServer

        server = SpeechServer()
        runs.append(("http", VoiceSettings(backend="http", base_url=server.url, model="tts-1",
                                           speaker="alloy")))
        tiny = None
        for name, model in (("qwen", args.model_qwen), ("mlx", args.model_mlx)):
            settings = VoiceSettings(backend=name, device="cpu")
            missing = backend_class(name)(settings).missing()
            if missing:
                rows.append((name, None, f"not installed: {', '.join(missing)}"))
                continue
            if model is None:
                tiny = tiny or tiny_model(Path(tmp))
                if tiny is None:
                    rows.append((name, None, "no model given and tests/tiny_qwen.py missing"))
                    continue
                model = tiny
            runs.append((f"{name} ({'tiny random' if model == tiny else Path(model).name})",
                         replace(settings, model=model)))
        for label, settings in runs:
            try:
                rows.append((label, measure(settings), ""))
            except Exception as exc:  # a backend that fails is reported, the others still run
                rows.append((label, None, getattr(exc, "message", None) or repr(exc)))
        server.close()
    print(f"{'backend':<22} {'first audio s':>13} {'RTF':>7} {'audio s':>8} {'compute s':>9}")
    for label, result, note in rows:
        if result is None:
            print(f"{label:<22} {'-':>13} {'-':>7} {'-':>8} {'-':>9}  {note}")
        else:
            print(f"{label:<22} {result['ttfa']:>13.2f} {result['rtf']:>7.3f} "
                  f"{result['audio']:>8.1f} {result['compute']:>9.2f}")
    piper = next((r for label, r, _ in rows if label == "piper" and r), None)
    if piper:
        for label, result, _ in rows:
            if result and label != "piper":
                print(f"{label}: RTF {result['rtf'] / piper['rtf']:.2f}x piper's")


if __name__ == "__main__":
    main()
