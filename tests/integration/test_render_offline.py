"""A render sends nothing: manim's own version check (a request to pypi.org after every
render, 10 s timeout) is off in the command the render stage runs. Checked with a real manim
render and Python's audit hooks, which see every URL opened and every socket connected."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from flaming_horse.stages import manim_run

pytestmark = pytest.mark.slow

SCENE = """
from manim import *


class Tiny(Scene):
    def construct(self):
        self.play(Create(Circle()), run_time=0.2)
"""

WATCH = """
import json, os, sys

LOG = os.environ["FH_TEST_NET_LOG"]


def watch(event, args):
    if event in ("urllib.Request", "socket.connect", "socket.getaddrinfo"):
        with open(LOG, "a") as handle:
            handle.write(json.dumps([event, repr(args)[:200]]) + "\\n")


sys.addaudithook(watch)
"""


def _render(tmp_path, cmd: list[str]) -> list:
    log = tmp_path / "net.log"
    log.write_text("")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "hook"), *sys.path]),
           "FH_TEST_NET_LOG": str(log)}
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_the_render_command_opens_no_url_and_no_socket(tmp_path):
    (tmp_path / "hook").mkdir()
    (tmp_path / "hook" / "sitecustomize.py").write_text(WATCH)
    scene = tmp_path / "tiny.py"
    scene.write_text(SCENE)
    work = tmp_path / "media"
    config = manim_run.manim_config(work / "manim.cfg", manim_run.ENCODER_OPTIONS, 1)
    cmd = manim_run.manim_command(scene, "Tiny", "low", work, "tiny", config)
    assert _render(tmp_path, cmd) == []
    assert (work / "videos" / "tiny" / "480p15" / "tiny.mp4").is_file()
    # the watch sees what the flag prevents: without it, manim asks for its latest version
    plain = [arg for arg in cmd if arg != "--silent"]
    seen = _render(tmp_path, plain)
    assert any(event == "urllib.Request" and "pypi.org" in args for event, args in seen), seen
