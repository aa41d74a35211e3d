"""hear: every clip of a scene heard by the speech recogniser and judged against its narration
(``flaming_horse_voice.hearing``), its transcript kept beside it in the voice cache.

Clips whose words are timed by hearing, or whose backend can take them again, were heard while
they were spoken (the voice stage), so their units are done already; Piper's clips are heard here.
In a build this stage runs on the voice thread after the last clip is spoken, while the scenes
render, so it holds nothing up. A transcript is made once per clip: an unchanged build hears
nothing. The verdicts go to QC (``spoken_match``)."""

from __future__ import annotations

from pathlib import Path

from flaming_horse.errors import ToolError
from flaming_horse.hashing import hash_file, hash_json
from flaming_horse.unit import Unit
from flaming_horse.project import Project
from flaming_horse.reporting import Progress
from flaming_horse.stages.artifacts import (
    beats, ear, load_narrations, load_plan, selected, voice,
)
from flaming_horse_voice.cache import speakable


def units(project: Project, scenes: list[str] | None = None) -> list[Unit]:
    listener = ear(project)
    backend, cache = voice(project)
    narrations = load_narrations(project)
    result = []
    for scene in selected(load_plan(project), scenes):
        texts = [speakable(t) for t in narrations[scene.id]]
        keys = [cache.key_for(t, backend) for t in narrations[scene.id]]

        def pending(texts=texts, keys=keys) -> list[tuple[str, str, object]]:
            """(text, key, entry) of the clips not heard yet (entry None: not spoken yet)."""
            if not listener.active:
                return []
            entries = cache.entries()
            return [(text, key, entries.get(key)) for text, key in zip(texts, keys)
                    if key not in entries or
                    listener.load(cache.folder, entries[key].audio, key, text,
                                  judged=False) is None]

        def run(progress: Progress, scene_id=scene.id, pending=pending) -> None:
            todo = pending()
            for done, (text, key, entry) in enumerate(todo, start=1):
                if entry is None:
                    raise ToolError(f"a voice clip of {scene_id} is missing, so it cannot be "
                                    "heard", hint="run build again to speak it")
                hearing = listener.hear_file(cache.folder / entry.audio, text, key)
                listener.save(cache.folder, entry.audio, hearing)
                progress.step(done, ("ok: " if hearing.verdict.passed else "FAILED: ") + text[:50])

        digest = hash_json({"keys": keys, "hearing": listener.settings.identity(),
                            "language": listener.language})
        named = {"voice clips": beats(keys), "hearing settings": listener.settings.identity(),
                 "language": listener.language}
        result.append(Unit("hear", scene.id, digest, is_done=lambda p=pending: not p(),
                           inputs=named,
                           run=run, steps=len(texts),
                           outputs=lambda keys=keys: heard_files(project, keys)))
    return result


def heard_files(project: Project, keys: list[str]) -> list:
    from flaming_horse_voice.hearing.ear import heard_path

    backend, cache = voice(project)
    entries = cache.entries()
    paths = [heard_path(cache.folder, entries[k].audio) for k in keys if k in entries]
    return [p for p in paths if p.is_file()]


def _clips(project: Project):
    """Per scene, each clip's (narration text, cache key, cache entry or None), and the cache."""
    backend, cache = voice(project)
    entries = cache.entries()
    scenes = {}
    for scene_id, texts in load_narrations(project).items():
        keys = [cache.key_for(text, backend) for text in texts]
        scenes[scene_id] = [(text, key, entries.get(key)) for text, key in zip(texts, keys)]
    return scenes, cache


def heard_inputs(project: Project) -> tuple[dict[str, list[str | None]], dict[str, object]]:
    """What QC's hearing verdicts are made from, found without judging any clip: per scene, the
    digest of each clip's kept transcript (None: not heard), and the judge (its threshold, the
    recogniser, its code). A verdict can change only when one of these does. Empty when clips
    are not heard."""
    listener = ear(project)
    if not listener.active:
        return {}, {}
    from flaming_horse_voice.hearing import compare, ear as judging

    scenes, cache = _clips(project)
    paths = {scene_id: [None if entry is None else judging.heard_path(cache.folder, entry.audio)
                        for _, _, entry in clips] for scene_id, clips in scenes.items()}
    judge = {"threshold": listener.settings.threshold, "model": listener.model,
             "language": listener.language,
             "code": hash_json([hash_file(Path(m.__file__)) for m in (judging, compare)])}
    return {scene_id: [hash_file(p)[:16] if p is not None and p.is_file() else None
                       for p in kept] for scene_id, kept in paths.items()}, judge


def hearings(project: Project) -> dict[str, list[tuple[str, object]]]:
    """Each scene's (narration text, Hearing or None) per clip, judged under today's settings:
    what QC reports. Empty when clips are not heard (``verify`` off, or another language)."""
    listener = ear(project)
    if not listener.active:
        return {}
    scenes, cache = _clips(project)
    return {scene_id: [(speakable(text), listener.load(cache.folder, entry.audio, key,
                                                       speakable(text))
                        if entry is not None else None) for text, key, entry in clips]
            for scene_id, clips in scenes.items()}
