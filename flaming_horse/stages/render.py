"""render: each scene rendered by manim in its own subprocess, into media/scenes/scene_NN-<hash>.mp4.

The output name carries the input hash (scene code, its audio clips, quality, manim and scene_kit
versions), so an unchanged scene is never rendered again, even if project_state.json is lost."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

from flaming_horse import children, render_server
from flaming_horse.authoring.figures.manim import script_line
from flaming_horse.errors import FlamingHorseError, SandboxError, ToolError
from flaming_horse.hashing import hash_file, hash_json, hash_tree
from flaming_horse.pipeline import Unit
from flaming_horse.project import QUALITIES, Project
from flaming_horse.reporting import Progress
from flaming_horse.stages import contained
from flaming_horse.stages.artifacts import beats, load_narrations, load_plan, selected, voice
from flaming_horse.stages.scenes import write_template, written_by_model
from flaming_horse_voice.events import append_event
from flaming_horse_voice.settings import to_environment

_KIT_DIR = Path(__file__).resolve().parents[1] / "scene_kit"
_RULES = _KIT_DIR.parent / "figure_rules.py"  # the kit imports it
PARALLEL = True  # scenes render in their own processes: the pipeline may run several at once


LAYOUT_ENV = "FLAMING_HORSE_LAYOUT_REPORT"  # where scene_kit.LayoutChecked writes its findings


def layout_path(render: Path) -> Path:
    """The layout findings recorded while ``render`` was drawn."""
    return render.with_suffix(".layout.json")


def layout_report(render: Path) -> dict | None:
    """What LayoutChecked recorded while ``render`` was drawn ({"frame", "findings"}), or None
    when it was not checked (hand-written scenes may opt out)."""
    try:
        data = json.loads(layout_path(render).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "findings" in data else None


def layout_findings(render: Path) -> list[dict] | None:
    """Findings of a render, or None when it was not checked."""
    report = layout_report(render)
    return None if report is None else report["findings"]


def output_path(project: Project, scene_id: str, quality: str, input_hash: str) -> Path:
    return project.renders_dir / f"{scene_id}-{quality}-{input_hash[:16]}.mp4"


def _voice_env(project: Project) -> dict[str, str]:
    """The render subprocess must resolve the same voice as this process (CLI overrides included)."""
    env = dict(os.environ) | to_environment(project.settings.voice)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


# x264 options for manim's segment encoder; see README "Speed" and scripts/bench_encoder.py.
ENCODER_OPTIONS: dict[str, str] = {"crf": "23", "preset": "veryfast"}
INFLIGHT_ENCODERS = 2  # encode one animation's segment while the next one is drawn


def manim_config(path: Path, options: dict[str, str], inflight: int) -> Path:
    """A manim.cfg with our encoder settings (manim 0.22 reads [video_encoder.options])."""
    lines = ["[CLI]", f"max_inflight_encoders = {inflight}", "", "[video_encoder.options]",
             *(f"{key} = {value}" for key, value in sorted(options.items())), ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def manim_command(scene_file: Path, class_name: str, quality: str, work: Path, name: str,
                  config_file: Path, extra: tuple[str, ...] = ()) -> list[str]:
    flag = QUALITIES[quality][0]
    return [sys.executable, "-m", "manim", "render", f"-q{flag}", "--media_dir", str(work),
            "--config_file", str(config_file), "--disable_caching", "--progress_bar", "none",
            *extra, "-o", name, str(scene_file), class_name]


def render_scene(project: Project, scene_id: str, class_name: str, quality: str,
                 target: Path, env: dict[str, str] | None = None, warm: bool = True,
                 audio_s: float = 0.0) -> None:
    """Render one scene file with manim into ``target`` (atomically); log in log/render/.
    ``env``: the render's environment (default: this process's, with the project's voice);
    ``warm``: fork from the warm manim server when it is on (else a cold ``python -m manim``).
    A scene file written by a language model renders in the box (see ``contained``), with
    limits from ``audio_s``, its narration's length."""
    _, height, fps = QUALITIES[quality]
    scene_file = project.scene_file(scene_id)
    untrusted = written_by_model(project, scene_id)
    boxed = contained.must_box(project, f"{scene_id}'s code") if untrusted else False
    log_path = project.log_dir / "render" / f"{scene_id}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    # Each scene gets its own manim media folder (manim's text cache is not safe to share between
    # processes), with the LaTeX cache shared: the plan stage already compiled every formula.
    # Model-written code gets a copy of that cache instead (contained.prepare_work).
    work = project.manim_media_dir / scene_id
    boxed_before = project.manim_media_dir / f".boxed-{scene_id}"  # outside what boxes write
    if untrusted:
        boxed_before.parent.mkdir(parents=True, exist_ok=True)
        boxed_before.touch()
    elif boxed_before.exists():  # model code wrote in this folder (caches): start afresh
        shutil.rmtree(work, ignore_errors=True)
        boxed_before.unlink()
    work.mkdir(parents=True, exist_ok=True)
    if not untrusted:
        shared_tex = project.manim_media_dir / "Tex"
        shared_tex.mkdir(parents=True, exist_ok=True)
        if not (work / "Tex").exists():
            (work / "Tex").symlink_to(shared_tex, target_is_directory=True)
    produced = work / "videos" / scene_id / f"{height}p{fps}" / f"{scene_id}.mp4"
    shutil.rmtree(work / "videos" / scene_id, ignore_errors=True)
    config = manim_config(work / "manim.cfg", ENCODER_OPTIONS, INFLIGHT_ENCODERS)
    cmd = manim_command(scene_file, class_name, quality, work, scene_id, config)
    started = time.monotonic()
    append_event(project.events_file, {"event": "render", "scene": scene_id, "quality": quality,
                                       **({"boxed": boxed} if untrusted else {})})
    env = dict(env) if env is not None else _voice_env(project)
    target.parent.mkdir(parents=True, exist_ok=True)
    findings = layout_path(target)
    reported = (work / "layout.json") if untrusted else \
        findings.with_name(f".fh-tmp-{findings.name}")
    reported.unlink(missing_ok=True)
    env[LAYOUT_ENV] = str(reported)
    log_path.write_text("", encoding="utf-8")
    stopped = None
    try:
        if untrusted:
            ours = {k: v for k, v in env.items() if k.startswith("FLAMING_HORSE_")}
            ours[LAYOUT_ENV] = str(reported)
            outcome = contained.render_warm(project, cmd, work, audio_s, quality, log_path,
                                            ours) \
                if contained.warm_available(boxed, warm) else None
            if outcome is None:
                outcome = contained.run_scene(project, cmd, work, audio_s, quality, log_path,
                                              boxed, ours)
            code, stopped = outcome.code, contained.limit_message(outcome, f"{scene_id}'s render")
        else:
            code = _run_manim(project, cmd, env, log_path, warm)
    except KeyboardInterrupt:
        shutil.rmtree(work / "videos" / scene_id, ignore_errors=True)
        raise
    if code != 0 or not produced.is_file():
        shutil.rmtree(work / "videos" / scene_id, ignore_errors=True)
        reported.unlink(missing_ok=True)
        raise ToolError(f"manim failed to render {scene_id}"
                        + (f": {stopped}" if stopped else "")
                        + f":\n{_failure_excerpt(log_path)}"
                        + _script_place(scene_file, log_path),
                        hint=f"full log: {log_path}; check one scene quickly with: "
                             f"flaming-horse render {project.root} --scene "
                             f"{int(scene_id.split('_')[1])}")
    target.parent.mkdir(parents=True, exist_ok=True)
    if reported.is_file():  # the layout findings first: a render is only done with them
        os.replace(reported, findings)
    tmp = target.with_name(f".fh-tmp-{target.name}")
    shutil.move(str(produced), tmp)
    os.replace(tmp, target)
    shutil.rmtree(work / "videos" / scene_id, ignore_errors=True)
    append_event(project.events_file, {"event": "rendered", "scene": scene_id,
                                       "seconds": round(time.monotonic() - started, 3)})


