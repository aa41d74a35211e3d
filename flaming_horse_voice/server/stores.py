"""What the server keeps between requests: finished answers (an LRU bounded in bytes, keyed by
every request parameter) and cloning references (each written once, as the engine reads them,
keyed by their content). cachetools gives the LRU: a size-bounded, well-kept implementation
(``getsizeof`` counts each answer's bytes)."""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cachetools import LRUCache

from flaming_horse_voice.atomic import write_bytes


@dataclass(frozen=True)
class Answer:
    """A finished non-streamed answer: its body and headers."""

    body: bytes
    headers: dict[str, str]
    media_type: str


def request_key(fields: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


class AnswerCache:
    """Finished answers, the least recently used dropped first once ``megabytes`` are held;
    0 turns it off. Safe across the event loop and the worker thread."""

    def __init__(self, megabytes: float) -> None:
        self.limit = int(megabytes * 1024 * 1024)
        self._lock = threading.Lock()
        self._lru: LRUCache | None = LRUCache(
            maxsize=self.limit, getsizeof=lambda a: len(a.body) + 512) if self.limit > 0 else None

    def get(self, key: str) -> Answer | None:
        if self._lru is None:
            return None
        with self._lock:
            return self._lru.get(key)

    def put(self, key: str, answer: Answer) -> None:
        if self._lru is None or len(answer.body) + 512 > self.limit:
            return
        with self._lock:
            self._lru[key] = answer

    @property
    def bytes(self) -> int:
        return int(self._lru.currsize) if self._lru is not None else 0


class ReferenceStore:
    """Cloning references as files the engine loads (a WAV and its transcript beside it), one
    per distinct content, under ``folder`` (a temporary one by default, made at the first
    reference and removed on close: a server that never clones, or fails to start, leaves none)."""

    def __init__(self, folder: Path | None = None, keep: int = 32) -> None:
        self._own = folder is None
        self._folder = Path(folder) if folder is not None else None
        self._known: LRUCache = LRUCache(maxsize=keep)
        self._lock = threading.Lock()

    @property
    def folder(self) -> Path:
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="fh-voice-refs-"))
        self._folder.mkdir(parents=True, exist_ok=True)
        return self._folder

    def add(self, wav: bytes, transcript: str) -> tuple[str, str, bool]:
        """(WAV path, transcript path, whether it was stored before) for this reference."""
        text = " ".join(transcript.split())
        digest = hashlib.sha256(wav + b"\0" + text.encode()).hexdigest()[:32]
        with self._lock:
            audio, words = self.folder / f"{digest}.wav", self.folder / f"{digest}.txt"
            seen = digest in self._known and audio.is_file() and words.is_file()
            if not seen:
                write_bytes(audio, wav)
                write_bytes(words, text.encode("utf-8"))
            self._known[digest] = True
        return str(audio), str(words), seen

    def close(self) -> None:
        if self._own and self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
