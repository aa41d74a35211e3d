"""narration: plan.json -> narration.json, the exact text spoken for every beat.

The offline author speaks the script's paragraphs as written (markdown marks already removed by the
parser); an LLM author may rewrite them here later. The narration drives all timing."""

from __future__ import annotations

from flaming_horse.hashing import hash_json
from flaming_horse.pipeline import Unit
from flaming_horse.project import Project
from flaming_horse.reporting import Progress
from flaming_horse.stages.artifacts import load_plan, recorded_hash
from flaming_horse_voice import atomic

NARRATION_VERSION = "1"


def units(project: Project, scenes: list[str] | None = None) -> list[Unit]:
    plan = load_plan(project)
    input_hash = hash_json({"plan": plan.model_dump(mode="json"), "version": NARRATION_VERSION})

    def run(progress: Progress) -> None:
        spoken = {scene.id: [" ".join(beat.narration.split()) for beat in scene.beats]
                  for scene in plan.scenes}
        atomic.write_json(project.narration_file, {"input_hash": input_hash, "scenes": spoken})

    return [Unit("narration", None, input_hash,
                 is_done=lambda: recorded_hash(project.narration_file) == input_hash,
                 run=run, outputs=lambda: [project.narration_file])]
