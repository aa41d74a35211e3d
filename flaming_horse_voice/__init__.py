"""Voice services for flaming-horse, usable on their own inside any manim-voiceover scene:

    from flaming_horse_voice import get_speech_service
    self.set_speech_service(get_speech_service("projects/my_video"))
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flaming_horse_voice.settings import VoiceSettings, load_voice_settings

if TYPE_CHECKING:
    from flaming_horse_voice.cache import VoiceCache
    from flaming_horse_voice.service import CachedSpeechService

__all__ = ["VoiceSettings", "cache_for", "get_speech_service", "load_voice_settings"]

EVENTS_FILE = Path("log") / "events.jsonl"


def cache_for(project_dir: Path | str, settings: VoiceSettings) -> "VoiceCache":
    from flaming_horse_voice.cache import VoiceCache

    project_dir = Path(project_dir)
    return VoiceCache(project_dir / "media" / "voice" / settings.backend,
                      events=project_dir / EVENTS_FILE)


def get_speech_service(project_dir: Path | str = ".",
                       settings: VoiceSettings | None = None) -> "CachedSpeechService":
    """A manim-voiceover SpeechService for ``project_dir`` (its flaming-horse.toml and voice cache)."""
    from flaming_horse_voice.factory import create_backend
    from flaming_horse_voice.service import CachedSpeechService

    settings = settings or load_voice_settings(project_dir)
    return CachedSpeechService(create_backend(settings), cache_for(project_dir, settings))
