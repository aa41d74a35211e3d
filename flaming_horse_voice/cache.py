"""The voice cache: ``<folder>/cache.json`` indexing MP3 clips by a hash of what was spoken and how.

One entry per key (a dict keyed by key, so no duplicates can ever be appended). Each clip's file name
ends with its full key and the clip carries its entry as an ID3 tag, so a missing or unreadable
cache.json is rebuilt from the audio files, with durations measured, never assumed.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import re
import shutil
import time
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from flaming_horse_voice import atomic
from flaming_horse_voice.audio import encode_mp3, measure_duration, read_tags, write_tags
from flaming_horse_voice.backends.base import Backend, Clip
from flaming_horse_voice.events import append_event
from flaming_horse_voice.words import ALIGNED, WordTiming, estimate

INDEX = "cache.json"
VERSION = 1
_BOOKMARK = re.compile(r"<bookmark\s+mark\s*=\s*['\"][^'\"]*['\"]\s*/>")
_KEYED_FILE = re.compile(r"(?:^|-)([0-9a-f]{64})\.mp3$")


def speakable(text: str) -> str:
    """The text a backend is given: bookmark tags removed, whitespace collapsed."""
    return " ".join(_BOOKMARK.sub(" ", text).split())


def slug(text: str, length: int = 40) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return words[:length].rstrip("-") or "clip"


@dataclass(frozen=True)
class CacheEntry:
    key: str
    text: str | None
    audio: str  # file name inside the cache folder
    duration: float  # measured from the file
    backend: str | None
    model: str | None
    created_at: str
    words: list[dict] | None = None  # [{word, start, end}] in seconds, see words.WordTiming
    timing: str | None = None  # how the word times were found (words.ALIGNED / ESTIMATED)

    @classmethod
    def from_dict(cls, data: dict) -> "CacheEntry":
        return cls(**{name: data.get(name) for name in cls.__dataclass_fields__})

    def word_timings(self) -> list[WordTiming]:
        """Recorded word times; an estimate over the whole clip for clips made without them."""
        if self.words:
            return [WordTiming.from_dict(w) for w in self.words]
        return estimate([(self.text or "", 0.0, self.duration)])


class VoiceCache:
    def __init__(self, folder: Path, events: Path | None = None) -> None:
        self.folder = Path(folder)
        self.index_path = self.folder / INDEX
        self.events = events

    # -- keys ----------------------------------------------------------------------------------
    @staticmethod
    def key_for(text: str, backend: Backend) -> str:
        payload = {"text": speakable(text), **backend.identity()}
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    # -- index ---------------------------------------------------------------------------------
    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / f"{INDEX}.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _read_index(self) -> dict[str, CacheEntry] | None:
        try:
            data = json.loads(self.index_path.read_text(encoding="utf-8"))
            if data.get("version") != VERSION:
                return None
            return {k: CacheEntry.from_dict(v) for k, v in data["entries"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def _write_index(self, entries: dict[str, CacheEntry]) -> None:
        atomic.write_json(self.index_path, {"version": VERSION,
                                            "entries": {k: asdict(e) for k, e in entries.items()}})

    def entries(self) -> dict[str, CacheEntry]:
        """All entries whose audio file exists; rebuilds the index from the files if it is unusable."""
        entries = self._read_index()
        if entries is None:
            with self._locked():
                entries = self._read_index()
                if entries is None:
                    entries = self.rebuild()
        return {k: e for k, e in entries.items() if (self.folder / e.audio).is_file()}

    @staticmethod
    def _entry_from_file(path: Path) -> CacheEntry | None:
        """An entry recreated from a clip: key from its name, text from its tag, duration measured."""
        match = _KEYED_FILE.search(path.name)
        if not match or path.name.startswith(atomic.TMP_PREFIX):
            return None
        try:
            duration = measure_duration(path)
        except Exception:  # unreadable or truncated clip: leave it out, it is redone
            return None
        tags = read_tags(path)
        created = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).isoformat()
        return CacheEntry(key=match.group(1), text=tags.get("text"), audio=path.name,
                          duration=duration, backend=tags.get("backend"), model=tags.get("model"),
                          created_at=tags.get("created_at", created), words=tags.get("words"),
                          timing=tags.get("timing"))

    def rebuild(self) -> dict[str, CacheEntry]:
        """Recreate cache.json from the audio files on disk (durations measured)."""
        entries: dict[str, CacheEntry] = {}
        if self.folder.is_dir():
            for path in sorted(self.folder.glob("*.mp3")):
                entry = self._entry_from_file(path)
                if entry is not None:
                    entries[entry.key] = entry
        self._write_index(entries)
        return entries

    def _adopt(self, key: str) -> CacheEntry | None:
        """A finished clip the index does not list (the process died before the index write)."""
        for path in self.folder.glob(f"*{key}.mp3"):
            entry = self._entry_from_file(path)
            if entry is not None and entry.key == key:
                self._add(entry)
                return entry
        return None

    def _add(self, entry: CacheEntry) -> None:
        with self._locked():
            entries = self._read_index()
            if entries is None:
                entries = self.rebuild()
            entries[entry.key] = entry
            self._write_index(entries)

    def put(self, entry: CacheEntry, audio: bytes) -> None:
        """Store a clip made elsewhere (a voice task on a Ray node): its file, then its entry."""
        if Path(entry.audio).name != entry.audio or not _KEYED_FILE.search(entry.audio):
            raise ValueError(f"not a voice cache file name: {entry.audio!r}")
        atomic.write_bytes(self.folder / entry.audio, audio)
        self._add(entry)

    def retime(self, key: str, timings: list[WordTiming], method: str) -> CacheEntry:
        """Give a kept clip new word times (a clip spoken elsewhere, timed by hearing it here):
        in its ID3 tag first (what a rebuilt index reads), then in the index."""
        entry = self.get(key)
        if entry is None:
            raise KeyError(key)
        words = [w.to_dict() for w in timings]
        path = self.folder / entry.audio
        tags = read_tags(path)
        with atomic.atomic_path(path) as tmp:  # a copy is tagged, then renamed into place
            shutil.copyfile(path, tmp)
            write_tags(tmp, {**tags, "words": words, "timing": method})
        entry = replace(entry, words=words, timing=method)
        self._add(entry)
        return entry

    def get(self, key: str) -> CacheEntry | None:
        return self.entries().get(key) or self._adopt(key)

    # -- synthesis -----------------------------------------------------------------------------
    def ensure(self, text: str, backend: Backend, ear=None) -> tuple[CacheEntry, bool]:
        """The clip for ``text``: from the cache, or synthesised now. Returns (entry, synthesised).
        ``ear`` (``flaming_horse_voice.hearing.ear.Ear``): a new clip is heard before it is kept
        when its words need timing or its backend can take it again (see ``_take``)."""
        key = self.key_for(text, backend)
        entry = self.get(key)
        if entry is not None:
            return entry, False
        return self._synthesize(key, speakable(text), backend, ear), True

    def _take(self, key: str, text: str, backend: Backend, ear) -> tuple[Clip, object]:
        """The clip to keep, and its hearing (None: heard later, or not at all). A clip whose
        words are timed exactly by a backend that always says a text the same way (Piper) is
        heard later, beside the renders; any other is heard now, because its word times come
        from the hearing, and a failing one is taken again with the next seeds, up to
        ``retries`` times, keeping the best take."""
        clip = backend.synthesize(text)
        exact = bool(clip.words) and clip.timing == ALIGNED
        if ear is None or not ear.active or (exact and backend.retake(1) is None):
            return clip, None
        best = (clip, ear.hear(clip.samples, clip.sample_rate, text, key))
        for take in range(1, ear.settings.retries + 1):
            if best[1].verdict.passed:
                break
            other = backend.retake(take)
            if other is None:
                break
            backend.listener.output(f"the clip did not say its text ({'; '.join(best[1].verdict.reasons)}): "
                                    f"take {take + 1} of up to {ear.settings.retries + 1}")
            append_event(self.events, {"event": "retake", "key": key, "take": take,
                                       "reasons": best[1].verdict.reasons})
            again = other.synthesize(text)
            hearing = ear.hear(again.samples, again.sample_rate, text, key, take=take)
            if hearing.verdict.rank() < best[1].verdict.rank():
                best = (again, hearing)
        return best

    def _synthesize(self, key: str, text: str, backend: Backend, ear=None) -> CacheEntry:
        started = time.monotonic()
        clip, hearing = self._take(key, text, backend, ear)
        identity = backend.identity()
        name = f"{slug(text)}-{key}.mp3"
        created = datetime.now(timezone.utc).isoformat()
        timings, method = clip.word_timings(text)
        if hearing is not None and method != ALIGNED:
            from flaming_horse_voice.hearing.align import METHOD, narration_timings

            timings, method = narration_timings(text, hearing.words, clip.duration), METHOD
        words = [w.to_dict() for w in timings]
        tags = {"key": key, "text": text, "backend": identity["backend"],
                "model": identity["model"], "created_at": created, "words": words,
                "timing": method}
        target = self.folder / name
        with ExitStack() as commit:
            with atomic.atomic_path(target) as tmp:
                encode_mp3(clip.samples, clip.sample_rate, tmp, tags)
                duration = measure_duration(tmp)
                # from the clip's file to its log line, Ctrl-C waits: a clip kept (a later run
                # adopts a file even without its index entry) is a clip logged as spoken
                commit.enter_context(atomic.interrupts_held())
            entry = CacheEntry(key=key, text=text, audio=name, duration=duration,
                               backend=identity["backend"], model=identity["model"],
                               created_at=created, words=words, timing=method)
            self._add(entry)
            if hearing is not None:  # after the clip: a transcript never stands without its clip
                ear.save(self.folder, name, hearing)
            append_event(self.events, {"event": "tts", "backend": identity["backend"], "key": key,
                                       "text": text, "audio_seconds": round(duration, 3),
                                       "seconds": round(time.monotonic() - started, 3)})
        return entry
