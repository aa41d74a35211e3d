"""Voice settings: which backend speaks, with which model and options.

Read from the ``[voice]`` table of a project's ``flaming-horse.toml`` and from ``FLAMING_HORSE_VOICE*``
environment variables (the environment wins). Knows nothing about the rest of the pipeline, so a
hand-written manim-voiceover scene can use it too. Secrets (the http backend's API key) are not
settings: a backend reads them from the environment when it needs them, so they never reach a
project file, a cache key or a log.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from flaming_horse.errors import FlamingHorseError
from flaming_horse_voice.tables import refuse_unknown

PROJECT_FILE = "flaming-horse.toml"
ENV_PREFIX = "FLAMING_HORSE_VOICE"
SETTINGS_ENV = "FLAMING_HORSE_VOICE_SETTINGS"  # the whole resolved settings, for a render process
DEVICES = ("auto", "cpu", "cuda")
DTYPES = ("auto", "float32", "bfloat16", "float16")
REFERENCE_DEFAULT = Path("voice") / "ref.wav"


@dataclass(frozen=True)
class VoiceSettings:
    backend: str = "piper"
    """Backend name in the factory registry (``flaming-horse voices`` would list them)."""
    model: str | None = None
    """Backend model: for piper a path to an .onnx voice (None: the embedded default voice); for
    http the server's model name (e.g. "tts-1")."""
    speaker: str | None = None
    """Speaker id or name for multi-speaker models; for http the server's ``voice`` ("alloy")."""
    length_scale: float | None = None
    """Speaking rate: >1 is slower, <1 faster (piper). None keeps the voice's own default."""
    sentence_silence: float = 0.2
    """Seconds of silence placed between sentences of one clip."""
    options: dict[str, Any] = field(default_factory=dict)
    """Backend-specific extras, passed through unchanged."""
    base_url: str | None = None
    """Where a remote backend lives (http: the OpenAI-compatible API root, e.g.
    ``http://localhost:8000/v1``). A deployment detail, so it is not part of ``identity()``:
    the same model and voice served from another host give the same clips."""
    device: str = "auto"
    """qwen: "cpu" (float32), "cuda" (bfloat16) or "auto" (cuda when available). Not part of the
    cache key: the same seed and text are the same clip wherever they were made."""
    dtype: str = "auto"
    """qwen: the weights' precision, "auto" (float32 on cpu, bfloat16 on cuda), "float32",
    "bfloat16" or "float16". Like the device, not part of the cache key."""
    seed: int = 0
    """Sampling seed for qwen and mlx, so a rebuild is reproducible (part of the cache key)."""
    language: str | None = None
    """qwen and mlx: the narration's language ("English", ...); None lets the model detect it."""
    instruct: str | None = None
    """qwen and mlx VoiceDesign models: a description of the voice to speak in."""
    reference: str | None = None
    """qwen and mlx voice cloning: a WAV of the voice, with its transcript beside it (same name,
    ``.txt``). Relative to the project folder; default ``voice/ref.wav`` when that file exists.
    Its bytes and transcript are hashed into the cache key, never its path."""
    reference_text: str | None = None
    """The file holding the reference's transcript, relative to the project folder; None: the
    reference's own path with ``.txt``. Its text counts in the cache key, never its path."""
    verify: Any = None
    """``[voice.verify]``: how clips are heard and checked (``flaming_horse_voice.hearing``);
    a table, or ``"off"``. Not part of the cache key."""

    def identity(self) -> dict[str, Any]:
        """Everything that changes the sound, for the cache key."""
        return {"backend": self.backend, "model": self.model, "speaker": self.speaker,
                "length_scale": self.length_scale, "sentence_silence": self.sentence_silence,
                "options": self.options}


def read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise FlamingHorseError(f"{path} is not valid TOML: {exc}",
                                hint="fix the file or delete it to use the defaults")


