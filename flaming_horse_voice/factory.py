"""Backend registry: name -> "module:Class", imported only when that backend is used."""

from __future__ import annotations

import importlib

from flaming_horse.errors import FlamingHorseError
from flaming_horse_voice.backends.base import Backend
from flaming_horse_voice.settings import VoiceSettings

REGISTRY: dict[str, str] = {
    "piper": "flaming_horse_voice.backends.piper:PiperBackend",
    "http": "flaming_horse_voice.backends.http:HttpBackend",
    "qwen": "flaming_horse_voice.backends.qwen:QwenBackend",
    "mlx": "flaming_horse_voice.backends.mlx:MlxBackend",
}


def backend_class(name: str) -> type[Backend]:
    target = REGISTRY.get(name)
    if target is None:
        raise FlamingHorseError(f"unknown voice backend '{name}'",
                                hint=f"available backends: {', '.join(sorted(REGISTRY))}")
    module_name, _, class_name = target.partition(":")
    return getattr(importlib.import_module(module_name), class_name)


def create_backend(settings: VoiceSettings) -> Backend:
    return backend_class(settings.backend)(settings)


def availability(name: str, settings: VoiceSettings) -> tuple[bool, str]:
    """(usable, why) for backend ``name`` under ``settings``; never raises, loads no model."""
    try:
        return backend_class(name).availability(settings)
    except Exception as exc:  # a backend that cannot even be imported is what we report
        return False, getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
