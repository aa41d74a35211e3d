"""voice: speak every beat into the voice cache before any rendering (one model load per build)."""

from __future__ import annotations

from flaming_horse.hashing import hash_json
from flaming_horse.pipeline import Unit
from flaming_horse.project import Project
from flaming_horse.reporting import Progress
from flaming_horse.stages.artifacts import load_narrations, load_plan, selected, voice


def units(project: Project, scenes: list[str] | None = None) -> list[Unit]:
    plan = load_plan(project)
    narrations = load_narrations(project)
    backend, cache = voice(project)
    result = []
    for scene in selected(plan, scenes):
        texts = narrations[scene.id]
        keys = [cache.key_for(text, backend) for text in texts]

        def is_done(keys=keys) -> bool:
            entries = cache.entries()
            return all(key in entries for key in keys)

        def run(progress: Progress, texts=texts) -> None:
            for done, text in enumerate(texts, start=1):
                cache.ensure(text, backend)
                progress.step(done, text[:60])

        def outputs(keys=keys) -> list:
            entries = cache.entries()
            return [cache.folder / entries[k].audio for k in keys if k in entries]

        result.append(Unit("voice", scene.id, hash_json(keys), is_done=is_done, run=run,
                           outputs=outputs, steps=len(texts)))
    return result
