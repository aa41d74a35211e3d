"""render: each scene rendered by manim in its own subprocess, into media/scenes/scene_NN-<hash>.mp4.

The output name carries the input hash (scene code, its audio clips, quality, manim and scene_kit
versions), so an unchanged scene is never rendered again, even if project_state.json is lost."""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

from flaming_horse.errors import FlamingHorseError, SandboxError
from flaming_horse.hashing import hash_file, hash_json, hash_tree
from flaming_horse.unit import Unit
from flaming_horse.project import Project
from flaming_horse.reporting import Progress
from flaming_horse.stages.layout_findings import layout_path
from flaming_horse.stages.manim_run import encoder_options, output_path, render_scene, renders_of
from flaming_horse.stages.artifacts import beats, load_narrations, load_plan, selected, voice
from flaming_horse.stages.scenes import write_template, written_by_model

_KIT_DIR = Path(__file__).resolve().parents[1] / "scene_kit"
_RULES = _KIT_DIR.parent / "figure_rules.py"  # the kit imports it
PARALLEL = True  # scenes render in their own processes: the pipeline may run several at once


_version = lru_cache(maxsize=None)(version)  # 1.5 ms a call, asked per scene per listing


@lru_cache(maxsize=1)
def kit_hash() -> str:
    """The scene_kit code every scene imports, with the figure rules it lays figures out by,
    hashed once per process (one build sees one kit)."""
    return hash_json([hash_tree(_KIT_DIR), hash_file(_RULES)])


def named_inputs(project: Project, scene_id: str, clip_keys: list[str],
                 quality: str) -> dict[str, object]:
    """What a scene's render is made from, by name (``input_hash`` is their digest)."""
    scene_file = project.scene_file(scene_id)
    return {"code": hash_file(scene_file) if scene_file.is_file() else None,
            "clips": clip_keys, "quality": quality, "kit": kit_hash(),
            "manim": _version("manim"), "voiceover": _version("manim-voiceover-plus"),
            "encoder": encoder_options(quality)}


def input_hash(project: Project, scene_id: str, clip_keys: list[str], quality: str) -> str:
    return hash_json(named_inputs(project, scene_id, clip_keys, quality))


def units(project: Project, scenes: list[str] | None = None, quality: str | None = None) -> list[Unit]:
    plan = load_plan(project)
    narrations = load_narrations(project)
    backend, cache = voice(project)
    quality = quality or project.settings.quality
    result = []
    entries = cache.entries()
    for scene in selected(plan, scenes):
        keys = [cache.key_for(text, backend) for text in narrations[scene.id]]
        audio_s = sum(entries[k].duration for k in keys if k in entries)
        named = named_inputs(project, scene.id, keys, quality)
        digest = hash_json(named)
        target = output_path(project, scene.id, quality, digest)
        built = [target]  # what the unit wrote (another file after a fallback to the template)

        def run(progress: Progress, scene=scene, target=target, keys=keys, audio_s=audio_s,
                built=built) -> None:
            try:
                render_scene(project, scene.id, scene.class_name, quality, target,
                             audio_s=audio_s)
            except SandboxError:
                raise
            except FlamingHorseError as exc:
                if not written_by_model(project, scene.id):
                    raise
                target = _fall_back(project, scene, quality, keys, audio_s, exc, progress)
                built[:] = [target]

        def task(progress: Progress, scene=scene, target=target, keys=keys, audio_s=audio_s,
                 built=built):
            from flaming_horse.stages import render_task

            job = render_task.build(project, scene.id, scene.class_name, quality, target, keys)
            land = job.land

            def land_or_fall_back(result, where) -> None:  # as ``run`` does, on the cluster
                try:
                    land(result, where)
                except SandboxError:
                    raise
                except FlamingHorseError as exc:
                    if not written_by_model(project, scene.id):
                        raise
                    built[:] = [_fall_back(project, scene, quality, keys, audio_s, exc,
                                           progress)]

            job.land = land_or_fall_back
            return job

        words = {"code": "scene code", "clips": "voice clips", "kit": "scene_kit",
                 "voiceover": "manim-voiceover", "encoder": "encoder settings"}
        named = {words.get(k, k): beats(v) if k == "clips" else v for k, v in named.items()}
        result.append(Unit("render", scene.id, digest, is_done=target.is_file, run=run,
                           outputs=lambda built=built: [built[0]] + [
                               p for p in [layout_path(built[0])] if p.is_file()],
                           task=task, inputs=named,
                           superseded=lambda scene_id=scene.id: renders_of(project, scene_id,
                                                                           quality)))
    return result


def _fall_back(project: Project, scene, quality: str, keys: list[str], audio_s: float,
               error: FlamingHorseError, progress: Progress) -> Path:
    """Model code that failed only in the real render, or broke its box's limits: the scene
    falls back to the offline template (as when it fails a gate), rendered here. Returns the
    new render."""
    progress.note(f"{scene.id}: the model's code failed to render; using the offline template")
    write_template(project, scene.id,
                   fallback=f"render failed: {error.message.splitlines()[0][:200]}")
    target = output_path(project, scene.id, quality, input_hash(project, scene.id, keys, quality))
    render_scene(project, scene.id, scene.class_name, quality, target, audio_s=audio_s)
    return target


def scene_outputs(project: Project, scenes: list[str] | None = None) -> list[tuple[str, Path]]:
    """(scene id, rendered file) for every scene of the plan (or of ``scenes``) at the
    project's quality."""
    quality = project.settings.quality
    return [(u.scene, output_path(project, u.scene, quality, u.input_hash))
            for u in units(project, scenes)]
