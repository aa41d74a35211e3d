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
from dataclasses import asdict
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
    payload = {"scene_id": scene_id, "class_name": class_name, "quality": quality,
               "target": target.name, "files": files, "env": _voice_env(project),
               "shared_dir": shared, "audio_s": sum(entries[k].duration for k in keys),
               "run_unboxed_llm_code": project.settings.sandbox.run_unboxed_llm_code}

    def started(where: dict[str, Any]) -> None:
        append_event(project.events_file, {"event": "render", "scene": scene_id,
                                           "quality": quality, "executor": "ray", **where})

    def land(result: dict[str, Any], where: dict[str, Any]) -> None:
        _land(project, scene_id, quality, target, result, where)

    return Task("render", run, payload, land, started)


def _land(project: Project, scene_id: str, quality: str, target: Path, result: dict[str, Any],
          where: dict[str, Any]) -> None:
    from flaming_horse.stages.layout_findings import layout_path

    log = project.log_dir / "render" / f"{scene_id}.log"
    atomic.write_text(log, result.get("log", ""))
    node = f"node {where.get('node')} ({where.get('node_id')})"
    if "error" in result:
        raise ToolError(f"{result['error']}\n(rendered on {node})",
                        hint=f"full log: {log}") from RemoteTraceback(result.get("traceback", ""))
    if result.get("layout") is not None:
        atomic.write_bytes(layout_path(target), result["layout"])
    if "path" in result:  # on shared storage: moved (or copied) into place, then removed there
        shared = Path(result["path"])
        with atomic.atomic_path(target) as tmp:
            shutil.copyfile(shared, tmp)
        shared.unlink(missing_ok=True)
    else:
        atomic.write_bytes(target, result["mp4"])
    append_event(project.events_file, {"event": "rendered", "scene": scene_id,
                                       "seconds": result.get("seconds"), "executor": "ray",
                                       "returned": "shared_dir" if "path" in result else "bytes",
                                       **where})


def run(payload: dict[str, Any]) -> dict[str, Any]:
    """On a worker node: render the scene in a scratch project; return the result. A failure is
    returned (message, log, traceback), so the build can show it; the scratch folder goes."""
    import time

    from flaming_horse.stages.layout_findings import layout_path
    from flaming_horse.stages.manim_run import render_scene

    root = scratch.make()
    started = time.monotonic()
    scene_id = payload["scene_id"]
    try:
        for rel, data in payload["files"].items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        project = Project(root)  # a model-written scene file renders boxed here too
        project.set_overrides(run_unboxed_llm_code=payload.get("run_unboxed_llm_code", False))
        target = project.renders_dir / payload["target"]
        env = {**os.environ, **payload["env"], "PYTHONUNBUFFERED": "1"}
        log = project.log_dir / "render" / f"{scene_id}.log"
        try:
            render_scene(project, scene_id, payload["class_name"], payload["quality"], target,
                         env=env, warm=False, audio_s=payload.get("audio_s", 0.0))
        except FlamingHorseError as exc:
            return {"error": exc.message, "traceback": traceback.format_exc(),
                    "log": log.read_text(encoding="utf-8", errors="replace")
                    if log.is_file() else ""}
        layout = layout_path(target)
        result: dict[str, Any] = {
            "log": log.read_text(encoding="utf-8", errors="replace"),
            "layout": layout.read_bytes() if layout.is_file() else None,
            "seconds": round(time.monotonic() - started, 3)}
        if payload.get("shared_dir"):
            shared = Path(payload["shared_dir"]) / f"{scene_id}-{uuid.uuid4().hex}.mp4"
            shared.parent.mkdir(parents=True, exist_ok=True)
            tmp = shared.with_name(f"{atomic.TMP_PREFIX}{shared.name}")
            try:
                shutil.copyfile(target, tmp)
                os.replace(tmp, shared)
            finally:
                tmp.unlink(missing_ok=True)
            result["path"] = str(shared)
        else:
            result["mp4"] = target.read_bytes()
        return result
    finally:
        shutil.rmtree(root, ignore_errors=True)