def warm_up(project: Project) -> None:
    """Start the warm manim now, so its import overlaps the voice stage (see render_server):
    the plain one for trusted scenes, the boxed one for scenes a model wrote."""
    if not render_server.enabled():
        return
    by_model = [written_by_model(project, s.id) for s in load_plan(project).scenes]
    boxed_warm = contained.warm_available(contained.box_ready(project), True)
    if not all(by_model) or not boxed_warm:  # only the servers this build will use
        render_server.warm(project.root, _voice_env(project), project.log_dir / "render" /
                           "server.log")
    if any(by_model) and boxed_warm:
        contained.boxed_server(project)


def _run_manim(project: Project, cmd: list[str], env: dict[str, str], log_path: Path,
               warm: bool = True) -> int:
    """Run ``python -m manim render ...`` (cmd) in a fork of the warm server when it is on and
    alive, else as a cold subprocess; its output goes to log_path."""
    if warm and render_server.enabled():
        server = render_server.warm(project.root, _voice_env(project),
                                    project.log_dir / "render" / "server.log")
        code = server.run(cmd[3:], project.root, env, log_path)
        if code is not None:
            return code
    with open(log_path, "a", encoding="utf-8") as log:
        return children.run(cmd, cwd=project.root, stdout=log, stderr=subprocess.STDOUT, env=env)


