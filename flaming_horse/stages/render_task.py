"""A scene render as a self-contained task: what it carries (scene source, its clips, images,
settings), what runs on a worker node (manim, cold, in a scratch project) and how the result
lands here.

The worker never sees this machine's files: the payload holds the scene file, the project's
flaming-horse.toml, the scene's voice clips with their cache entries, and the LaTeX already
compiled by the plan stage; the result is the mp4 (bytes, or a file in [ray] shared_dir), its
layout findings and manim's log."""

from __future__ import annotations

import json
import os
import shutil
import traceback
import uuid
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from flaming_horse.errors import FlamingHorseError, ToolError
from flaming_horse.executors import Task, scratch
from flaming_horse.project import Project
from flaming_horse.sandbox.box import is_secret_name
from flaming_horse_voice import atomic
from flaming_horse_voice.cache import INDEX, VERSION
from flaming_horse_voice.events import append_event
from flaming_horse_voice.settings import to_environment


@dataclass(frozen=True)
class RenderPayload:
    """What a node needs to render one scene: no path of this machine, only bytes and names."""
    scene_id: str
    class_name: str
    quality: str
    target: str  # the render's file name
    files: dict[str, bytes]  # project-relative path -> content (scene, clips, index, TeX, ...)
    env: dict[str, str]  # our settings, never a secret
    audio_s: float = 0.0
    shared_dir: str | None = None  # [ray] shared_dir: the mp4 goes there, not back as bytes
    run_unboxed_llm_code: bool = False


@dataclass(frozen=True)
class RenderResult:
    """What came back: manim's log, and the mp4 (bytes or a file in shared_dir) with its layout
    findings and how long it took; or the error, with its traceback."""
    log: str = ""
    error: str | None = None
    traceback: str = ""
    mp4: bytes | None = None
    path: str | None = None  # the mp4 in shared_dir
    layout: bytes | None = None
    seconds: float | None = None


class RemoteTraceback(Exception):
    """The traceback of an error raised on a worker node (shown under --verbose)."""


def _voice_env(project: Project) -> dict[str, str]:
    """Our settings from this process's environment (never a secret), and the build's exact
    voice settings, for the render on the node."""
    return {k: v for k, v in os.environ.items() if k.startswith("FLAMING_HORSE_")
            and not is_secret_name(k)} | to_environment(project.settings.voice)


def build(project: Project, scene_id: str, class_name: str, quality: str, target: Path,
          keys: list[str]) -> Task:
    """The task for one scene; its clips must be in the voice cache already."""
    from flaming_horse.stages.artifacts import voice

    backend, cache = voice(project)
    entries = cache.entries()
    source = project.scene_file(scene_id).read_bytes()
    files: dict[str, bytes] = {f"scenes/{scene_id}.py": source}
    for picture in project.images_dir.glob("*"):  # the images the scene draws
        if picture.name.encode() in source:
            files[picture.relative_to(project.root).as_posix()] = picture.read_bytes()
    if project.config_file.is_file():
        files[project.config_file.name] = project.config_file.read_bytes()
    folder = f"media/voice/{project.settings.voice.backend}"
    index = {}
    for key in keys:
        entry = entries[key]
        files[f"{folder}/{entry.audio}"] = (cache.folder / entry.audio).read_bytes()
        index[key] = asdict(entry)
    files[f"{folder}/{INDEX}"] = json.dumps({"version": VERSION, "entries": index}).encode()
    for svg in (project.manim_media_dir / "Tex").glob("*.svg"):  # formulas compiled by plan
        files[f"media/manim/Tex/{svg.name}"] = svg.read_bytes()
    shared = project.settings.ray.shared_dir
    payload = RenderPayload(scene_id=scene_id, class_name=class_name, quality=quality,
                            target=target.name, files=files, env=_voice_env(project),
                            shared_dir=shared, audio_s=sum(entries[k].duration for k in keys),
                            run_unboxed_llm_code=project.settings.sandbox.run_unboxed_llm_code)

    def started(where: dict[str, Any]) -> None:
        append_event(project.events_file, {"event": "render", "scene": scene_id,
                                           "quality": quality, "executor": "ray", **where})

    def land(result: RenderResult, where: dict[str, Any]) -> None:
        _land(project, scene_id, quality, target, result, where)

    return Task("render", run, payload, land, started)


def _land(project: Project, scene_id: str, quality: str, target: Path, result: RenderResult,
          where: dict[str, Any]) -> None:
    from flaming_horse.stages.layout_findings import layout_path

    log = project.log_dir / "render" / f"{scene_id}.log"
    atomic.write_text(log, result.log)
    node = f"node {where.get('node')} ({where.get('node_id')})"
    if result.error is not None:
        raise ToolError(f"{result.error}\n(rendered on {node})",
                        hint=f"full log: {log}") from RemoteTraceback(result.traceback)
    if result.layout is not None:
        atomic.write_bytes(layout_path(target), result.layout)
    if result.path is not None:  # on shared storage: moved (or copied) into place, then removed
        shared = Path(result.path)
        with atomic.atomic_path(target) as tmp:
            shutil.copyfile(shared, tmp)
        shared.unlink(missing_ok=True)
    elif result.mp4 is not None:
        atomic.write_bytes(target, result.mp4)
    else:
        raise ToolError(f"{scene_id}: the render on {node} returned no video",
                        hint=f"full log: {log}")
    append_event(project.events_file, {"event": "rendered", "scene": scene_id,
                                       "seconds": result.seconds, "executor": "ray",
                                       "returned": "bytes" if result.path is None
                                       else "shared_dir", **where})


def run(payload: RenderPayload) -> RenderResult:
    """On a worker node: render the scene in a scratch project; return the result. A failure is
    returned (message, log, traceback), so the build can show it; the scratch folder goes."""
    import time

    from flaming_horse.stages.layout_findings import layout_path
    from flaming_horse.stages.manim_run import render_scene

    root = scratch.make()
    started = time.monotonic()
    scene_id = payload.scene_id
    try:
        for rel, data in payload.files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        project = Project(root)  # a model-written scene file renders boxed here too
        project.set_overrides(run_unboxed_llm_code=payload.run_unboxed_llm_code)
        target = project.renders_dir / payload.target
        env = {**os.environ, **payload.env, "PYTHONUNBUFFERED": "1"}
        log = project.log_dir / "render" / f"{scene_id}.log"
        try:
            render_scene(project, scene_id, payload.class_name, payload.quality, target,
                         env=env, warm=False, audio_s=payload.audio_s)
        except FlamingHorseError as exc:
            return RenderResult(error=exc.message, traceback=traceback.format_exc(),
                                log=log.read_text(encoding="utf-8", errors="replace")
                                if log.is_file() else "")
        layout = layout_path(target)
        result = RenderResult(log=log.read_text(encoding="utf-8", errors="replace"),
                              layout=layout.read_bytes() if layout.is_file() else None,
                              seconds=round(time.monotonic() - started, 3))
        if payload.shared_dir:
            shared = Path(payload.shared_dir) / f"{scene_id}-{uuid.uuid4().hex}.mp4"
            shared.parent.mkdir(parents=True, exist_ok=True)
            tmp = shared.with_name(f"{atomic.TMP_PREFIX}{shared.name}")
            try:
                shutil.copyfile(target, tmp)
                os.replace(tmp, shared)
            finally:
                tmp.unlink(missing_ok=True)
            return replace(result, path=str(shared))
        return replace(result, mp4=target.read_bytes())
    finally:
        shutil.rmtree(root, ignore_errors=True)
