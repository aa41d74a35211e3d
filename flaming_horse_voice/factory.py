"""Backend registry: name -> "module:Class", imported only when that backend is used."""

from __future__ import annotations

import importlib

from flaming_horse.errors import FlamingHorseError
from flaming_horse_voice.backends.base import Backend
from flaming_horse_voice.settings import VoiceSettings

REGISTRY: dict[str, str] = {
    "piper": "flaming_horse_voice.backends.piper:PiperBackend",
}


def create_backend(settings: VoiceSettings) -> Backend:
    target = REGISTRY.get(settings.backend)
    if target is None:
        raise FlamingHorseError(f"unknown voice backend '{settings.backend}'",
                                hint=f"available backends: {', '.join(sorted(REGISTRY))}")
    module_name, _, class_name = target.partition(":")
    backend_class = getattr(importlib.import_module(module_name), class_name)
    return backend_class(settings)
