"""The LLM author end to end: the real CLI in a subprocess talks to a scripted OpenAI-compatible
server on 127.0.0.1 (in this process, in a thread) that answers by what is asked. Manim, Piper
and ffmpeg are real. Assertions are on files, project state, qc_report.json and the requests the
server received, never on log text. Each project is 2 scenes of 1 short beat (renders cost)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from flaming_horse import media
from tests.helpers import fh
from tests.llm_server import ScriptedServer, chat

pytestmark = pytest.mark.slow

PLAN = {"title": "Standing waves", "audience": "curious adults", "target_duration_s": 10,
        "scenes": [
            {"title": "Two waves", "beats": [
                {"narration": "Two waves meet and add up.",
                 "visual": {"kind": "title", "title": "Standing waves", "subtitle": None}}]},
            {"title": "Nodes", "beats": [
                {"narration": "Some points never move at all.",
                 "visual": {"kind": "bullets", "items": ["Nodes stay still"]}}]},
        ]}
GOOD = {
    1: "c = Circle(color=BLUE)\n"
       "self.play(FadeIn(header), Create(c), run_time=tracker.duration * 0.5)\n"
       "self.play(c.animate.shift(RIGHT), run_time=tracker.duration * 0.3)",
    2: "sq = Square(side_length=2)\n"
       "self.play(FadeIn(header), Create(sq), run_time=tracker.duration * 0.4)\n"
       "self.play(sq.animate.rotate(PI / 4), run_time=tracker.duration * 0.3)",
}


def kind(request: dict[str, Any]) -> tuple[str, int | None]:
    """('plan', None) or ('scene', N) from what the request asks."""
    messages = request["messages"]
    if "body of one Manim" in messages[0]["content"]:
        return "scene", int(re.search(r"^Scene (\d+):", messages[1]["content"], re.M).group(1))
    return "plan", None


def answer(content: Any) -> tuple[int, Any, dict[str, str]]:
    text = content if isinstance(content, str) else json.dumps(content)
    return 200, chat(text), {}


def bodies(body: str) -> dict[str, list[str]]:
    return {"beats": [body]}


def env(server: ScriptedServer, tmp_path: Path) -> dict[str, str]:
    return {"FLAMING_HORSE_LLM_BASE_URL": server.base_url, "FLAMING_HORSE_LLM_MODEL": "scripted",
            "FLAMING_HORSE_LLM_API_KEY": "sk-test", "XDG_CONFIG_HOME": str(tmp_path / "config")}


def create(server: ScriptedServer, tmp_path: Path, *extra: str, check: bool = True):
    return fh("create", "waves", "--topic", "Standing waves", "--projects-dir",
              str(tmp_path / "projects"), "-j", "1", *extra, env=env(server, tmp_path),
              check=check)


def scene_requests(server: ScriptedServer, number: int) -> list[dict[str, Any]]:
    return [r["json"] for r in server.requests if kind(r["json"]) == ("scene", number)]


def status(project: Path) -> dict[str, Any]:
    return json.loads(fh("status", str(project), "--json").stdout)


def test_clean_run_after_a_429_ends_in_a_video_that_passes_qc(tmp_path):
    calls = []

    def respond(request):
        calls.append(request)
        if len(calls) == 1:
            return 429, {"error": {"message": "rate limited"}}, {"Retry-After": "0"}
        what, number = kind(request)
        return answer(PLAN if what == "plan" else bodies(GOOD[number]))

    server = ScriptedServer(respond)
    try:
        create(server, tmp_path)
    finally:
        server.close()
    project = tmp_path / "projects" / "waves"
    assert [kind(r["json"]) for r in server.requests] == [
        ("plan", None), ("plan", None), ("scene", 1), ("scene", 2)]  # the 429 was retried
    assert 'author = "llm"' in (project / "flaming-horse.toml").read_text()
    assert "## Two waves" in (project / "script.md").read_text()
    for number in (1, 2):
        source = (project / "scenes" / f"scene_0{number}.py").read_text()
        assert source.splitlines()[1].startswith("# author: llm")
        assert GOOD[number].splitlines()[0] in source
    final = media.probe(project / "final_video.mp4")
    assert final.has_video and final.has_audio
    report = json.loads((project / "qc_report.json").read_text())
    assert report["passed"] and not [c for c in report["checks"]
                                     if c["check"] == "author_fallback"]
    scenes = status(project)["stages"]["scenes"]["scenes"]
    assert {s: scenes[s]["author"] for s in scenes} == {"scene_01": "llm", "scene_02": "llm"}
    # the durations the model was given are the real ones from the voice cache
    cache = json.loads((project / "media/voice/piper/cache.json").read_text())["entries"]
    seconds = {e["text"]: e["duration"] for e in cache.values()}
    asked = scene_requests(server, 1)[0]["messages"][1]["content"]
    assert f"({seconds['Two waves meet and add up.']:.1f} s of audio)" in asked
    # a second build changes nothing and asks the model nothing
    seen = len(server.requests)
    fh("build", str(project), env=env(server, tmp_path))
    assert len(server.requests) == seen


@pytest.fixture(scope="module")
def repaired(tmp_path_factory):
    """Scene 1: ShowCreation, then a body that fails only when run (IndexError), then a good
    body. Scene 2: policy violations every time, which
    must never run (a marker file would appear) and end in the template fallback."""
    tmp_path = tmp_path_factory.mktemp("repair")
    marker = tmp_path / "pwned"
    attacks = [f"__import__('os').system('touch {marker}')",
               f"open({str(marker)!r}, 'w').write('x')",
               f"t = ().__class__.__bases__[0]\nopen({str(marker)!r}, 'w')"]

    def respond(request):
        what, number = kind(request)
        if what == "plan":
            return answer(PLAN)
        rounds = len(request["messages"]) // 2  # 1 for the first ask, 2 for the first repair...
        if number == 1:
            broken = {1: GOOD[1].replace("Create(c)", "ShowCreation(c)"),
                      2: "rows = [Circle()]\nself.play(FadeIn(header), Create(rows[3]))"}
            return answer(bodies(broken.get(rounds, GOOD[1])))
        return answer(bodies(attacks[(rounds - 1) % len(attacks)]))

    server = ScriptedServer(respond)
    try:
        create(server, tmp_path)
    finally:
        server.close()
    return tmp_path / "projects" / "waves", server, marker


def test_api_gate_and_dry_run_failures_are_repaired(repaired):
    project, server, _ = repaired
    first, second, third = scene_requests(server, 1)
    repair = second["messages"][-1]["content"]
    assert "api check" in repair and "ShowCreation" in repair and "Create" in repair
    assert second["messages"][-2]["role"] == "assistant"  # the failing answer was shown back
    assert "dry_run check" in third["messages"][-1]["content"]
    assert "IndexError" in third["messages"][-1]["content"]
    source = (project / "scenes" / "scene_01.py").read_text()
    assert "ShowCreation" not in source and "rows[3]" not in source and "Create(c)" in source
    assert source.splitlines()[1].startswith("# author: llm (model scripted, 3 answer(s)), "
                                             "code-sha256 ")


def test_policy_rejects_attacks_without_running_them_and_falls_back(repaired):
    project, server, marker = repaired
    asked = scene_requests(server, 2)
    assert len(asked) == 4  # the first answer and repair_attempts = 3 repairs
    assert "policy check" in asked[1]["messages"][-1]["content"]
    assert not marker.exists()  # no attack ever ran, not even in the dry run
    source = (project / "scenes" / "scene_02.py").read_text()
    assert source.splitlines()[1].startswith("# author: template (fallback: policy gate")
    code = "\n".join(line for line in source.splitlines() if not line.startswith("#"))
    assert "__import__" not in code and "open(" not in code
    assert "kit.bullet_list(['Nodes stay still'])" in source  # the offline template's visual
    record = status(project)["stages"]["scenes"]["scenes"]["scene_02"]
    assert record["author"] == "template" and record["fallback"].startswith("policy gate")
    report = json.loads((project / "qc_report.json").read_text())
    assert report["passed"]
    [note] = [c for c in report["checks"] if c["check"] == "author_fallback"]
    assert note["scope"] == "scene_02" and note["passed"] and "policy gate" in note["value"]
    final = media.probe(project / "final_video.mp4")
    assert final.has_video and final.has_audio


def test_401_is_a_clear_error_naming_the_key_variable(tmp_path):
    server = ScriptedServer()
    server.script = [(401, {"error": {"message": "Incorrect API key provided"}}, {})]
    try:
        result = create(server, tmp_path, check=False)
    finally:
        server.close()
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "FLAMING_HORSE_LLM_API_KEY" in output and "Traceback" not in output
    assert len(server.requests) == 1
    assert not (tmp_path / "projects" / "waves" / "script.md").exists()


def test_review_stops_after_the_script(tmp_path):
    server = ScriptedServer(lambda request: answer(PLAN))
    try:
        result = create(server, tmp_path, "--review")
    finally:
        server.close()
    project = tmp_path / "projects" / "waves"
    assert (project / "script.md").is_file() and not (project / "plan.json").exists()
    assert "flaming-horse build" in result.stdout
    assert len(server.requests) == 1


def test_a_scene_showing_the_users_picture_is_drawn_by_the_template(tmp_path):
    """Model code runs boxed, away from the project's files; so the scene with an image is the
    template's, and the model is not asked for it."""
    server = ScriptedServer(lambda request: answer(PLAN) if kind(request)[0] == "plan"
                            else answer(bodies(GOOD[kind(request)[1]])))
    try:
        create(server, tmp_path, "--review")
        project = tmp_path / "projects" / "waves"
        media.run_ffmpeg(["-f", "lavfi", "-i", "testsrc=size=160x120", "-frames:v", "1",
                          str(project / "card.png")], "a test picture")
        script = project / "script.md"
        script.write_text(script.read_text() + "\nHere is a picture.\n\n![A card](card.png)\n")
        fh("build", str(project), "-j", "1", env=env(server, tmp_path))
    finally:
        server.close()
    assert scene_requests(server, 1) and not scene_requests(server, 2)
    first, second = ((project / "scenes" / f"scene_0{n}.py").read_text() for n in (1, 2))
    assert "# author: llm" in first and "# author:" not in second
    assert "kit.image(" in second
    assert (project / "final_video.mp4").is_file()
