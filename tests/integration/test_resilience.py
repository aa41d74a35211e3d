"""Interruptions and misuse: kill -9 mid-build, a second concurrent build, bad input."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time

import pytest

from flaming_horse.project import Project
from tests.helpers import REPO, SHORT_SCRIPT, events, fh

pytestmark = pytest.mark.slow


def _finished_units(project_dir) -> dict[str, int]:
    """Artifacts that were complete (renamed into place) at this moment, with their mtimes."""
    found = {}
    for folder in ("media/voice/piper", "media/scenes"):
        for path in (project_dir / folder).glob("*.mp3" if "voice" in folder else "*.mp4"):
            if not path.name.startswith(".fh-tmp-"):
                found[str(path.relative_to(project_dir))] = path.stat().st_mtime_ns
    return found


def test_kill_9_at_a_random_moment_then_build_resumes(tmp_path):
    script = tmp_path / "s.md"
    script.write_text(SHORT_SCRIPT)
    projects = tmp_path / "projects"
    project = projects / "k"
    rng = random.Random(os.environ.get("FH_KILL_SEED"))
    delay = rng.uniform(4.0, 14.0)
    proc = subprocess.Popen([sys.executable, "-m", "flaming_horse", "create", "k", "--topic",
                             str(script), "--projects-dir", str(projects)], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = _finished_units(project)
    seen = len(events(project))
    fh("build", str(project))
    after = events(project)[seen:]
    for rel, mtime in finished.items():  # nothing finished before the kill was redone
        assert (project / rel).stat().st_mtime_ns == mtime, f"{rel} was redone (kill at {delay:.1f}s)"
    respoken = {e["key"] for e in after if e["event"] == "tts"}
    assert not any(key in rel for rel in finished for key in respoken)
    rerendered = {e["scene"] for e in after if e["event"] == "render"}
    assert not any(rel.startswith(f"media/scenes/{s}-") for rel in finished for s in rerendered)
    assert json.loads((project / "qc_report.json").read_text())["passed"]
    assert not list(project.rglob(".fh-tmp-*"))


def test_second_concurrent_build_is_refused(built_project, tmp_path):
    with Project(built_project).lock():
        result = fh("build", str(built_project), check=False)
    assert result.returncode == 1
    assert "another build" in result.stderr and str(os.getpid()) in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name", ["../evil", "a/b", ".hidden", "", "x" * 65])
def test_bad_project_names_are_refused(tmp_path, name):
    result = fh("create", name, "--topic", "Anything", "--projects-dir", str(tmp_path / "p"),
                check=False)
    assert result.returncode != 0
    assert "invalid project name" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "p").exists() and not (tmp_path / "evil").exists()


def test_bad_formula_is_reported_with_its_line_before_rendering(tmp_path):
    script = tmp_path / "bad.md"
    script.write_text(SHORT_SCRIPT.replace(r"$$ c = \sqrt{a^2 + b^2} $$", r"$$ c = \frac{a $$"))
    result = fh("create", "bad", "--topic", str(script), "--projects-dir", str(tmp_path / "p"),
                check=False)
    assert result.returncode == 1
    assert "script.md:13:" in result.stderr and "LaTeX" in result.stderr
    assert "Traceback" not in result.stderr
    assert events(tmp_path / "p" / "bad") == []  # nothing spoken, nothing rendered
    verbose = fh("--verbose", "build", str(tmp_path / "p" / "bad"), check=False)
    assert verbose.returncode == 1 and "Traceback" in verbose.stderr


def test_topic_without_llm_writes_a_starter_script_and_renders_it(tmp_path):
    result = fh("create", "sky", "--topic", "Why the sky is blue", "--projects-dir",
                str(tmp_path / "p"))
    project = tmp_path / "p" / "sky"
    assert "# Why the sky is blue" in (project / "script.md").read_text()
    assert (project / "final_video.mp4").is_file()
    assert "Edit" in result.stdout and "build" in result.stdout and "LLM" in result.stdout


def _sigint_default() -> None:
    """A test run started in the background (`make test &`) ignores SIGINT, and children inherit
    that; the build under test must see SIGINT as a terminal's Ctrl-C would deliver it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_mid_render_exits_130_and_build_resumes(tmp_path):
    script = tmp_path / "s.md"
    script.write_text(SHORT_SCRIPT)
    project = tmp_path / "projects" / "c"
    proc = subprocess.Popen([sys.executable, "-m", "flaming_horse", "create", "c", "--topic",
                             str(script), "--projects-dir", str(tmp_path / "projects")], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_sigint_default)
    deadline = time.monotonic() + 120
    while not events(project, "render") and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # inside the first manim render
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stdout + stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    state = json.loads((project / "project_state.json").read_text())
    assert state["stages"]["render"]["scenes"]["scene_01"]["status"] in ("interrupted", "done")
    fh("build", str(project))
    spoken = [e["key"] for e in events(project, "tts")]
    assert len(spoken) == len(set(spoken)) == 3  # every beat spoken once, across both runs
    assert json.loads((project / "qc_report.json").read_text())["passed"]
    assert not list(project.rglob(".fh-tmp-*"))


def test_svgs_a_kill_cut_short_are_made_again(project_copy):
    """kill -9 while Pango or LaTeX writes an SVG leaves it cut short, and manim trusts any file
    in its cache: the next build removes such files, and the render makes them again."""
    texts = list((project_copy / "media" / "manim" / "scene_02" / "texts").glob("*.svg"))
    assert texts
    for svg in texts:
        svg.write_bytes(svg.read_bytes()[: len(svg.read_bytes()) // 3])
    texts[0].write_bytes(b"")
    scene = project_copy / "scenes" / "scene_02.py"
    scene.write_text(scene.read_text() + "\n# edited: rendered again\n")
    out = fh("build", str(project_copy)).stdout
    assert f"removed {len(texts)} partial file(s)" in out, out
    assert re.search(r"render +scene_02 done in", out), out
    assert all(b"</svg>" in svg.read_bytes()[-256:] for svg in texts if svg.exists())
