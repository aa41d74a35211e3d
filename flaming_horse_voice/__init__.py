"""Voice services for flaming-horse, usable on their own inside any manim-voiceover scene:

    from flaming_horse_voice import get_speech_service
    self.set_speech_service(get_speech_service("projects/my_video"))
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flaming_horse_voice.settings import PROJECT_FILE, VoiceSettings, load_voice_settings

if TYPE_CHECKING:
    from flaming_horse_voice.cache import VoiceCache
    from flaming_horse_voice.service import CachedSpeechService

__all__ = ["VoiceSettings", "cache_for", "get_speech_service", "load_voice_settings"]

EVENTS_FILE = Path("log") / "events.jsonl"
# the original flaming-horse's narration ({key: text}), named here so that telling its projects
# apart (flaming_horse.original_layout, on every command) does not import the converter
LEGACY_SCRIPT = "narration_script.py"


def cache_for(project_dir: Path | str, settings: VoiceSettings,
              events: bool = True) -> "VoiceCache":
    """The voice cache of a project folder, its events (each clip spoken) logged to
    log/events.jsonl there (``events=False``: only where ``events_file`` finds a project)."""
    from flaming_horse_voice.cache import VoiceCache

    project_dir = Path(project_dir)
    return VoiceCache(project_dir / "media" / "voice" / settings.backend,
                      events=project_dir / EVENTS_FILE if events else events_file(project_dir))


def events_file(project_dir: Path) -> Path | None:
    """``log/events.jsonl`` of a flaming-horse project (its flaming-horse.toml, script.md or
    project_state.json is there); None elsewhere, or when "log" there is not a folder."""
    markers = (PROJECT_FILE, "script.md", "project_state.json")
    log = project_dir / EVENTS_FILE.parent
    if not any((project_dir / name).is_file() for name in markers) or \
            (log.exists() and not log.is_dir()):
        return None
    return project_dir / EVENTS_FILE


def get_speech_service(project_dir: Path | str = ".",
                       settings: VoiceSettings | None = None) -> "CachedSpeechService":
    """A manim-voiceover SpeechService for ``project_dir`` (its flaming-horse.toml and voice cache)."""
    from flaming_horse_voice.factory import create_backend
    from flaming_horse_voice.service import CachedSpeechService

    settings = settings or load_voice_settings(project_dir)
    # a plain manim-voiceover scene's folder gets the voice cache and no log of ours
    return CachedSpeechService(create_backend(settings),
                               cache_for(project_dir, settings, events=False))
