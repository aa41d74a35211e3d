"""The contract between the worker process and a speech engine (runs inside the worker).

An engine is built from a plain JSON-able ``config`` dict, loads its model once in ``load()`` and
then speaks one sentence per ``speak()`` call. It must not import anything from ``flaming_horse``:
only the standard library, numpy and its own library (imported lazily, inside ``load``).

config keys (all optional except ``model``):
    model            a local folder, or a Hugging Face id resolved from the local HF cache only
    device           "cpu" | "cuda" | "auto" (qwen only; mlx picks its own)
    dtype            "auto" (float32 on cpu, bfloat16 on cuda) | "float32" | "bfloat16" |
                     "float16" (qwen only)
    reference_audio  path to the voice reference WAV (voice cloning), or None
    reference_text   transcript of the reference audio, or None
    speaker          preset speaker name (CustomVoice models)
    instruct         voice description (VoiceDesign models)
    language         e.g. "English" (default "Auto")
    options          dict passed through to generation (temperature, top_p, ...)
"""

from __future__ import annotations

from typing import Any

import numpy as np


class EngineError(Exception):
    """A failure the user can act on (missing model, bad reference, ...): message and hint.

    ``fatal`` errors (the model cannot load) are not retried by restarting the worker."""

    def __init__(self, message: str, hint: str | None = None, fatal: bool = True) -> None:
        super().__init__(message)
        self.message, self.hint, self.fatal = message, hint, fatal


class Engine:
    name = ""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config

    def load(self) -> dict[str, Any]:
        """Load the model (once). Returns facts for the log, e.g. {"mode": "voice_clone" |
        "custom_voice" | "voice_design", "device": ..., "dtype": ..., "attn": ..., "model": path}."""
        raise NotImplementedError

    def speak(self, text: str, *, seed: int, max_new_tokens: int) -> tuple[np.ndarray, int]:
        """One sentence -> (mono float32 samples in [-1, 1], sample rate). Sampling is seeded with
        ``seed`` right before generation so the same inputs give the same audio."""
        raise NotImplementedError
