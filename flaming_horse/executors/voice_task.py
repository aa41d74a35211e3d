"""A scene's narration spoken as a self-contained task (``[ray] voice = true``), so a GPU node can
speak while CPU nodes render.

The payload holds the texts, the cache keys this machine expects for them, the voice settings and
the voice reference's bytes (never a path of this machine). On the node, the backend is made once
per worker process and kept (a model is loaded once, not once per scene); the task checks that it
gives the same cache keys as this machine before speaking, speaks each text into a scratch cache,
reports each clip as progress, and returns the clips with their cache entries and ``tts`` events.
They land in the project's voice cache (atomically, one clip at a time); a clip whose word times
were estimated is heard here as it lands (``hearing``) and timed from what was heard, before its
scene renders."""

from __future__ import annotations

import hashlib
import json
import os
import queue
import shutil
import threading
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator

from flaming_horse.errors import FlamingHorseError, ToolError
from flaming_horse.executors import Step, Task, scratch
from flaming_horse.project import Project
from flaming_horse_voice import cache_for
from flaming_horse_voice.backends.base import Backend
from flaming_horse_voice.cache import CacheEntry, VoiceCache
from flaming_horse_voice.events import append_event, read_events
from flaming_horse_voice.factory import create_backend
from flaming_horse_voice.hearing.ear import Ear, hear_kept_clip
from flaming_horse_voice.settings import from_mapping, hearing
from flaming_horse_voice.words import ALIGNED

_BACKEND: dict[str, Backend] = {}  # per worker process, at most one: settings -> backend


@dataclass(frozen=True)
class VoicePayload:
    """What a node needs to speak a scene: the texts, the cache keys this machine expects, the
    voice settings (as a mapping, the reference left out) and the reference's bytes."""
    scene_id: str
    texts: list[str]
    keys: list[str]
    settings: dict[str, Any]
    reference: dict[str, bytes] = field(default_factory=dict)  # {"wav", "txt"} or empty


@dataclass(frozen=True)
class SpokenClip:
    entry: dict[str, Any]  # its voice cache entry (CacheEntry as a mapping)
    audio: bytes


@dataclass(frozen=True)
class VoiceResult:
    clips: list[SpokenClip]
    events: list[dict[str, Any]]  # the "tts" events of the node's scratch cache


def build(project: Project, scene_id: str, texts: list[str], keys: list[str]) -> Task:
    settings = project.settings.voice
    reference: dict[str, bytes] = {}
    if settings.reference:
        audio = Path(settings.reference)
        reference = {"wav": audio.read_bytes(), "txt": audio.with_suffix(".txt").read_bytes()}
    payload = VoicePayload(scene_id=scene_id, texts=texts, keys=keys,
                           settings=asdict(replace(settings, reference=None)), reference=reference)
    cache = cache_for(project.root, settings)
    ear = Ear(hearing(settings), events=cache.events)

    def land(result: VoiceResult, where: dict[str, Any]) -> None:
        for clip in result.clips:
            entry = CacheEntry.from_dict(clip.entry)
            if entry.key not in keys:
                raise ToolError(f"{scene_id}: the voice task returned a clip for another key")
            cache.put(entry, clip.audio)
            if ear.active and entry.timing != ALIGNED:  # heard here, before the scene renders,
                hear_kept_clip(cache, entry, ear)  # so its bookmarks land on the words
        for event in result.events:
            append_event(project.events_file, {**event, "scene": scene_id, "executor": "ray",
                                               **where})

    return Task("voice", run, payload, land)


def _backend(payload: VoicePayload) -> Backend:
    """The backend for these settings, made once per worker process. The reference lands in a
    folder of this process named by its digest (a worker that restarts reads it again)."""
    values = dict(payload.settings)
    reference = payload.reference
    if reference:
        digest = hashlib.sha256(reference["wav"] + b"\0" + reference["txt"]).hexdigest()[:16]
        audio = scratch.make("voice") / f"ref-{digest}.wav"
        if not audio.is_file():
            audio.with_suffix(".txt").write_bytes(reference["txt"])
            audio.write_bytes(reference["wav"])
        values["reference"] = str(audio)
    # the GPU Ray gave this task counts too: a worker reused for a task on another GPU of the
    # node must not keep speaking on the first one
    name = json.dumps([values, os.environ.get("CUDA_VISIBLE_DEVICES")], sort_keys=True)
    if name not in _BACKEND:
        close()  # one voice per worker process: the previous one's model process ends
        _BACKEND[name] = create_backend(from_mapping(values))
    return _BACKEND[name]


def close() -> None:
    """End this process's voice (its worker process); a Ray worker's ends with the worker."""
    for backend in _BACKEND.values():
        backend.close()
    _BACKEND.clear()


def run(payload: VoicePayload) -> Iterator[Step | VoiceResult]:
    """On a worker node: yields a Step after each clip (and the heartbeats of a long one), then
    the result."""
    backend = _backend(payload)
    texts, keys = payload.texts, payload.keys
    if [VoiceCache.key_for(text, backend) for text in texts] != keys:
        raise FlamingHorseError(
            f"{payload.scene_id}: this node's voice gives other cache keys than the machine "
            "that runs the build", hint="install the same flaming-horse and voice on every node "
            "(check with: flaming-horse doctor --executor ray)")
    root = scratch.make()
    try:
        cache = VoiceCache(root / "clips", events=root / "events.jsonl")
        for done, text in enumerate(texts, start=1):
            for beat in _speaking(cache, text, backend):  # a long clip: its heartbeats
                yield Step(done - 1, f"clip {done}/{len(texts)}: {beat}")
            yield Step(done, text[:60])
        entries = cache.entries()
        clips = [SpokenClip(asdict(entries[key]), (cache.folder / entries[key].audio).read_bytes())
                 for key in dict.fromkeys(keys)]
        events = read_events(root / "events.jsonl")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    yield VoiceResult(clips, events)


def _speaking(cache: VoiceCache, text: str, backend: Backend) -> Iterator[str]:
    """Speak ``text`` into ``cache`` on a thread, yielding the backend's heartbeats meanwhile
    (a generator task can only report from its own thread)."""
    beats: queue.Queue[str | None] = queue.Queue()
    failure: list[BaseException] = []

    def speak() -> None:
        try:
            cache.ensure(text, backend)
        except BaseException as exc:  # raised again on the task's thread
            failure.append(exc)
        finally:
            beats.put(None)

    backend.listener.heartbeat = beats.put
    thread = threading.Thread(target=speak, name="fh-voice-task", daemon=True)
    thread.start()
    while (beat := beats.get()) is not None:
        yield beat
    thread.join()
    backend.listener.heartbeat = None
    if failure:
        raise failure[0]
