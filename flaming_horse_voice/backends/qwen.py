"""qwen: Qwen3-TTS through the ``qwen-tts`` package (pip extra ``qwen``), in a worker process.

``device = "cpu"`` runs in float32; ``"cuda"`` in bfloat16 with flash-attention 2 when it is
installed (sdpa otherwise); ``"auto"`` picks cuda when there is one. The model is a local folder or
a Hugging Face id found in the local HF cache (never downloaded during a build). With a voice
reference (``voice/ref.wav`` + ``voice/ref.txt``) a Base model clones it; without one a CustomVoice
model speaks in a preset speaker, a VoiceDesign model in the voice ``instruct`` describes.
"""

from __future__ import annotations

from flaming_horse_voice.backends.worker import WorkerBackend

CLONE_MODEL = "Qwen/Qwen3-TTS-12Hz-0.6B-Base"
PRESET_MODEL = "Qwen/Qwen3-TTS-12Hz-0.6B-CustomVoice"


class QwenBackend(WorkerBackend):
    name = "qwen"
    engine = "qwen"
    pip_extra = "qwen"
    modules = ("torch", "qwen_tts")

    def default_model(self) -> str:
        return CLONE_MODEL if self.settings.reference else PRESET_MODEL
