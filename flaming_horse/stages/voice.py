"""voice: speak every beat into the voice cache before any rendering (one model load per build).

The first unit that has work to do first adopts the clips of a project made by the original
flaming-horse (``flaming_horse_voice.legacy``), and reports what it recovered. Then, if any clip of
the build is still to be spoken here, it asks the backend whether it can speak at all
(``Backend.check_ready``: packages, model on this machine, reference files; milliseconds). If it
cannot, the voice unit of every scene that needs speech fails with that error, and the pipeline
(which asks ``Unit.ready`` before it starts any render) renders nothing: the build ends in seconds, naming the
scenes that need speech and how to get the model. On a Ray cluster ([ray] voice = true) the
nodes speak, and check for themselves."""

from __future__ import annotations

import threading

from flaming_horse import children
from flaming_horse.errors import FlamingHorseError
from flaming_horse.hashing import hash_json
from flaming_horse.unit import Unit
from flaming_horse.project import Project
from flaming_horse.reporting import Progress
from flaming_horse.stages.artifacts import (
    beats, ear, load_narrations, load_plan, selected, voice,
)
from flaming_horse_voice.backends.base import Listener


def prepare(project: Project, progress: Progress) -> None:
    """Before any unit is made: a voice-cloning reference's transcript is written when missing,
    and checked against what the reference says when given (``hearing.reference``); a mismatch
    stops the build here, before any clip is spoken."""
    from flaming_horse_voice.hearing.reference import check_reference

    backend, cache = voice(project)
    listener = ear(project)
    if listener.settings.enabled and listener.skipped:  # another language: said, never failed
        progress.note(f"clips are not heard: {listener.skipped}")
    said = check_reference(backend, listener, cache.folder)
    if said:
        progress.note(said)


def warm(project: Project) -> None:
    """Import the recogniser's library before renders start beside the voice (``Ear.warm``);
    only a build with clips to speak or scenes to render asks, so a no-op build never loads it."""
    ear(project).warm()


def units(project: Project, scenes: list[str] | None = None) -> list[Unit]:
    plan = load_plan(project)
    narrations = load_narrations(project)
    backend, cache = voice(project)
    listener = ear(project)
    recovery: list = []  # done once, by the first unit that runs
    readiness: list = []  # [None]: the backend can speak here (or nothing to speak); [error]
    recovery_lock = threading.Lock()  # on a Ray cluster, units start on several threads
    children.on_close(backend.close)  # a worker process ends with the build, or when it stops
    result = []

    def recover(progress: Progress) -> None:
        with recovery_lock:
            if recovery:
                return
            from flaming_horse_voice.legacy import recover_legacy  # the original's clips

            texts = [text for scene in selected(plan, scenes) for text in narrations[scene.id]]
            report = recover_legacy(project.root, texts, cache, backend)
            recovery.append(report)
        if report.skipped is None:
            progress.note(f"original flaming-horse clips: {report.summary()}")

    def ready(progress: Progress, texts: list[str] | None = None) -> None:
        """Raise the error that the clips still to speak cannot be spoken here: for the build
        (``texts`` None), or when some of ``texts`` (one scene's) still need speaking."""
        recover(progress)
        with recovery_lock:
            if not readiness:
                readiness.append(unready())
        if readiness[0] is None:
            return
        entries = cache.entries()
        if texts is None or any(cache.key_for(t, backend) not in entries for t in texts):
            raise readiness[0]

    def unready() -> FlamingHorseError | None:
        entries = cache.entries()
        needed = {scene.id: [t for t in narrations[scene.id]
                             if cache.key_for(t, backend) not in entries]
                  for scene in selected(plan, scenes)}
        needed = {scene: texts for scene, texts in needed.items() if texts}
        if not needed:
            return None
        try:
            backend.check_ready()
            listener.check_ready()
        except FlamingHorseError as exc:
            count = sum(len(texts) for texts in needed.values())
            return FlamingHorseError(
                f"{', '.join(needed)} {'has' if len(needed) == 1 else 'have'} narration with "
                f"no clip yet ({count} clip{'s' if count != 1 else ''}: new or changed text, or "
                f"never spoken), which {backend.name} must speak, but {exc.message}",
                hint=exc.hint)
        return None

    for scene in selected(plan, scenes):
        texts = narrations[scene.id]
        keys = [cache.key_for(text, backend) for text in texts]

        def is_done(keys=keys) -> bool:
            entries = cache.entries()
            return all(key in entries for key in keys)

        def run(progress: Progress, texts=texts) -> None:
            ready(progress, texts)
            for done, text in enumerate(texts, start=1):
                label = f"clip {done}/{len(texts)}"
                backend.listener = Listener(
                    heartbeat=lambda detail, done=done, label=label:
                        progress.step(done - 1, f"{label}: {detail}"),
                    output=progress.note)
                cache.ensure(text, backend, listener)
                progress.step(done, text[:60])

        def outputs(keys=keys) -> list:
            entries = cache.entries()
            return [cache.folder / entries[k].audio for k in keys if k in entries]

        def task(progress: Progress, scene_id=scene.id, texts=texts, keys=keys):
            """The clips this scene still lacks, spoken on a Ray node ([ray] voice = true)."""
            from flaming_horse.executors import voice_task

            recover(progress)
            entries = cache.entries()
            missing = [(text, key) for text, key in zip(texts, keys) if key not in entries]
            if not missing:
                return None
            return voice_task.build(project, scene_id, *map(list, zip(*missing)))

        result.append(Unit("voice", scene.id, hash_json(keys), is_done=is_done, run=run,
                           outputs=outputs, steps=len(texts), task=task, ready=ready,
                           inputs={"narration": beats(texts),
                                   "voice settings": backend.identity()}))
    return result
