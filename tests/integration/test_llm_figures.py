"""The LLM author chooses figures through its plan schema (a scripted OpenAI-compatible server
on 127.0.0.1 answers; manim, Piper and ffmpeg are real): the figure is written into script.md
in its JSON form, laid out by the template (the model is not asked for that scene's code), and
a manim block the model wrote passes the gates of model code or is sent back, then renders in
the box."""

from __future__ import annotations

import json

import pytest

from tests.helpers import events, fh
from tests.integration.test_llm_author import answer, env, kind
from tests.llm_server import ScriptedServer

pytestmark = pytest.mark.slow

ARRAY = {"kind": "array", "values": ["2", "5", "9"], "pointers": {"lo": 0, "hi": 2},
         "steps": [{"op": "point", "pointers": {"mid": 1}}, {"op": "found", "cells": [1]}]}
GOOD_CODE = ("d = Square(side_length=2, color=YELLOW)\n"
             "self.play(Create(d), run_time=0.5)\n"
             "self.play(d.animate.shift(RIGHT * 2), run_time=max(0.5, tracker.duration - 1))")


def plan(code: str) -> dict:
    return {"title": "Searching", "audience": "students", "target_duration_s": 10, "scenes": [
        {"title": "An array", "beats": [
            {"narration": "Three sorted numbers, and the middle one is the answer.",
             "visual": ARRAY}]},
        {"title": "A square", "beats": [
            {"narration": "A square slides to the right.",
             "visual": {"kind": "manim", "code": code}}]},
    ]}


def test_the_model_picks_a_figure_and_its_manim_block_is_gated_then_boxed(tmp_path):
    marker = tmp_path / "pwned"
    drafts = [plan(f"open({str(marker)!r}, 'w').write('x')"), plan(GOOD_CODE)]
    asked = []

    def respond(request):
        what, _ = kind(request)
        asked.append(what)
        assert what == "plan", "a scene with a figure is the template's: no scene body asked"
        return answer(drafts[min(len(asked), 2) - 1])

    server = ScriptedServer(respond)
    try:
        fh("create", "search", "--topic", "Binary search", "--projects-dir",
           str(tmp_path / "projects"), "-j", "1", "-q", "low", env=env(server, tmp_path))
    finally:
        server.close()
    project = tmp_path / "projects" / "search"
    # the schema offered the figures, and the first draft's code was sent back by the policy gate
    system = server.requests[0]["json"]["messages"][0]["content"]
    assert "- array:" in system and "- manim:" in system
    schema = json.dumps(server.requests[0]["json"].get("response_format", {}))
    assert '"array"' in schema and '"code"' in schema and '"origin"' not in schema
    assert asked == ["plan", "plan"]
    repair = server.requests[1]["json"]["messages"][-1]["content"]
    assert "manim block: 'open' is not allowed" in repair
    assert not marker.exists()
    script = (project / "script.md").read_text()
    assert "```array" in script and "```manim model-sha256=" in script
    figure = json.loads((project / "plan.json").read_text())["plan"]["scenes"][0]["beats"][0]
    assert figure["visual"]["kind"] == "array" and figure["visual"]["values"] == ["2", "5", "9"]
    first, second = ((project / "scenes" / f"scene_0{n}.py").read_text() for n in (1, 2))
    assert "kit.array_figure(" in first and "# author:" not in first
    assert "# author: llm (manim block in script.md)" in second and GOOD_CODE.splitlines()[2] \
        in second
    boxed = {e["scene"]: e.get("boxed") for e in events(project, "render")}
    assert "scene_01" in boxed and boxed["scene_01"] is None  # the template's: not boxed
    assert boxed["scene_02"] is True
    report = json.loads((project / "qc_report.json").read_text())
    assert report["passed"]
    # the user edits the model's block: it becomes their own code, rendered outside the box
    script_path = project / "script.md"
    script_path.write_text(script.replace("RIGHT * 2", "RIGHT * 1"))
    fh("build", str(project), "-j", "1", env=env(server, tmp_path))
    assert "# author:" not in (project / "scenes" / "scene_02.py").read_text()
