"""assemble: pad each scene's audio to exactly its video length, then concat (stream copy) into
final_video.mp4 with +faststart. Without the pad, concat starts the next scene's audio early by
the missing length. The final file records its input hash in its metadata comment."""

from __future__ import annotations

from pathlib import Path

from flaming_horse import media
from flaming_horse.errors import ToolError
from flaming_horse.hashing import hash_json
from flaming_horse.pipeline import Unit
from flaming_horse.project import Project
from flaming_horse.reporting import Progress
from flaming_horse.stages.render import scene_outputs
from flaming_horse_voice import atomic

ASSEMBLE_VERSION = "1"
COMMENT_PREFIX = "flaming-horse input-hash "


def parts(project: Project) -> list[tuple[str, Path, Path]]:
    """(scene id, rendered file, padded file) in plan order."""
    return [(scene_id, rendered, project.assembled_dir / rendered.name)
            for scene_id, rendered in scene_outputs(project)]


def final_hash(project: Project) -> str:
    return hash_json({"parts": [r.name for _, r, _ in parts(project)], "version": ASSEMBLE_VERSION})


def recorded_hash(path: Path) -> str | None:
    if not path.is_file():
        return None
    try:
        comment = media.probe(path).tags.get("comment", "")
    except ToolError:
        return None
    return comment[len(COMMENT_PREFIX):] if comment.startswith(COMMENT_PREFIX) else None


def drop_stale_files(project: Project, items: list[tuple[str, Path, Path]]) -> None:
    """Files of scenes the plan no longer has, and superseded padded scenes."""
    scene_ids = {scene_id for scene_id, _, _ in items}
    padded_names = {padded.name for _, _, padded in items}
    for path in project.scenes_dir.glob("scene_*.py"):
        if path.stem not in scene_ids:
            path.unlink()
    for path in project.renders_dir.glob("scene_*.mp4"):
        if path.name.split("-")[0] not in scene_ids:
            path.unlink()
    for path in project.assembled_dir.glob("scene_*.mp4"):
        if path.name not in padded_names:
            path.unlink()


def units(project: Project, scenes: list[str] | None = None) -> list[Unit]:
    items = parts(project)
    digest = final_hash(project)

    def run(progress: Progress) -> None:
        for done, (scene_id, rendered, padded) in enumerate(items, start=1):
            if not rendered.is_file():
                raise ToolError(f"{scene_id} has not been rendered", hint="run build again")
            if not padded.is_file():
                with atomic.atomic_path(padded) as tmp:
                    media.pad_audio_to_video(rendered, tmp)
            progress.step(done, scene_id)
        drop_stale_files(project, items)
        with atomic.atomic_path(project.final_video) as tmp:
            media.concat([padded for _, _, padded in items], tmp,
                         {"title": project.name, "comment": COMMENT_PREFIX + digest})

    return [Unit("assemble", None, digest, steps=len(items),
                 is_done=lambda: recorded_hash(project.final_video) == digest,
                 run=run, outputs=lambda: [project.final_video])]