def from_mapping(data: dict[str, Any], base: VoiceSettings | None = None) -> VoiceSettings:
    base = base or VoiceSettings()
    refuse_unknown(data, VoiceSettings, "voice")
    values = dict(data)
    for name in ("length_scale", "sentence_silence"):
        if values.get(name) is not None:
            values[name] = float(values[name])
    if values.get("seed") is not None:
        try:
            values["seed"] = int(values["seed"])
        except (TypeError, ValueError):
            raise FlamingHorseError(f"voice seed {values['seed']!r} is not a whole number",
                                    hint="write e.g. seed = 7 under [voice]")
    if values.get("device") is not None and values["device"] not in DEVICES:
        raise FlamingHorseError(f"unknown voice device {values['device']!r}",
                                hint=f"one of: {', '.join(DEVICES)}")
    if values.get("dtype") is not None and values["dtype"] not in DTYPES:
        raise FlamingHorseError(f"unknown voice dtype {values['dtype']!r}",
                                hint=f"one of: {', '.join(DTYPES)} (auto: float32 on cpu, "
                                     "bfloat16 on cuda)")
    for name in ("speaker", "base_url", "language", "instruct", "reference", "reference_text"):
        if values.get(name) is not None:
            values[name] = str(values[name])
    if not isinstance(values.get("options", {}), dict):
        raise FlamingHorseError("voice.options must be a table",
                                hint='write it as [voice.options] with one "name = value" a line')
    if "verify" in values:
        from flaming_horse_voice.hearing.settings import parse

        parse(values["verify"])  # refused now, with its own message, not mid-build
    return replace(base, **values)


def hearing(settings: VoiceSettings):
    """The ``[voice.verify]`` settings (``flaming_horse_voice.hearing.settings``), with the
    narration's language taken from ``[voice] language`` when verify names none."""
    from flaming_horse_voice.hearing.settings import parse

    parsed = parse(settings.verify)
    if parsed.language is None and settings.language:
        parsed = replace(parsed, language=settings.language)
    return parsed


def from_environment(base: VoiceSettings) -> VoiceSettings:
    env = {
        "backend": os.environ.get(ENV_PREFIX),
        "model": os.environ.get(f"{ENV_PREFIX}_MODEL"),
        "speaker": os.environ.get(f"{ENV_PREFIX}_SPEAKER"),
        "length_scale": os.environ.get(f"{ENV_PREFIX}_LENGTH_SCALE"),
        "base_url": os.environ.get(f"{ENV_PREFIX}_BASE_URL"),
        "device": os.environ.get(f"{ENV_PREFIX}_DEVICE"),
        "dtype": os.environ.get(f"{ENV_PREFIX}_DTYPE"),
        "seed": os.environ.get(f"{ENV_PREFIX}_SEED"),
    }
    return from_mapping({k: v for k, v in env.items() if v}, base)


def with_reference(settings: VoiceSettings, project_dir: Path | str) -> VoiceSettings:
    """``reference`` (and ``reference_text``) made absolute against the project; the project's
    ``voice/ref.wav`` when none is set and that file exists."""
    root = Path(project_dir).resolve()
    if settings.reference_text:
        settings = replace(settings, reference_text=str(root / settings.reference_text))
    if settings.reference:
        return replace(settings, reference=str(root / settings.reference))
    if (root / REFERENCE_DEFAULT).is_file():
        return replace(settings, reference=str(root / REFERENCE_DEFAULT))
    return settings


def to_environment(settings: VoiceSettings) -> dict[str, str]:
    """Environment that makes another process (a scene render) resolve exactly these settings."""
    return {SETTINGS_ENV: json.dumps(asdict(settings), sort_keys=True)}


def load_voice_settings(project_dir: Path | str | None = None) -> VoiceSettings:
    """Defaults < the project's ``[voice]`` table < ``FLAMING_HORSE_VOICE*`` environment; or,
    inside a render started by the pipeline, exactly the pipeline's settings."""
    if os.environ.get(SETTINGS_ENV):
        return from_mapping(json.loads(os.environ[SETTINGS_ENV]))
    settings = VoiceSettings()
    if project_dir is not None:
        table = read_toml(Path(project_dir) / PROJECT_FILE).get("voice", {})
        settings = from_mapping(table, settings)
    settings = from_environment(settings)
    return settings if project_dir is None else with_reference(settings, project_dir)