def _script_place(scene_file: Path, log_path: Path) -> str:
    """Where in script.md a failing line of a manim block is (the last such line the
    traceback names), as a line to add to the error; empty when none is."""
    name = re.escape(scene_file.name)
    log = log_path.read_text(encoding="utf-8", errors="replace")
    numbers = [int(m.group(1) or m.group(2)) for m in
               re.finditer(rf"{name}\"?(?::(\d+)|, line (\d+))", log)]
    try:
        source = scene_file.read_text(encoding="utf-8")
    except OSError:
        return ""
    for number in reversed(numbers):
        line = script_line(source, number)
        if line is not None:
            return f"\nscript.md line {line}: the failing line of that scene's manim block"
    return ""


def _failure_excerpt(log_path: Path, lines: int = 12) -> str:
    text = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(line.rstrip() for line in text[-lines:] if line.strip())


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
            "encoder": ENCODER_OPTIONS}


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
            remove_older(project, scene.id, quality, target)

        def task(progress: Progress, scene=scene, target=target, keys=keys, audio_s=audio_s,
                 built=built):
            from flaming_horse.executors import render_task

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
                    remove_older(project, scene.id, quality, built[0])

            job.land = land_or_fall_back
            return job

        words = {"code": "scene code", "clips": "voice clips", "kit": "scene_kit",
                 "voiceover": "manim-voiceover", "encoder": "encoder settings"}
        named = {words.get(k, k): beats(v) if k == "clips" else v for k, v in named.items()}
        result.append(Unit("render", scene.id, digest, is_done=target.is_file, run=run,
                           outputs=lambda built=built: list(built), task=task, inputs=named))
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


def remove_older(project: Project, scene_id: str, quality: str, target: Path) -> None:
    """Delete the scene's older renders at this quality, once ``target`` is in place."""
    for old in project.renders_dir.glob(f"{scene_id}-{quality}-*"):
        if old not in (target, layout_path(target)):
            old.unlink()


def scene_outputs(project: Project) -> list[tuple[str, Path]]:
    """(scene id, rendered file) for every scene of the plan at the project's quality."""
    quality = project.settings.quality
    return [(u.scene, output_path(project, u.scene, quality, u.input_hash))
            for u in units(project)]
