"""scenes: plan.json + narration.json -> scenes/scene_NN.py, written by the author from a scaffold
the code owns. Each file's first line records its input hash; a file is rewritten only when its
scene's plan or narration changes, so hand edits survive until then (and are re-rendered)."""

from __future__ import annotations

import re

from flaming_horse.authoring import template
from flaming_horse.hashing import hash_json
from flaming_horse.pipeline import Unit
from flaming_horse.project import Project
from flaming_horse.reporting import Progress
from flaming_horse.stages.artifacts import load_narrations, load_plan, selected
from flaming_horse_voice import atomic

_HEADER = re.compile(r"^# flaming-horse scene, input-hash ([0-9a-f]{64})")


def header_hash(project: Project, scene_id: str) -> str | None:
    try:
        with open(project.scene_file(scene_id), encoding="utf-8") as handle:
            match = _HEADER.match(handle.readline())
    except OSError:
        return None
    return match.group(1) if match else None


def units(project: Project, scenes: list[str] | None = None) -> list[Unit]:
    plan = load_plan(project)
    narrations = load_narrations(project)
    result = []
    for scene in selected(plan, scenes):
        spoken = narrations[scene.id]
        input_hash = hash_json({"scene": scene.model_dump(mode="json"), "narration": spoken,
                                "title": plan.title, "template": template.TEMPLATE_VERSION})

        def run(progress: Progress, scene=scene, spoken=spoken, input_hash=input_hash) -> None:
            body = template.scene_source(plan, scene, spoken)
            header = (f"# flaming-horse scene, input-hash {input_hash}\n"
                      f"# {scene.id}: {scene.title!r}. Rewritten when this scene's plan or narration "
                      "changes; until then your edits are kept and rendered.\n")
            atomic.write_text(project.scene_file(scene.id), header + body)

        result.append(Unit("scenes", scene.id, input_hash,
                           is_done=lambda s=scene.id, h=input_hash: header_hash(project, s) == h,
                           run=run, outputs=lambda s=scene.id: [project.scene_file(s)]))
    return result
