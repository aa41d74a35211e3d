"""Qwen3-TTS through ``mlx-audio`` (runs inside the worker process).

MLX is Apple Silicon's array library; it also runs on Linux with ``mlx[cpu]``. mlx-audio needs
transformers 5 while qwen-tts pins transformers 4, so this engine usually runs under its own
interpreter (``FLAMING_HORSE_MLX_PYTHON``). Like every worker-side module it imports only the
standard library, numpy and its own library (mlx, mlx_audio), the latter lazily; a Hugging Face
id is found in the cache the way the qwen engine finds it (``worker/models.py``).

The model is loaded once per process. A Hugging Face id is resolved from the local cache only:
this engine never downloads, so a missing model fails at once with the command that fetches it.

Modes, decided at load time from the model's ``tts_model_type`` and the config:

    voice_clone   Base model + ``reference_audio`` (+ ``reference_text``; without a transcript only
                  the speaker embedding is used). The reference is read and resampled once; mlx-audio
                  caches its codec tokens per model, so it is encoded on the first sentence only.
    custom_voice  CustomVoice model + ``speaker`` (a preset name); ``instruct`` is an optional style.
    voice_design  VoiceDesign model + ``instruct`` (a description of the voice).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from flaming_horse_voice.worker.engine import Engine, EngineError
from flaming_horse_voice.worker.models import cached_snapshot, hf_cache_dir

INSTALL_HINT = ("install mlx-audio into the interpreter that runs the worker: on macOS "
                "`pip install mlx-audio==0.6.2`, on Linux `pip install 'mlx[cpu]==0.32.4' "
                "mlx-audio==0.6.2`; then point FLAMING_HORSE_MLX_PYTHON at that interpreter")
MODEL_FAMILY = "mlx-community/Qwen3-TTS-12Hz-0.6B-Base-bf16 (voice cloning) or " \
               "mlx-community/Qwen3-TTS-12Hz-0.6B-CustomVoice-bf16 (preset speakers)"
# mlx-audio's generate() honours these sampling options; anything else in ``options`` is ignored
# and named in load()'s facts.
SAMPLING_OPTIONS = ("temperature", "top_k", "top_p", "repetition_penalty")
MODE_OF_TYPE = {"base": "voice_clone", "custom_voice": "custom_voice",
                "voice_design": "voice_design"}


def resolve_model(spec: str) -> Path:
    """A local folder, or a Hugging Face id found in the local HF cache (never the network)."""
    if not spec:
        raise EngineError("no mlx model is configured",
                          hint=f"set the voice model, e.g. {MODEL_FAMILY}")
    path = Path(spec).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise EngineError(f"{path} is not a Qwen3-TTS model folder (it has no config.json)",
                              hint="point the model setting at the folder that holds config.json, "
                                   "model.safetensors and speech_tokenizer/")
        return path
    if path.exists() or spec.startswith((".", "/", "~")) or spec.count("/") != 1:
        raise EngineError(f"mlx model folder not found: {spec}",
                          hint="give an existing folder or a Hugging Face id such as "
                               f"{MODEL_FAMILY}")
    fetch = (f"on a connected machine run `hf download {spec}` (it fills the Hugging Face cache, "
             "~/.cache/huggingface/hub; copy that cache here or set HF_HOME), or download the "
             "folder and set the model to its path")
    cache = hf_cache_dir()
    folder = cached_snapshot(cache, spec)
    if folder is None:
        raise EngineError(f"mlx model {spec} is not in the local Hugging Face cache ({cache}; "
                          "and no folder of that name exists; this tool never downloads models)",
                          hint=fetch)
    return folder


class MlxEngine(Engine):
    name = "mlx"

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._model: Any = None
        self._facts: dict[str, Any] = {}
        self._kwargs: dict[str, Any] = {}

    # -- loading ------------------------------------------------------------------------------
    def load(self) -> dict[str, Any]:
        if self._model is not None:
            return dict(self._facts)
        config = self.config
        spec = str(config.get("model") or "")
        # Belt and braces: nothing below may reach the hub, even through a path we did not foresee.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        folder = resolve_model(spec)
        try:
            import mlx.core as mx
            from mlx.utils import tree_flatten
            from mlx_audio.tts.utils import load_model
            from mlx_audio.utils import load_audio
        except ImportError as exc:
            raise EngineError(f"mlx-audio is not installed ({exc.name or exc} is missing)",
                              hint=INSTALL_HINT) from exc

        mode, kwargs = self._plan(folder, spec)

        started = time.monotonic()
        try:
            model = load_model(folder)
        except Exception as exc:
            raise EngineError(f"mlx-audio could not load the model {spec}: "
                              f"{type(exc).__name__}: {exc}",
                              hint="the folder must be a Qwen3-TTS checkpoint that mlx-audio "
                                   f"0.6 reads, e.g. {MODEL_FAMILY}") from exc
        # mlx-audio's post-load hook prints a warning and carries on when these fail; a model
        # without them cannot speak, so this is where it fails.
        if getattr(model, "tokenizer", None) is None:
            raise EngineError(f"the text tokenizer of {spec} could not be loaded",
                              hint="the model folder needs tokenizer files (vocab.json, "
                                   "merges.txt, tokenizer_config.json); see the warning above")
        if getattr(model, "speech_tokenizer", None) is None:
            raise EngineError(f"the speech tokenizer of {spec} could not be loaded",
                              hint="the model folder needs speech_tokenizer/ with config.json "
                                   "and model.safetensors; see the warning above")

        model_type = getattr(model.config, "tts_model_type", "base")
        if mode == "custom_voice":
            speakers = [str(s) for s in model.get_supported_speakers()]
            if kwargs["voice"] is None and speakers:  # as the qwen engine: the first preset
                kwargs["voice"] = speakers[0]
            if (kwargs["voice"] or "").lower() not in [s.lower() for s in speakers]:
                raise EngineError(f"speaker {kwargs['voice']!r} is not one of this model's "
                                  f"preset speakers", hint=f"choose one of: {', '.join(speakers)}")
        if mode == "voice_clone":
            ref = Path(kwargs.pop("reference_path"))
            try:
                audio = load_audio(str(ref), sample_rate=model.sample_rate)
                mx.eval(audio)
            except Exception as exc:
                raise EngineError(f"the reference audio {ref} could not be read: {exc}",
                                  hint="use a mono or stereo WAV of 3-20 s of clear speech") \
                    from exc
            if audio.size == 0:
                raise EngineError(f"the reference audio {ref} is empty",
                                  hint="use a WAV of 3-20 s of clear speech")
            if model_type == "base" and model.speech_tokenizer.has_encoder is False \
                    and kwargs.get("ref_text"):
                raise EngineError(f"{spec} has no speech-tokenizer encoder, so it cannot clone "
                                  "a voice from a transcript",
                                  hint="use a Base model whose speech_tokenizer has an encoder")
            kwargs["ref_audio"] = audio  # resampled once; an mx.array passes through as is
        self._kwargs = kwargs

        leaves = [v for _, v in tree_flatten(model.talker.parameters())]
        dtype = str(leaves[0].dtype).replace("mlx.core.", "") if leaves else "unknown"
        device = mx.default_device()
        self._model = model
        self._facts = {"mode": mode, "device": getattr(device.type, "name", str(device.type)),
                       "dtype": dtype, "model": str(folder),
                       "sample_rate": int(model.sample_rate),
                       "load_seconds": round(time.monotonic() - started, 3)}
        ignored = sorted(set(config.get("options") or {}) - set(SAMPLING_OPTIONS))
        if ignored:
            self._facts["ignored_options"] = ignored
        return dict(self._facts)

    def _plan(self, folder: Path, spec: str) -> tuple[str, dict[str, Any]]:
        """The mode and generate() arguments, checked against the model type before loading."""
        import json

        config = self.config
        try:
            model_config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise EngineError(f"the config.json of {spec} is unreadable: {exc}") from exc
        if model_config.get("model_type") != "qwen3_tts":
            raise EngineError(f"{spec} is not a Qwen3-TTS model (model_type "
                              f"{model_config.get('model_type')!r})",
                              hint=f"use a Qwen3-TTS model, e.g. {MODEL_FAMILY}")
        model_type = str(model_config.get("tts_model_type", "base"))
        mode = MODE_OF_TYPE.get(model_type)
        if mode is None:
            raise EngineError(f"{spec} has an unknown Qwen3-TTS model type {model_type!r}")

        reference = config.get("reference_audio")
        speaker = config.get("speaker")
        instruct = config.get("instruct")
        options = config.get("options") or {}
        kwargs: dict[str, Any] = {"lang_code": str(config.get("language") or "auto").lower()}
        kwargs.update({k: options[k] for k in SAMPLING_OPTIONS if options.get(k) is not None})

        if mode == "voice_clone":
            if not reference:
                raise EngineError(f"{spec} is a Base model: it speaks only in a cloned voice and "
                                  "needs reference_audio (and its reference_text)",
                                  hint="set a voice reference, or use a CustomVoice model with a "
                                       "preset speaker, e.g. "
                                       "mlx-community/Qwen3-TTS-12Hz-0.6B-CustomVoice-bf16")
            reference_path = Path(str(reference)).expanduser()
            if not reference_path.is_file():
                raise EngineError(f"the reference audio {reference_path} does not exist",
                                  hint="record or choose a WAV of 3-20 s of clear speech")
            kwargs["reference_path"] = str(reference_path)
            text = config.get("reference_text")
            if text:
                kwargs["ref_text"] = str(text)
        elif reference:
            raise EngineError(f"{spec} is a {model_type} model and cannot clone a voice",
                              hint="voice cloning needs a Base model, e.g. "
                                   "mlx-community/Qwen3-TTS-12Hz-0.6B-Base-bf16")
        elif mode == "custom_voice":
            kwargs["voice"] = str(speaker) if speaker else None  # None: the model's first preset
            if instruct:
                kwargs["instruct"] = str(instruct)
        else:  # voice_design
            if not instruct:
                raise EngineError(f"{spec} is a VoiceDesign model and needs instruct, a "
                                  "description of the voice",
                                  hint="e.g. instruct = \"A calm, warm male voice, mid pitch\"")
            kwargs["instruct"] = str(instruct)
        return mode, kwargs

    # -- speaking -----------------------------------------------------------------------------
    def speak(self, text: str, *, seed: int, max_new_tokens: int) -> tuple[np.ndarray, int]:
        if self._model is None:
            self.load()
        import mlx.core as mx

        model = self._model
        if max_new_tokens < 1:
            raise EngineError(f"max_new_tokens must be at least 1 (got {max_new_tokens})",
                              fatal=False)
        # The seed goes in right before generation: mlx-audio samples with mx.random only.
        mx.random.seed(int(seed) % (2 ** 64))
        np.random.seed(int(seed) % (2 ** 32))
        try:
            results = list(model.generate(text=text, max_tokens=int(max_new_tokens),
                                          split_pattern="", verbose=False, stream=False,
                                          **self._kwargs))
        except ValueError as exc:  # mlx-audio's way of saying the inputs do not fit the model
            raise EngineError(f"mlx-audio refused the sentence: {exc}", fatal=False) from exc
        parts = [np.asarray(r.audio.astype(mx.float32)).reshape(-1) for r in results]
        samples = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
        if samples.size == 0:
            raise EngineError(f"the model produced no audio for {text[:60]!r}",
                              hint="try another seed or a longer max_new_tokens", fatal=False)
        if not np.all(np.isfinite(samples)):
            raise EngineError(f"the model produced invalid (non-finite) audio for {text[:60]!r}",
                              fatal=False)
        return np.clip(samples, -1.0, 1.0).astype(np.float32, copy=False), int(model.sample_rate)
