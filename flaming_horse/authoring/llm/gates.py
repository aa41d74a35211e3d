"""The gates a generated scene body passes before it is rendered, cheapest and safest first:

syntax -> policy (pure AST, nothing runs) -> api (names and keywords against the installed manim)
-> timing (static budget per beat) -> dry run (manim --dry_run in a subprocess, by the caller
on the finished scene file). Each failure is a GateError whose ``detail`` can be shown to the
model that wrote the body, so it can repair it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Iterable

from flaming_horse.errors import GateError
from flaming_horse.authoring.llm.api import check_api
from flaming_horse.authoring.llm.budget import check_timing
from flaming_horse.authoring.llm.names import normalize, parse
from flaming_horse.authoring.llm.policy import check_policy

__all__ = ["GateError", "check_api", "check_policy", "check_syntax", "check_timing", "dry_run",
           "normalize", "run_gates"]


def check_syntax(body: str) -> None:
    """Raise GateError("syntax") with the body's line number if it does not compile as the
    body of a function (so top-level ``return`` is fine and ``await`` is not)."""
    parse(body)


def run_gates(body: str, beat_durations: list[float], extra_names: Iterable[str] = ()) -> None:
    """Syntax, policy, api, timing, in that order; raises the first GateError. The body is
    never executed. ``extra_names``: names the scaffold binds for the body (e.g. ``header``)."""
    check_syntax(body)
    check_policy(body)
    check_api(body, extra_names)
    check_timing(body, beat_durations)


def dry_run(scene_file: Path, scene_class: str, timeout_s: float = 120.0,
            cwd: Path | None = None, media_dir: Path | None = None) -> None:
    """Run the finished scene file with ``manim render --dry_run`` (every animation is built
    and stepped through, nothing is written) and raise GateError("dry_run") with the last lines
    of its output if it fails or takes longer than ``timeout_s``.

    Only for bodies that passed ``run_gates``: this one does execute the code. ``media_dir``:
    where manim keeps its text/TeX caches (default: ./media beside the scene file).
    """
    command = [sys.executable, "-m", "manim", "render", "--dry_run", "-ql",
               *(["--media_dir", str(media_dir)] if media_dir is not None else []),
               str(Path(scene_file).resolve()), scene_class]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        done = subprocess.run(command, cwd=cwd or Path(scene_file).resolve().parent, env=env,
                              capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise GateError("dry_run", f"{scene_class} did not finish a dry run in {timeout_s:g} s",
                        hint="look for loops that never end or very long animations") from None
    if done.returncode != 0:
        lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        tail = "\n".join(lines[-15:])
        raise GateError("dry_run", f"{scene_class} failed a dry run (exit {done.returncode}):\n"
                                   f"{tail}",
                        hint="fix the error shown in the last lines of manim's output")
