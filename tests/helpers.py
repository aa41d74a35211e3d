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




def voice_reference(folder: Path, transcript: str = "Hello world, this is my voice.",
                    freq: float = 140.0) -> Path:
    """A voice reference for cloning: ``folder/ref.wav`` (Piper saying ``transcript``, 24 kHz,
    over a faint hum at ``freq`` so that two references differ) and its transcript
    ``folder/ref.txt``. Real speech: the build hears the reference and refuses a transcript that
    does not match it."""
    import wave

    import numpy as np
    from scipy.signal import resample_poly

    from flaming_horse_voice.factory import create_backend
    from flaming_horse_voice.settings import VoiceSettings

    folder.mkdir(parents=True, exist_ok=True)
    clip = create_backend(VoiceSettings()).synthesize(transcript)
    speech = resample_poly(clip.samples, 24000, clip.sample_rate)
    t = np.arange(len(speech)) / 24000
    signal = np.clip(speech + 0.01 * np.sin(2 * np.pi * freq * t), -1.0, 1.0)
    with wave.open(str(folder / "ref.wav"), "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(24000)
        out.writeframes((signal * 32767).astype("<i2").tobytes())
    (folder / "ref.txt").write_text(transcript, encoding="utf-8")
    return folder / "ref.wav"


def built_but_for_loudness(project: Path, run: subprocess.CompletedProcess) -> str:
    """The output of a build with a tiny random voice model. It must get through QC but for
    loudness and what was said: such a model's "speech" is noise close to silence, which the
    loudness check and the hearing (when on) rightly fail."""
    import json

    output = run.stdout + run.stderr
    failed = [c["check"] for c in json.loads((project / "qc_report.json").read_text())["checks"]
              if not c["passed"]]
    assert set(failed) <= {"integrated_loudness_lufs", "spoken_match"}, output
    assert run.returncode == (1 if failed else 0), output
    assert (project / "final_video.mp4").is_file(), output
    return output
