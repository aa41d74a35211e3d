"""narration: plan.json -> narration.json, the exact text spoken for every beat.

The offline author speaks the script's paragraphs as written (markdown marks already removed by the
parser) and adds bookmarks that anchor each visual step to the word that says it (explicit {n}
markers, else automatic anchors). Bookmarks are never spoken. The narration drives all timing."""

from __future__ import annotations

from flaming_horse.authoring.anchors import auto_anchor, items_of
from flaming_horse.authoring.storyboard import Beat
from flaming_horse.hashing import hash_json
from flaming_horse.unit import Unit
from flaming_horse.project import Project
from flaming_horse.reporting import Progress
from flaming_horse.stages.artifacts import Narration, load_plan, recorded_hash
from flaming_horse_voice import atomic
from flaming_horse_voice.words import bookmark_names

NARRATION_VERSION = "3"  # 2: bookmarks anchor visual steps to words; 3: figure steps too


def spoken(beat: Beat) -> str:
    """The text spoken over a beat, with the bookmarks that anchor its visual's steps."""
    text = " ".join(beat.narration.split())
    if any(name.startswith("s") for name in bookmark_names(text)):  # explicit {n} markers win
        return text
    return auto_anchor(text, items_of(beat.visual))


def units(project: Project, scenes: list[str] | None = None) -> list[Unit]:
    plan = load_plan(project)
    input_hash = hash_json({"plan": plan.model_dump(mode="json"), "version": NARRATION_VERSION})

    def run(progress: Progress | None = None) -> None:
        texts = {scene.id: [spoken(beat) for beat in scene.beats] for scene in plan.scenes}
        atomic.write_json(project.narration_file,
                          Narration(input_hash=input_hash, scenes=texts).model_dump())

    return [Unit("narration", None, input_hash,
                 is_done=lambda: recorded_hash(project.narration_file) == input_hash,
                 run=run, preview=run, outputs=lambda: [project.narration_file],
                 inputs=named(plan))]


def named(plan) -> dict[str, object]:
    """The plan by scene, for a reason that names the scene that changed."""
    dump = plan.model_dump(mode="json")
    scenes = {scene["id"]: scene for scene in dump.pop("scenes")}
    return {"plan": dump, "scenes": scenes, "version": NARRATION_VERSION}
