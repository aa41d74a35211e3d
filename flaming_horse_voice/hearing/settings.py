"""``[voice.verify]``: whether clips are heard, by which model, and how strictly.

It sits under ``[voice]`` (``verify = "off"`` or a table) because it judges the voice; it is not
part of a clip's cache key (hearing never changes the sound of a clip that passes).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any

from flaming_horse.errors import FlamingHorseError
from flaming_horse_voice.tables import refuse_unknown

ENV = "FLAMING_HORSE_VOICE_VERIFY"  # "off" / "on"
DEFAULT_THRESHOLD = 0.4
DEFAULT_RETRIES = 2
OFF_WORDS = {"off", "false", "no", "0", "none"}
ON_WORDS = {"on", "true", "yes", "1"}


@dataclass(frozen=True)
class HearingSettings:
    enabled: bool = True
    """Hear every clip (the default). ``verify = "off"`` skips it: no check, character estimates."""
    model: str | None = None
    """None: the embedded Whisper tiny.en (English). Else a faster-whisper model folder, or a
    Hugging Face id already in the local cache (e.g. ``Systran/faster-whisper-small``)."""
    threshold: float = DEFAULT_THRESHOLD
    """Word error rate above which a clip fails (with at least two real errors)."""
    retries: int = DEFAULT_RETRIES
    """Further takes (the next seeds) for a failing clip of a backend that samples (qwen, mlx)."""
    language: str | None = None
    """The narration's language code ("en", "de"); None: from ``[voice] language``, else English."""

    def identity(self) -> dict[str, Any]:
        """What changes a verdict (for the hashes of the units that use verdicts)."""
        return {"enabled": self.enabled, "model": self.model, "threshold": self.threshold}


def _switch(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    return False if word in OFF_WORDS else True if word in ON_WORDS else None


def parse(value: Any) -> HearingSettings:
    """``verify`` as written: a table, a switch ("off", false, "on"), or nothing (the defaults)."""
    if value is None or value == {}:
        settings = HearingSettings()
    elif isinstance(value, dict):
        refuse_unknown(value, HearingSettings, "[voice.verify]")
        values = dict(value)
        if "enabled" in values:
            switch = _switch(values["enabled"])
            if switch is None:
                raise FlamingHorseError(f"[voice.verify] enabled = {values['enabled']!r} is "
                                        "neither on nor off", hint="write enabled = false")
            values["enabled"] = switch
        try:
            if "threshold" in values:
                values["threshold"] = float(values["threshold"])
            if "retries" in values:
                values["retries"] = int(values["retries"])
        except (TypeError, ValueError):
            raise FlamingHorseError("[voice.verify] threshold must be a number and retries a "
                                    "whole number", hint="e.g. threshold = 0.4, retries = 2")
        if not 0 < values.get("threshold", DEFAULT_THRESHOLD) <= 1:
            raise FlamingHorseError(f"[voice.verify] threshold {values['threshold']} is not in "
                                    "(0, 1]", hint="a word error rate: 0.4 fails a clip when "
                                                   "more than 4 words in 10 differ")
        if values.get("retries", 0) < 0:
            raise FlamingHorseError("[voice.verify] retries cannot be negative",
                                    hint="0 keeps the first take")
        for name in ("model", "language"):
            if values.get(name) is not None:
                values[name] = str(values[name])
        settings = HearingSettings(**values)
    else:
        switch = _switch(value)
        if switch is None:
            raise FlamingHorseError(f"[voice] verify = {value!r} is not understood",
                                    hint='write verify = "off", or a [voice.verify] table')
        settings = HearingSettings(enabled=switch)
    env = os.environ.get(ENV)
    if env:
        switch = _switch(env)
        if switch is None:
            raise FlamingHorseError(f"{ENV}={env!r} is neither on nor off", hint=f"{ENV}=off")
        settings = replace(settings, enabled=switch)
    return settings
