"""Qwen3-TTS inside the voice worker: load a checkpoint once, then speak one sentence per call.

The model type decides the mode: a Base checkpoint clones the voice of ``reference_audio`` (its
clone prompt is built once, in ``load``), a CustomVoice checkpoint speaks as a preset
``speaker``, a VoiceDesign checkpoint speaks as the voice described by ``instruct``.

Models come from a local folder or from the local Hugging Face cache; nothing is ever fetched
from the network. torch and qwen_tts are imported inside ``load``.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .engine import Engine, EngineError
from .models import cached_snapshot, hf_cache_dir

MODES = {"base": "voice_clone", "custom_voice": "custom_voice", "voice_design": "voice_design"}
DEFAULT_INSTRUCT = "A clear, warm narrator voice, calm and friendly, at a moderate pace."
# what qwen-tts's generate_* methods read; anything else it drops without a word
OPTIONS = frozenset({
    "do_sample", "top_k", "top_p", "temperature", "repetition_penalty", "subtalker_dosample",
    "subtalker_top_k", "subtalker_top_p", "subtalker_temperature", "non_streaming_mode"})
INSTALL_HINT = 'pip install "flaming-horse[qwen]" (or `make venv`, which also fixes torchaudio)'
_HF_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


class QwenEngine(Engine):
    name = "qwen"

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._tts: Any = None
        self._facts: dict[str, Any] = {}
        self._voice: dict[str, Any] = {}  # the per-mode keyword arguments of every generate call

    def load(self) -> dict[str, Any]:
        if self._tts is not None:
            return dict(self._facts)
        options = dict(self.config.get("options") or {})
        unknown = sorted(set(options) - OPTIONS - {"max_new_tokens"})
        if unknown:
            raise EngineError(f"unknown Qwen3-TTS generation option(s): {', '.join(unknown)}",
                              hint=f"known options: {', '.join(sorted(OPTIONS))}")
        path = resolve_model(str(self.config.get("model") or ""))
        torch = _import_torch()
        device, dtype, attn = _pick_device(torch, str(self.config.get("device") or "auto"),
                                           str(self.config.get("dtype") or "auto"))
        qwen_tts = _import_qwen_tts()
        try:
            tts = qwen_tts.Qwen3TTSModel.from_pretrained(
                str(path), dtype=dtype, device_map=device, attn_implementation=attn)
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise EngineError(f"could not load the Qwen3-TTS model at {path}: {exc}",
                              hint="check that the folder is a complete Qwen3-TTS checkpoint "
                                   "(config.json, model.safetensors, speech_tokenizer/)") from exc
        kind = str(getattr(tts.model, "tts_model_type", ""))
        if kind not in MODES:
            raise EngineError(f"{path} is not a Qwen3-TTS model this engine knows "
                              f"(tts_model_type={kind!r})",
                              hint="use a Qwen3-TTS-12Hz Base, CustomVoice or VoiceDesign model")
        _quiet_pad_warning(tts)
        language = self._check_language(tts, str(self.config.get("language") or "Auto"))
        self._voice = self._prepare_voice(tts, kind, path)
        self._options = {k: v for k, v in options.items() if k != "max_new_tokens"}
        self._language = language
        self._facts = {"mode": MODES[kind], "device": device.split(":")[0],
                       "dtype": str(dtype).replace("torch.", ""), "attn": attn, "model": str(path)}
        self._tts = tts  # last: a failed load leaves the engine unloaded
        return dict(self._facts)

    def speak(self, text: str, *, seed: int, max_new_tokens: int) -> tuple[np.ndarray, int]:
        if self._tts is None:
            self.load()
        import torch

        mode = self._facts["mode"]
        generate = {"voice_clone": self._tts.generate_voice_clone,
                    "custom_voice": self._tts.generate_custom_voice,
                    "voice_design": self._tts.generate_voice_design}[mode]
        _seed_everything(torch, seed)
        try:  # no stdout redirect here: generation prints nothing, and the worker may be
            # writing heartbeats to stdout from another thread meanwhile
            wavs, sample_rate = generate(text=text, language=self._language,
                                         max_new_tokens=int(max_new_tokens),
                                         **self._voice, **self._options)
        except (ValueError, TypeError, NotImplementedError) as exc:
            raise EngineError(f"Qwen3-TTS could not speak {text[:60]!r}: {exc}",
                              hint="check the [voice] options and language", fatal=False) from exc
        samples = np.asarray(wavs[0], dtype=np.float32).reshape(-1)
        return np.clip(samples, -1.0, 1.0), int(sample_rate)

    # -- the voice of each mode ----------------------------------------------------------------

    def _prepare_voice(self, tts: Any, kind: str, path: Path) -> dict[str, Any]:
        if kind == "base":
            return {"voice_clone_prompt": self._clone_prompt(tts, path)}
        if kind == "custom_voice":
            return {"speaker": self._pick_speaker(tts, path)}
        return {"instruct": str(self.config.get("instruct") or DEFAULT_INSTRUCT)}

    def _clone_prompt(self, tts: Any, path: Path) -> Any:
        """The voice-clone prompt (reference codes + speaker embedding), built once."""
        ref_audio = self.config.get("reference_audio")
        if not ref_audio:
            raise EngineError(
                f"{path.name} is a voice-cloning (Base) model and needs a reference voice",
                hint="put voice/ref.wav (a few seconds of clean speech) and voice/ref.txt (its "
                     "exact transcript) in the project, or use a CustomVoice or VoiceDesign model")
        ref = Path(str(ref_audio)).expanduser()
        if not ref.is_file():
            raise EngineError(f"reference audio not found: {ref}",
                              hint="voice/ref.wav in the project is the voice to clone")
        ref_text = str(self.config.get("reference_text") or "").strip()
        try:
            with _stdout_to_stderr():
                return tts.create_voice_clone_prompt(
                    ref_audio=str(ref), ref_text=ref_text or None,
                    x_vector_only_mode=not ref_text)  # no transcript: speaker embedding only
        except Exception as exc:  # a bad WAV surfaces from librosa/soundfile as anything
            raise EngineError(f"could not read the reference voice {ref}: {exc}",
                              hint="use a mono or stereo WAV of a few seconds") from exc

    def _pick_speaker(self, tts: Any, path: Path) -> str:
        speakers = list(tts.model.config.talker_config.spk_id or {})
        wanted = str(self.config.get("speaker") or "").strip()
        if not speakers:
            raise EngineError(f"{path.name} lists no preset speakers")
        if not wanted:
            return speakers[0]
        if wanted.lower() not in speakers:
            raise EngineError(f"speaker {wanted!r} is not one of {path.name}'s speakers",
                              hint=f"speakers: {', '.join(speakers)}")
        return wanted.lower()

    @staticmethod
    def _check_language(tts: Any, language: str) -> str:
        known = tts.get_supported_languages()
        if known is not None and language.lower() not in known:
            raise EngineError(f"language {language!r} is not supported by this model",
                              hint=f"languages: {', '.join(known)}")
        return language


def resolve_model(model: str) -> Path:
    """A local checkpoint folder, or a Hugging Face id found in the local HF cache only."""
    if not model:
        raise EngineError("no Qwen3-TTS model configured",
                          hint='set [voice] model = "Qwen/Qwen3-TTS-12Hz-0.6B-Base" or a folder')
    local = Path(model).expanduser()
    if local.is_dir():
        return local.resolve()
    if not _HF_ID.match(model) or local.exists():
        raise EngineError(f"Qwen3-TTS model folder not found: {model}",
                          hint="give a folder that holds config.json and speech_tokenizer/, "
                               "or a Hugging Face id that is in the local cache")
    cache = hf_cache_dir()
    snapshot = cached_snapshot(cache, model)
    if snapshot is None:
        raise EngineError(
            f"Qwen3-TTS model {model} is not in the local Hugging Face cache ({cache})",
            hint=f"on a connected machine: huggingface-cli download {model}, then copy its "
                 f"cache folder models--{model.replace('/', '--')} into {cache} (or copy the "
                 "downloaded folder here and set the model to its path)")
    return snapshot


def _pick_device(torch: Any, wanted: str, precision: str = "auto") -> tuple[str, Any, str]:
    """(device_map, torch dtype, attention) for ``device`` and ``dtype``: "auto" precision is
    float32 on the cpu and bfloat16 on cuda; a half precision on the cpu is allowed (the
    original flaming-horse's projects may ask for it) but noted on stderr, as it is slow there."""
    wanted, precision = wanted.lower(), precision.lower()
    if wanted not in ("cpu", "cuda", "auto"):
        raise EngineError(f"unknown device {wanted!r}", hint='device is "cpu", "cuda" or "auto"')
    dtypes = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
    if precision not in ("auto", *dtypes):
        raise EngineError(f"unknown dtype {precision!r}",
                          hint='dtype is "auto", "float32", "bfloat16" or "float16"')
    if wanted == "auto":
        wanted = "cuda" if torch.cuda.is_available() else "cpu"
    if wanted == "cpu":
        if precision in ("bfloat16", "float16"):
            print(f"note: dtype {precision} on the cpu is slower than float32 on most machines "
                  "and may sound worse; set [voice] dtype = \"auto\" for float32",
                  file=sys.stderr, flush=True)
        return "cpu", dtypes.get(precision, torch.float32), "sdpa"
    if not torch.cuda.is_available():
        raise EngineError("device is cuda but torch sees no CUDA GPU",
                          hint='set the voice device to "cpu" or "auto"')
    try:
        import flash_attn  # noqa: F401
        attn = "flash_attention_2"
    except Exception:  # not installed, or built for another torch/CUDA: sdpa is fine
        attn = "sdpa"
    if precision == "float32":  # flash-attention 2 runs in half precision only
        attn = "sdpa"
    use_tf32(torch)
    return "cuda:0", dtypes.get(precision, torch.bfloat16), attn


def use_tf32(torch: Any) -> bool:
    """TF32 matrix products on a GPU that has them (compute capability 8, Ampere, and later):
    what float32 work remains beside bfloat16 weights runs on the tensor cores. Returns whether
    it was turned on."""
    if torch.cuda.get_device_capability(0)[0] < 8:
        return False
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    return True


def _import_torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise EngineError(f"torch is not installed: {exc}", hint=INSTALL_HINT) from exc
    return torch


def _import_qwen_tts() -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # belt and braces: we only pass local folders
    try:
        with _stdout_to_stderr():  # qwen-tts prints its flash-attn notice on stdout at import
            import qwen_tts
    except ImportError as exc:
        raise EngineError(f"qwen-tts is not installed: {exc}", hint=INSTALL_HINT) from exc
    except OSError as exc:  # typically torchaudio's CUDA extension beside a CPU-only torch
        raise EngineError(f"qwen-tts could not be imported: {exc}",
                          hint="torchaudio's PyPI wheels are CUDA builds; beside a CPU-only torch "
                               "remove its compiled extension, torchaudio/lib/*.so in "
                               "site-packages (`make venv` does)") from exc
    return qwen_tts


def _seed_everything(torch: Any, seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # seeds every CUDA device too


def _quiet_pad_warning(tts: Any) -> None:
    """transformers warns "Setting pad_token_id to eos_token_id" on every sentence; set it so."""
    talker = getattr(tts.model, "talker", None)
    gen_config = getattr(talker, "generation_config", None)
    if gen_config is not None and gen_config.pad_token_id is None:
        gen_config.pad_token_id = tts.model.config.talker_config.codec_eos_token_id


@contextlib.contextmanager
def _stdout_to_stderr():
    """qwen-tts print()s notices on stdout (its flash-attn notice at import, "[WARNING] Min/Max
    value of input waveform" while embedding a reference voice); the worker's stdout carries
    the protocol, so those go to stderr."""
    with contextlib.redirect_stdout(sys.stderr):
        yield
