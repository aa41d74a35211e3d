"""A manim-voiceover SpeechService backed by our voice cache and a pluggable backend.

Differences from manim-voiceover's base class: one typed cache entry per clip, atomic index writes,
no duplicate appends on cache hits, and the backend (and its model) is only loaded on a cache miss.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from manim_voiceover_plus.services.base import SpeechService

from flaming_horse_voice.backends.base import Backend
from flaming_horse_voice.cache import CacheEntry, VoiceCache
from flaming_horse_voice.words import word_boundaries


class CachedSpeechService(SpeechService):
    def __init__(self, backend: Backend, cache: VoiceCache, **kwargs: Any) -> None:
        self.backend = backend
        self.cache = cache
        super().__init__(cache_dir=str(cache.folder), **kwargs)

    def _result(self, text: str, entry: CacheEntry) -> dict[str, Any]:
        # word_boundaries make bookmarks work (wait_until_bookmark, time_until_bookmark) with no
        # Whisper pass: the times come from the backend (Piper alignments) or an estimate.
        return {
            "input_text": text,
            "input_data": {"input_text": text, "service": self.backend.name},
            "original_audio": entry.audio,
            "final_audio": entry.audio,
            "duration": entry.duration,
            "key": entry.key,
            "word_boundaries": word_boundaries(entry.word_timings(), text, entry.duration),
            "timing": entry.timing,
        }

    def generate_from_text(self, text: str, cache_dir: str | None = None, path: str | None = None,
                           **kwargs: Any) -> dict[str, Any]:
        entry, _ = self.cache.ensure(text, self.backend)
        return self._result(text, entry)

    def _wrap_generate_from_text(self, text: str, path: str | None = None, **kwargs: Any) -> dict:
        # The base class also transcribes, changes speed and appends to its own cache.json on every
        # call (hit or miss). Our cache owns the index, so none of that happens here.
        return self.generate_from_text(text, path=path, **kwargs)

    def get_cached_result(self, input_data: dict, cache_dir: Any) -> dict | None:
        text = input_data.get("input_text", "")
        entry = self.cache.get(self.cache.key_for(text, self.backend))
        return None if entry is None else self._result(text, entry)

    @property
    def audio_dir(self) -> Path:
        return self.cache.folder
