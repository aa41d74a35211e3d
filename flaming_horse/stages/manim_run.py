"""Running manim on one scene file: its config and command, the warm server or a cold
subprocess (boxed when a model wrote the code), its log, the layout findings it records, and
the render's place under media/scenes. The render stage (``render``) and its task form for a
cluster (``render_task``) both render through here."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from flaming_horse import children, render_server
from flaming_horse.authoring.figures.manim import script_line
from flaming_horse.errors import ToolError
from flaming_horse.project import Project
from flaming_horse.settings import QUALITIES
from flaming_horse.stages import contained
from flaming_horse.stages.artifacts import load_plan
from flaming_horse.stages.layout_findings import layout_path
from flaming_horse.stages.scenes import written_by_model
from flaming_horse_voice.events import append_event
from flaming_horse_voice.settings import to_environment

LAYOUT_ENV = "FLAMING_HORSE_LAYOUT_REPORT"  # where scene_kit.LayoutChecked writes its findings


def output_path(project: Project, scene_id: str, quality: str, input_hash: str) -> Path:
    return project.renders_dir / f"{scene_id}-{quality}-{input_hash[:16]}.mp4"


def _voice_env(project: Project) -> dict[str, str]:
    """The render subprocess must resolve the same voice as this process (CLI overrides included)."""
    env = dict(os.environ) | to_environment(project.settings.voice)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


# x264 options for manim's segment encoder; see README "Speed" and scripts/bench_encoder.py.
ENCODER_OPTIONS: dict[str, str] = {"crf": "23", "preset": "veryfast"}
# At 1080p60 the encoder costs more than drawing: ultrafast at crf 30 renders with 24% less CPU
# than veryfast at crf 23 and a closer picture (PSNR 54.6 against 49.9 dB to a lossless render),
# in files 1.7 times the size (measured side by side by scripts/bench_encoder.py)
HIGH_ENCODER_OPTIONS: dict[str, str] = {"crf": "30", "preset": "ultrafast"}


def encoder_options(quality: str) -> dict[str, str]:
    """The x264 options a render at ``quality`` is encoded with."""
    return HIGH_ENCODER_OPTIONS if quality == "high" else ENCODER_OPTIONS

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
    return render_server.manim_render(
        f"-q{flag}", "--media_dir", str(work), "--config_file", str(config_file),
        "--disable_caching", "--progress_bar", "none", *extra, "-o", name, str(scene_file),
        class_name)


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
    config = manim_config(work / "manim.cfg", encoder_options(quality), INFLIGHT_ENCODERS)
    cmd = manim_command(scene_file, class_name, quality, work, scene_id, config)
    started = time.monotonic()
    append_event(project.events_file, {"event": "render", "scene": scene_id, "quality": quality,
                                       **({"boxed": boxed} if untrusted else {})})
    env = dict(env) if env is not None else _voice_env(project)
    # manim imports the scene file as a module: Python would cache its bytecode in the
    # project's scenes/__pycache__, where a scene taken out of the script leaves its file behind
    # (scene files change on every edit, so the cache saves nothing). A warm render's fork sets
    # the same flag itself (the server is already running).
    env["PYTHONDONTWRITEBYTECODE"] = "1"
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
            outcome = contained.run_model_code(project, cmd, work, audio_s, quality, log_path,
                                               boxed, warm, ours)
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
               re.finditer(rf"{name}\"?(?::(\d+)|, line (\d+))", log + "\n" + _unboxed(log))]
    try:
        source = scene_file.read_text(encoding="utf-8")
    except OSError:
        return ""
    for number in reversed(numbers):
        line = script_line(source, number)
        if line is not None:
            return f"\nscript.md line {line}: the failing line of that scene's manim block"
    return ""


def _unboxed(log: str) -> str:
    """The text inside rich's traceback panel (manim prints its errors so), its lines joined
    back: the panel is 100 columns wide whatever the terminal, and folds a long path, so
    ``.../scenes/scene_01.py`` and its ``:23 in construct`` can stand on two lines."""
    return "".join(m.group(1).rstrip() for m in re.finditer(r"^│ (.*) │$", log, re.M))


def _failure_excerpt(log_path: Path, lines: int = 12) -> str:
    text = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(line.rstrip() for line in text[-lines:] if line.strip())


def renders_of(project: Project, scene_id: str, quality: str) -> list[Path]:
    """The scene's renders at this quality (and their layout findings): once a new one is
    done, the others are superseded (renders at other qualities are kept: switching back
    costs nothing)."""
    return sorted(project.renders_dir.glob(f"{scene_id}-{quality}-*"))


# where manim keeps the SVGs it made: LaTeX's (Tex/) and Pango's (texts/), shared and per scene
# (media/manim/<scene>/, media/manim/dry_run/<scene>/)
_SVG_CACHES = ("Tex", "texts", "*/Tex", "*/texts", "*/*/Tex", "*/*/texts")


def repair_svg_cache(project: Project) -> int:
    """Remove the SVGs a killed build left cut short (LaTeX, dvisvgm and Pango write them in
    place, and manim trusts any file it finds: a render would fail to parse it), with the DVI
    files whose SVG is missing (LaTeX may have been killed writing them); manim makes them again.
    Returns how many SVGs were removed."""
    removed = 0
    for pattern in _SVG_CACHES:
        for folder in project.manim_media_dir.glob(pattern):
            for svg in folder.glob("*.svg"):
                if not _complete_svg(svg):
                    svg.unlink(missing_ok=True)
                    removed += 1
            for dvi in [*folder.glob("*.dvi"), *folder.glob("*.xdv")]:
                if not dvi.with_suffix(".svg").is_file():
                    dvi.unlink(missing_ok=True)
    return removed


def _complete_svg(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 256))
            return b"</svg>" in handle.read()
    except OSError:
        return False
