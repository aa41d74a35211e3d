"""Scene code a language model wrote, run contained: its dry runs (scenes stage) and its renders
(render stage), each in the box with the limits of its narration, its output in a capped log.

The box of a scene sees the project read-only and may write only its own work folder
(``media/manim/<scene>/`` for renders, ``media/manim/dry_run/<scene>/`` for dry runs), where its
home, temporary and cache folders are too. Its TeX cache is a copy of the formulas the plan
stage compiled, never the shared folder itself, so it cannot plant an entry for another scene.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

from flaming_horse import render_server
from flaming_horse.errors import GateError
from flaming_horse.project import Project
from flaming_horse.settings import QUALITIES
from flaming_horse.sandbox import box as boxes
from flaming_horse.sandbox import landlock
from flaming_horse.sandbox import limits as limit_sets
from flaming_horse.sandbox import policy
from flaming_horse.sandbox.run import Outcome, run
from flaming_horse_voice.settings import to_environment

_EXCEPTION = re.compile(r"^\s*[│|]?\s*((?:[A-Za-z_][\w.]*)?(?:Error|Exception|Exit|Interrupt"
                        r"|Warning)\b:?.*?)\s*[│|]?\s*$")
_SCENE_LINE = re.compile(r"scene_\d+\.py:(\d+)|scene_\d+\.py\", line (\d+)")


def must_box(project: Project, what: str) -> bool:
    """True: box it; False: the user opted in to run model code unboxed. SandboxError else."""
    sandbox = project.settings.sandbox
    return policy.boxed(sandbox.box, sandbox.run_unboxed_llm_code, what)


def prepare_work(project: Project, work: Path) -> None:
    """A scene's own work folder with a private copy of the plan stage's TeX cache."""
    tex = work / "Tex"
    if tex.is_symlink():  # an earlier trusted render shared the cache: not for boxed code
        tex.unlink()
    tex.mkdir(parents=True, exist_ok=True)
    shared = project.manim_media_dir / "Tex"
    for svg in shared.glob("*.svg") if shared.is_dir() else ():
        if not (tex / svg.name).exists():
            shutil.copyfile(svg, tex / svg.name)
    for name in ("home", "tmp", "cache"):
        (work / name).mkdir(parents=True, exist_ok=True)


def sweep(work: Path) -> int:
    """After boxed code ran: remove everything in its folder that is not a plain file or
    folder. A symlink it planted (to a secret outside the box, say) would otherwise be followed
    by whatever reads the project next: this build, the user, a Ray task's payload; a FIFO would
    hang the reader. Returns how many were removed."""
    removed = 0
    for folder, dirs, files in os.walk(work):
        for name in dirs + files:
            path = Path(folder, name)
            if path.is_symlink() or not (path.is_file() or path.is_dir()):
                path.unlink(missing_ok=True)
                removed += 1
        dirs[:] = [d for d in dirs if not Path(folder, d).is_symlink()]
    return removed


def environment(project: Project, work: Path, extra: dict[str, str] | None = None
                ) -> dict[str, str]:
    """Allow-listed: locale, our non-secret settings, the build's voice; home, temp and caches
    inside the work folder."""
    return boxes.safe_environment(to_environment(project.settings.voice) | {
        "HOME": str(work / "home"), "TMPDIR": str(work / "tmp"),
        "XDG_CACHE_HOME": str(work / "cache"), "MPLCONFIGDIR": str(work / "cache"),
    } | dict(extra or {}))


def scene_limits(project: Project, audio_s: float, quality: str,
                 dry_run: bool = False) -> limit_sets.Limits:
    sandbox = project.settings.sandbox
    return limit_sets.for_scene(audio_s, QUALITIES[quality][0], sandbox.time_limit_base_s,
                                sandbox.time_limit_per_audio_s, sandbox.memory_limit_gib,
                                dry_run)


def run_scene(project: Project, argv: list[str], work: Path, audio_s: float, quality: str,
              log: Path, boxed: bool, extra_env: dict[str, str] | None = None,
              dry_run: bool = False) -> Outcome:
    """Run ``argv`` (python -m manim ...) for a model-written scene: boxed (or, opted in,
    unboxed), limited by its narration's length, its output into ``log``."""
    prepare_work(project, work)
    env = environment(project, work, extra_env)
    limits = scene_limits(project, audio_s, quality, dry_run)
    try:
        if boxed:
            box = boxes.Box(writable=(work,), read_only=(project.root,), cwd=project.root,
                            env=env)
            return run(argv, limits, log, box=box)
        return run(argv, limits, log, cwd=project.root, env=env)
    finally:
        sweep(work)


def box_ready(project: Project) -> bool:
    """A box can be made and the settings do not turn it off."""
    return project.settings.sandbox.box != "none" and boxes.probe().ok


def warm_available(boxed: bool, warm: bool) -> bool:
    """Renders of model code can share one warm box when each can be narrowed to its folder."""
    return boxed and warm and render_server.enabled() and landlock.available()


def boxed_server(project: Project) -> render_server.WarmManim:
    """The build's warm manim for model-written scenes, inside a box that may write the manim
    media folder and the render and dry-run logs (each render or dry run then narrows itself to
    its own folder)."""
    home = project.manim_media_dir / ".box"
    for name in ("home", "tmp", "cache"):
        (home / name).mkdir(parents=True, exist_ok=True)
    logs, dry_logs = project.log_dir / "render", project.log_dir / "dry_run"
    for folder in (logs, dry_logs):
        folder.mkdir(parents=True, exist_ok=True)
    box = boxes.Box(writable=(project.manim_media_dir, logs, dry_logs),
                    read_only=(project.root,), cwd=project.root,
                    env=environment(project, home))
    return render_server.warm_boxed(str(project.root), logs / "server-boxed.log", box.command,
                                    box.env)


