"""The red-team corpus (tests/corpus/hostile.py) end to end: a scripted model on 127.0.0.1 answers
every scene with a hostile body, and the real CLI builds the video. Manim, Piper, LaTeX, ffmpeg and
bubblewrap are real.

Nothing may escape: no file appears in the canary folder, the secret file and the fake home stay
as they were, the loopback listener gets no connection, no site-packages gains a .pth file, the
secrets (two environment variables and the file's content) never reach a request to the model or
a file of the project, no process is left behind, and the build still finishes (each scene whose
code failed falls back to the template)."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

from flaming_horse import media
from flaming_horse.sandbox import box as boxes
from tests.helpers import fh
from tests.llm_server import ScriptedServer, chat
from tests.unit.test_sandbox import Listener

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "corpus"))
import hostile  # noqa: E402

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not boxes.probe().ok, reason="no box can be made here")]

SECRET_KEY = "sk-llmkey-5d1e0b77a2"
SECRET_ENV_VALUE = "tok-env-93c6f0aa41"
SECRET_FILE_TEXT = "file-secret-2b8d7e51c9"
SECRET_ENV = "FH_REDTEAM_TOKEN"
BASHRC = "# the user's own shell settings\n"
DRAW = ("self.play(FadeIn(Square(side_length=2.5).set_fill(BLUE, opacity=0.8).move_to(DOWN)),"
        " run_time=tracker.duration * 0.1)\n")
WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def spoken(number: int) -> str:
    return f"Scene {' '.join(WORDS[int(d)] for d in str(number))} draws a shape."


def fill(text: str, world: dict[str, object]) -> str:
    for key, value in world.items():
        text = text.replace(f"@{key}@", str(value))
    return text


def site_files() -> set[str]:
    found = set()
    for entry in sys.path:
        if "site-packages" in entry and Path(entry).is_dir():
            found |= {str(p) for p in Path(entry).glob("*.pth")}
            found |= {str(p) for p in Path(entry).glob("*customize.py")}
    return found


def box_processes(marker: str) -> list[str]:
    """Processes still alive whose command line names ``marker`` (the test's folder)."""
    left = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if marker in cmdline:
                left.append(f"{entry.name}: {cmdline[:200]}")
    return left


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    base = tmp_path_factory.mktemp("redteam")
    canary, home = base / "canary", base / "home"
    canary.mkdir()
    home.mkdir()
    (home / ".bashrc").write_text(BASHRC)
    secret_file = base / "secret.txt"
    secret_file.write_text(SECRET_FILE_TEXT)
    config = base / "config" / "flaming-horse"
    config.mkdir(parents=True)
    # small limits, so the bodies that burn CPU or never end cost seconds, not minutes; the
    # clips are not heard (what the box lets through is the point here, and hearing 105 clips
    # took a third of the build: test_hearing hears what a build speaks)
    (config / "config.toml").write_text(
        "[voice]\nverify = \"off\"\n\n"
        "[llm]\nrepair_attempts = 1\n\n[sandbox]\nbox = \"bwrap\"\ntime_limit_base_s = 10\n"
        "time_limit_per_audio_s = 2\nmemory_limit_gib = 3\n\n"
        "[qc]\nlayout = \"warn\"  # where a hostile body puts its text is not the point here\n")
    listener = Listener()
    world = {"SECRET_FILE": secret_file, "SECRET_ENV": SECRET_ENV, "CANARY_DIR": canary,
             "PORT": listener.port, "HOME": home}
    # each body first draws something of its own, so a body that survives its box also passes
    # QC (a scene where nothing appears below its title fails it)
    bodies = [DRAW + fill(entry["body"], world) for entry in hostile.HOSTILE]
    plan = {"title": "Shapes", "audience": "anyone", "target_duration_s": 60,
            "scenes": [{"title": f"Shape {n}", "beats": [
                {"narration": spoken(n), "visual": {"kind": "bullets", "items": ["A shape"]}}]}
                for n in range(1, len(bodies) + 1)]}

    def respond(request):
        messages = request["messages"]
        if "body of one Manim" not in messages[0]["content"]:
            return 200, chat(json.dumps(plan)), {}
        number = int(re.search(r"^Scene (\d+):", messages[1]["content"], re.M).group(1))
        return 200, chat(json.dumps({"beats": [bodies[number - 1]]})), {}

    before = site_files()
    server = ScriptedServer(respond)
    env = {"FLAMING_HORSE_LLM_BASE_URL": server.base_url, "FLAMING_HORSE_LLM_MODEL": "scripted",
           "FLAMING_HORSE_LLM_API_KEY": SECRET_KEY, SECRET_ENV: SECRET_ENV_VALUE,
           "XDG_CONFIG_HOME": str(base / "config"), "HOME": str(home)}
    try:
        result = fh("create", "shapes", "--topic", "Shapes", "--projects-dir",
                    str(base / "projects"), "-j", "2", env=env, check=False)
    finally:
        server.close()
        listener.close()
    return {"result": result, "project": base / "projects" / "shapes", "server": server,
            "listener": listener, "canary": canary, "home": home, "secret_file": secret_file,
            "base": base, "site_before": before, "count": len(bodies)}


@pytest.mark.timeout(1800)
def test_the_build_finishes_with_every_scene(attacked):
    result = attacked["result"]
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    final = media.probe(attacked["project"] / "final_video.mp4")
    assert final.has_video and final.has_audio
    scenes = sorted((attacked["project"] / "scenes").glob("scene_*.py"))
    assert len(scenes) == attacked["count"]


def test_nothing_escaped_the_box(attacked):
    assert sorted(p.name for p in attacked["canary"].iterdir()) == []
    assert attacked["secret_file"].read_text() == SECRET_FILE_TEXT
    # the build's own process may keep caches in its home (onnxruntime does); nothing else
    assert {p.name for p in attacked["home"].iterdir()} <= {".bashrc", ".cache"}
    assert not [p for p in attacked["home"].rglob("*") if "redteam" in p.name.lower()
                or p.suffix in (".desktop", ".service", ".cfg")]
    assert (attacked["home"] / ".bashrc").read_text() == BASHRC
    assert attacked["listener"].connections == 0
    assert site_files() == attacked["site_before"]


def test_boxed_code_leaves_no_links_in_the_project(attacked):
    """A body that planted a symlink to the secret (or a FIFO) in its folder: swept after its
    run, so nothing reading the project follows it."""
    odd = [p for p in attacked["project"].rglob("*")
           if p.is_symlink() and "Tex" != p.name or not (p.is_symlink() or p.is_file()
                                                         or p.is_dir())]
    assert odd == []


def test_secrets_reach_neither_the_model_nor_the_project(attacked):
    secrets = (SECRET_KEY, SECRET_ENV_VALUE, SECRET_FILE_TEXT)
    for request in attacked["server"].requests:
        sent = json.dumps(request["json"])
        assert not [s for s in secrets if s in sent]
    for path in attacked["project"].rglob("*"):
        if path.is_file() and path.suffix not in (".mp4", ".wav", ".mp3"):
            data = path.read_bytes()
            assert not [s for s in secrets if s.encode() in data], path
    output = attacked["result"].stdout + attacked["result"].stderr
    assert not [s for s in secrets if s in output]


def test_no_process_is_left_behind(attacked):
    assert box_processes(str(attacked["base"])) == []


def test_model_code_ran_in_the_box_and_failures_fell_back(attacked):
    project = attacked["project"]
    renders = [e for e in (json.loads(line) for line in
                           (project / "log" / "events.jsonl").read_text().splitlines())
               if e.get("event") == "render"]
    boxed = [e for e in renders if e.get("boxed")]
    heads = [p.read_text().splitlines()[1] for p in sorted((project / "scenes").glob("*.py"))]
    by_model = [h for h in heads if h.startswith("# author: llm")]
    fallbacks = [h for h in heads if h.startswith("# author: template (fallback")]
    assert len(by_model) + len(fallbacks) == attacked["count"]
    assert fallbacks, "no hostile body failed a gate or its box"
    assert len(boxed) >= len(by_model)  # every model-written file rendered in the box
    asked_again = [r for r in attacked["server"].requests
                   if "failed the" in json.dumps(r["json"]["messages"][-1])]
    assert asked_again, "no repair round was asked"


def test_without_a_box_model_code_runs_only_when_the_user_opts_in(tmp_path):
    """FLAMING_HORSE_SANDBOX=none stands for a machine without a box (macOS, no user
    namespaces): the build stops before the model is asked for code, naming the opt-in; with
    --run-unboxed-llm-code the model's code runs (limited, without secrets)."""
    plan = {"title": "One", "audience": "anyone", "target_duration_s": 5, "scenes": [
        {"title": "A circle", "beats": [{"narration": "Here is a circle.", "visual": None}]}]}
    body = "c = Circle()\nself.play(FadeIn(header), Create(c), run_time=tracker.duration * 0.5)"

    def respond(request):
        is_scene = "body of one Manim" in request["messages"][0]["content"]
        return 200, chat(json.dumps({"beats": [body]} if is_scene else plan)), {}

    server = ScriptedServer(respond)
    env = {"FLAMING_HORSE_LLM_BASE_URL": server.base_url, "FLAMING_HORSE_LLM_MODEL": "scripted",
           "FLAMING_HORSE_SANDBOX": "none", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    try:
        refused = fh("create", "one", "--topic", "One", "--projects-dir", str(tmp_path / "p"),
                     "-j", "1", env=env, check=False)
        asked = len(server.requests)
        fh("build", str(tmp_path / "p" / "one"), "--run-unboxed-llm-code", env=env)
    finally:
        server.close()
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "--run-unboxed-llm-code" in refused.stderr and "language model" in refused.stderr
    assert asked == 1  # the plan only: no scene code was asked for
    scene = (tmp_path / "p" / "one" / "scenes" / "scene_01.py").read_text()
    assert scene.splitlines()[1].startswith("# author: llm") and "Create(c)" in scene
    assert (tmp_path / "p" / "one" / "final_video.mp4").is_file()
