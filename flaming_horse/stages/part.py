"""part: each scene made ready for the final video as soon as it is rendered: its audio padded
to exactly its video's length (``media/assembled/<render>-alac.mp4``, lossless audio, with the
loudness of its audio's gating blocks beside it, ``.loudness.json``) and its
checks run and kept beside it (``.qc.json``: streams, drift, black, frozen and silent stretches,
layout, what is drawn). In a build these units follow each scene's render on the render pool,
so the scenes rendered first are padded and checked while the others still render; assemble
then joins the parts and QC reads the kept checks."""

from __future__ import annotations

from flaming_horse.project import Project
from flaming_horse.reporting import Progress
from flaming_horse.stages.assemble import PADDED_TAG, blocks_path, pad, parts
from flaming_horse.stages.qc import (
    QC_VERSION, cached_scene_checks, kept_checks, scene_cache_path, scene_key,
)
from flaming_horse.unit import Unit

PARALLEL = True  # ffmpeg passes in child processes: several scenes at once use the cores


def units(project: Project, scenes: list[str] | None = None) -> list[Unit]:
    result = []
    for scene_id, rendered, padded in parts(project):
        if scenes is not None and scene_id not in scenes:
            continue
        key = scene_key(project, padded)
        made = [padded]  # what the unit wrote (another name after a fallback render)

        def run(progress: Progress, scene_id=scene_id, made=made) -> None:
            # the render as it is now: model code that failed to render fell back to the
            # template, whose render has another name than the one planned
            _, rendered, padded = next(p for p in parts(project, [scene_id]))
            made[:] = [padded]
            pad(scene_id, rendered, padded)
            progress.step(1, "padded")
            cached_scene_checks(project, scene_id, rendered, padded)
            progress.step(2, "checked")

        result.append(Unit(
            "part", scene_id, key, steps=2, run=run,
            is_done=lambda padded=padded, key=key: (padded.is_file()
                                                    and kept_checks(padded, key) is not None),
            outputs=lambda made=made: [p for p in (made[0], blocks_path(made[0]),
                                                   scene_cache_path(made[0])) if p.is_file()],
            inputs={"scene render": rendered.name, "padding": PADDED_TAG, "checks": QC_VERSION,
                    "qc settings": project.settings.qc, "quality": project.settings.quality}))
    return result