def render_warm(project: Project, argv: list[str], work: Path, audio_s: float, quality: str,
                log: Path, extra_env: dict[str, str], dry_run: bool = False) -> Outcome | None:
    """Render (or dry-run) a model-written scene in a fork of the boxed warm manim, narrowed to
    ``work`` and limited; None when that server is gone (the caller runs it cold, boxed)."""
    prepare_work(project, work)
    limits = scene_limits(project, audio_s, quality, dry_run)
    server = boxed_server(project)
    started = time.monotonic()
    broken: list[str] = []

    def watch() -> bool:  # the box's whole tree and this scene's folder
        reason = limit_sets.exceeded(limits, server.proc.pid, (work,))
        if reason:
            broken.append(reason)
        return reason is not None

    try:
        code = server.run(argv[3:], project.root, environment(project, work, extra_env), log,
                          confine={"write": [str(work)], "limits": limits.rlimits()},
                          wall_s=limits.wall_s, watch=watch)
    finally:
        sweep(work)
    if code is None:
        return None
    seconds = time.monotonic() - started
    return Outcome(code, code == -9 and seconds >= limits.wall_s, seconds, log,
                   broken[0] if broken else None)


def run_model_code(project: Project, argv: list[str], work: Path, audio_s: float,
                   quality: str, log: Path, boxed: bool, warm: bool,
                   extra_env: dict[str, str] | None = None, dry_run: bool = False) -> Outcome:
    """Run a model-written scene (a render or a dry run): in a fork of the boxed warm manim
    where one can be used (manim imported once, not per run), else cold (``run_scene``)."""
    outcome = render_warm(project, argv, work, audio_s, quality, log, extra_env or {},
                          dry_run=dry_run) if warm_available(boxed, warm) else None
    if outcome is None:
        outcome = run_scene(project, argv, work, audio_s, quality, log, boxed, extra_env,
                            dry_run=dry_run)
    return outcome


def limit_message(outcome: Outcome, what: str) -> str | None:
    """Why a contained run was stopped, when it was (wall time or an rlimit signal)."""
    if outcome.timed_out:
        return f"{what} was stopped at its time limit ({outcome.seconds:.0f} s)"
    if outcome.stopped:
        return f"{what} was stopped at {outcome.stopped}"
    signals = {-9: "its CPU time limit or a kill", -24: "its CPU time limit",
               -25: "its file size limit", 137: "a kill", 152: "its CPU time limit",
               153: "its file size limit"}
    if outcome.code in signals:
        return f"{what} was stopped by {signals[outcome.code]}"
    return None


def redact(text: str) -> str:
    """``text`` without the values of this process's secret-looking environment variables."""
    for name, value in os.environ.items():
        if len(value) >= 6 and boxes.is_secret_name(name):
            text = text.replace(value, "[redacted]")
    return text


def error_summary(outcome: Outcome, scene_file: Path) -> str:
    """What a model needs to repair its code, and no more: the exception's type and the first
    200 characters of its message, and the scene file's line; never the whole output (which
    could carry file contents the code read)."""
    lines = outcome.log.read_text(encoding="utf-8", errors="replace").splitlines()
    exception = next((m.group(1) for line in reversed(lines)
                      if (m := _EXCEPTION.match(line)) and ":" in m.group(1)), None)
    where = next((m.group(1) or m.group(2) for line in reversed(lines)
                  if (m := _SCENE_LINE.search(line))), None)
    parts = []
    if exception:
        parts.append(" ".join(exception.split())[:200])
    if where:
        source = scene_file.read_text(encoding="utf-8").splitlines()
        number = int(where)
        if 0 < number <= len(source):
            parts.append(f"at scene file line {number}: {source[number - 1].strip()[:160]}")
    return redact("\n".join(parts) or f"exit code {outcome.code}")


def dry_run(project: Project, scene_id: str, class_name: str, audio_s: float) -> None:
    """``manim render --dry_run`` of the candidate scene file, contained; GateError("dry_run")
    with a cut, redacted error when it fails or breaks a limit. Output: log/dry_run/."""
    boxed = must_box(project, f"{scene_id}'s code")
    work = project.manim_media_dir / "dry_run" / scene_id
    scene_file = project.scene_file(scene_id)
    argv = render_server.manim_render("--dry_run", "-ql", "--media_dir", str(work),
                                      "--progress_bar", "none", str(scene_file), class_name)
    log = project.log_dir / "dry_run" / f"{scene_id}.log"
    outcome = run_model_code(project, argv, work, audio_s, "low", log, boxed, True,
                             dry_run=True)
    stopped = limit_message(outcome, f"{class_name}'s dry run")
    if stopped:
        raise GateError("dry_run", stopped, hint="look for loops that never end, huge numbers, "
                                                 "or animations far longer than the narration")
    if outcome.code != 0:
        raise GateError("dry_run", f"{class_name} failed a dry run (exit {outcome.code}):\n"
                                   + error_summary(outcome, scene_file),
                        hint="fix the error shown")

