"""Voice settings: which backend speaks, with which model and options.

Read from the ``[voice]`` table of a project's ``flaming-horse.toml`` and from ``FLAMING_HORSE_VOICE*``
environment variables (the environment wins). Knows nothing about the rest of the pipeline, so a
hand-written manim-voiceover scene can use it too. Secrets (the http backend's API key) are not
settings: a backend reads them from the environment when it needs them, so they never reach a
project file, a cache key or a log.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from flaming_horse.errors import FlamingHorseError

PROJECT_FILE = "flaming-horse.toml"
ENV_PREFIX = "FLAMING_HORSE_VOICE"


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
    known = {f.name for f in fields(VoiceSettings)}
    unknown = set(data) - known
    if unknown:
        raise FlamingHorseError(f"unknown voice setting(s): {', '.join(sorted(unknown))}",
                                hint=f"known settings: {', '.join(sorted(known))}")
    values = dict(data)
    for name in ("length_scale", "sentence_silence"):
        if values.get(name) is not None:
            values[name] = float(values[name])
    for name in ("speaker", "base_url"):
        if values.get(name) is not None:
            values[name] = str(values[name])
    if not isinstance(values.get("options", {}), dict):
        raise FlamingHorseError("voice.options must be a table",
                                hint='write it as [voice.options] with one "name = value" a line')
    return replace(base, **values)


def from_environment(base: VoiceSettings) -> VoiceSettings:
    env = {
        "backend": os.environ.get(ENV_PREFIX),
        "model": os.environ.get(f"{ENV_PREFIX}_MODEL"),
        "speaker": os.environ.get(f"{ENV_PREFIX}_SPEAKER"),
        "length_scale": os.environ.get(f"{ENV_PREFIX}_LENGTH_SCALE"),
        "base_url": os.environ.get(f"{ENV_PREFIX}_BASE_URL"),
    }
    return from_mapping({k: v for k, v in env.items() if v}, base)


def load_voice_settings(project_dir: Path | str | None = None) -> VoiceSettings:
    """Defaults < the project's ``[voice]`` table < ``FLAMING_HORSE_VOICE*`` environment."""
    settings = VoiceSettings()
    if project_dir is not None:
        table = read_toml(Path(project_dir) / PROJECT_FILE).get("voice", {})
        settings = from_mapping(table, settings)
    return from_environment(settings)
