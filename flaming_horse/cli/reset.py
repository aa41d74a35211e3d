"""flaming-horse reset DIR --stage S [--scene N]: forget a stage's results so it runs again."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from flaming_horse.cli.common import console, open_project
from flaming_horse.errors import ProjectError
from flaming_horse.project import SCENE_STAGES, STAGES, Project


def stage_artifacts(project: Project, stage: str, scene_id: str | None) -> list[Path]:
    scene_glob = f"{scene_id}-*.mp4" if scene_id else "scene_*.mp4"
    if stage == "plan":
        return [project.plan_file]
    if stage == "narration":
        return [project.narration_file]
    if stage == "scenes":
        return list(project.scenes_dir.glob(f"{scene_id or 'scene_*'}.py"))
    if stage == "voice":
        return voice_clips(project, scene_id)
    if stage == "render":
        return list(project.renders_dir.glob(scene_glob))
    if stage == "hear":
        from flaming_horse_voice.hearing.ear import SUFFIX

        return [clip for clip in voice_clips(project, scene_id, folder=False)
                if clip.name.endswith(SUFFIX)]
    if stage == "part":  # padded scenes and their kept checks
        return list(project.assembled_dir.glob(f"{scene_id or 'scene_*'}-*"))
    if stage == "assemble":
        return [project.final_video, *project.assembled_dir.glob(scene_glob)]
    return [project.qc_report]


def voice_clips(project: Project, scene_id: str | None, folder: bool = True) -> list[Path]:
    """The voice cache folder (all scenes, ``folder``), or the clips of one scene (all scenes)
    with their transcripts (``<clip>.heard.json``)."""
    from flaming_horse.stages.artifacts import load_narrations, voice
    from flaming_horse_voice.hearing.ear import heard_path

    backend, cache = voice(project)
    if scene_id is None and folder:
        return [cache.folder]
    entries = cache.entries()
    texts = [t for scene, spoken in load_narrations(project).items()
             if scene_id in (None, scene) for t in spoken]
    keys = [cache.key_for(t, backend) for t in texts]
    clips = [cache.folder / entries[k].audio for k in keys if k in entries]
    return clips + [heard_path(cache.folder, clip.name) for clip in clips]


def reset(
    directory: Path = typer.Argument(..., help="The project folder."),
    stage: str = typer.Option(..., "--stage", help=f"One of: {', '.join(STAGES)}."),
    scene: Optional[int] = typer.Option(None, "--scene", help="Only this scene (per-scene stages)."),
) -> None:
    """Delete a stage's results (all, or one scene's) so the next build redoes them."""
    if stage not in STAGES:
        raise ProjectError(f"unknown stage {stage!r}", hint=f"stages: {', '.join(STAGES)}")
    project = open_project(directory)
    scene_id = f"scene_{scene:02d}" if scene is not None else None
    if scene_id and stage not in SCENE_STAGES:
        raise ProjectError(f"stage {stage} is not per scene", hint="drop --scene")
    with project.lock():
        removed = project.discard(stage_artifacts(project, stage, scene_id))
        project.state().forget(stage, [scene_id] if scene_id else None)
    what = f"{stage} ({scene_id})" if scene_id else stage
    console.print(f"Reset {what}: removed {removed} artifact(s). "
                  f"Run: flaming-horse build {directory}")
