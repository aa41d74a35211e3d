"""Reading the artifacts one stage hands to the next (the project folder is the interface)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from flaming_horse.authoring.storyboard import Plan, Scene
from flaming_horse.errors import FlamingHorseError
from flaming_horse.project import Project
from flaming_horse_voice.cache import VoiceCache
from flaming_horse_voice import cache_for
from flaming_horse_voice.backends.base import Backend
from flaming_horse_voice.factory import create_backend


def read_json(path: Path, stage: str) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FlamingHorseError(f"{path.name} is missing", hint=f"run the {stage} stage first "
                                "(flaming-horse build DIR)")
    except ValueError as exc:
        raise FlamingHorseError(f"{path} is not valid JSON: {exc}",
                                hint="delete it and run build again to regenerate it")


def recorded_hash(path: Path) -> str | None:
    """The input hash a JSON artifact records about itself, or None if absent/unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("input_hash")
    except (OSError, ValueError, AttributeError):
        return None


_PLANS: dict[Path, tuple[tuple[int, int, int], Plan]] = {}  # plan.json -> (its stat, its plan)


def load_plan(project: Project) -> Plan:
    """plan.json's plan, validated once per version of the file (a build asks for it often; the
    plan is frozen, and plan.json is only ever replaced whole, so its stat names its version)."""
    path = project.plan_file
    try:
        stat = path.stat()
        version = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    except OSError:
        version = None
    kept = _PLANS.get(path)
    if version is not None and kept is not None and kept[0] == version:
        return kept[1]
    data = read_json(path, "plan")
    # Scene's schema first (models build theirs when first used): Plan's then reuses it, where
    # built second it would be made twice (a scene's digest dumps it), 15 ms of a no-op build
    Scene.model_rebuild()
    try:
        plan = Plan.model_validate(data["plan"])
    except (KeyError, TypeError, ValidationError) as exc:
        raise FlamingHorseError(f"{project.plan_file} does not hold a valid plan: {exc}",
                                hint="delete plan.json and run build again")
    if version is not None:
        if len(_PLANS) >= 16:  # a long-lived process (tests, forecasts' scratch copies)
            _PLANS.clear()
        _PLANS[path] = (version, plan)
    return plan


class Narration(BaseModel):
    """narration.json: the exact text spoken for every beat, by scene, and the hash of the plan
    (and narration version) it was made from."""
    model_config = ConfigDict(extra="forbid", strict=True)

    input_hash: str
    scenes: dict[str, list[str]]


def load_narrations(project: Project) -> dict[str, list[str]]:
    data = read_json(project.narration_file, "narration")
    try:
        return Narration.model_validate(data).scenes
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "the top level"
        raise FlamingHorseError(f"{project.narration_file} is not a narration: {where}: "
                                f"{problem['msg']}",
                                hint="delete narration.json and run build again") from None


def selected(plan: Plan, scenes: list[str] | None) -> list[Scene]:
    return [s for s in plan.scenes if scenes is None or s.id in scenes]


def voice(project: Project) -> tuple[Backend, VoiceCache]:
    settings = project.settings.voice
    return create_backend(settings), cache_for(project.root, settings)


def ear(project: Project):
    """The ear that hears this project's clips (``flaming_horse_voice.hearing.ear.Ear``), its
    hearings logged with the voice cache's events; ``ear.skipped`` says when it does not hear."""
    from flaming_horse_voice.hearing.ear import Ear
    from flaming_horse_voice.settings import hearing

    settings = project.settings.voice
    return Ear(hearing(settings), events=cache_for(project.root, settings).events)


def clips(project: Project) -> dict[str, list[Any]]:
    """Each scene's voice cache entries, one per beat in order (None for a clip not spoken yet)."""
    backend, cache = voice(project)
    entries = cache.entries()
    return {scene_id: [entries.get(cache.key_for(text, backend)) for text in texts]
            for scene_id, texts in load_narrations(project).items()}


def beats(items: list) -> dict[str, object]:
    """A scene's per-beat list as {"beat 1": ..., "beat 2": ...} (a reason names the beat)."""
    return {f"beat {i}": item for i, item in enumerate(items, start=1)}
