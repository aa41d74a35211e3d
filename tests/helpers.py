"""Test helpers: run the real CLI, read the event log, snapshot a project's files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from flaming_horse_voice.events import read_events

REPO = Path(__file__).resolve().parents[1]

SHORT_SCRIPT = """# Tiny test video

## First idea

Three points matter here.

- One point
- Two points

## Second idea

$$ a^2 + b^2 = c^2 $$
$$ c = \\sqrt{a^2 + b^2} $$

That is the rule.

## Third idea

::: recap
Points
Rules
:::

And that is all.
"""


def fh(*args: str, cwd: Path | None = None, env: dict | None = None,
       check: bool = True) -> subprocess.CompletedProcess:
    """Run the real CLI in a subprocess, as a user would."""
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "flaming_horse", *args], cwd=cwd or REPO,
                          capture_output=True, text=True, env=full_env, timeout=900)
    if check and proc.returncode != 0:
        raise AssertionError(f"flaming-horse {' '.join(args)} failed ({proc.returncode}):\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc


def events(project: Path, kind: str | None = None) -> list[dict]:
    found = read_events(project / "log" / "events.jsonl")
    return [e for e in found if kind is None or e["event"] == kind]


def snapshot(project: Path) -> dict[str, int]:
    """mtime_ns of every file in the project except the logs, the lock and the state record."""
    skip = {"log", ".flaming-horse.lock", "project_state.json"}
    return {str(p.relative_to(project)): p.stat().st_mtime_ns for p in project.rglob("*")
            if p.is_file() and not (set(p.relative_to(project).parts) & skip)}


