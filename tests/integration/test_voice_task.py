"""A scene's voice as a self-contained task (what a Ray node runs with ``[ray] voice = true``), run
here in this process with the real Piper voice: it speaks only the clips the scene lacks, lands
them in the project's cache under the keys this machine computes, and refuses to speak when the
node's voice would give other keys."""

from __future__ import annotations

import json

import pytest

from flaming_horse.errors import FlamingHorseError
from flaming_horse.executors import voice_task
from flaming_horse.project import Project
from flaming_horse.reporting import Progress, Reporter
from flaming_horse.stages import voice
from flaming_horse_voice.backends.worker import WorkerBackend
from flaming_horse_voice.cache import VoiceCache
from flaming_horse_voice.settings import VoiceSettings
from tests.helpers import events, fh


def _scene_unit(project: Project, scene_id: str):
    return next(u for u in voice.units(project) if u.scene == scene_id)


def test_a_voice_task_speaks_what_the_scene_lacks_and_lands_it_in_the_cache(project_copy):
    index = project_copy / "media/voice/piper/cache.json"
    before = json.loads(index.read_text())["entries"]
    fh("reset", str(project_copy), "--stage", "voice", "--scene", "2")
    project = Project.open(project_copy)
    unit = _scene_unit(project, "scene_02")
    assert not unit.is_done()
    progress = Progress(Reporter(), "voice", "scene_02")
    task = unit.task(progress)
    assert task.kind == "voice" and task.payload.reference == {}
    missing = task.payload.keys
    assert missing and set(missing) <= set(before) and len(missing) < len(before)

    steps = list(task.function(task.payload))
    result = steps[-1]
    assert [s.progress for s in steps[:-1]] == list(range(1, len(task.payload.texts) + 1))
    assert sorted(c.entry["key"] for c in result.clips) == sorted(set(missing))
    assert {e["event"] for e in result.events} == {"tts"}
    seen = len(events(project_copy))
    task.land(result, {"node": "127.0.0.1", "node_id": "local000", "pid": 1})
    assert unit.is_done() and _scene_unit(project, "scene_02").task(progress) is None
    landed = events(project_copy)[seen:]
    assert {(e["event"], e["scene"], e["node_id"]) for e in landed} == {
        ("tts", "scene_02", "local000")}
    after = json.loads(index.read_text())["entries"]
    assert after.keys() == before.keys()
    for key in missing:  # the clip, its measured duration and word timings came with it
        assert abs(after[key]["duration"] - before[key]["duration"]) < 0.5
        assert after[key]["words"] and (project_copy / "media/voice/piper" /
                                        after[key]["audio"]).stat().st_size > 1000


def test_a_voice_task_refuses_to_speak_when_the_node_would_give_other_keys(project_copy):
    fh("reset", str(project_copy), "--stage", "voice", "--scene", "1")
    project = Project.open(project_copy)
    task = _scene_unit(project, "scene_01").task(Progress(Reporter(), "voice", "scene_01"))
    task.payload.settings["length_scale"] = 1.3  # as a node with other settings would
    with pytest.raises(FlamingHorseError, match="other cache keys"):
        list(task.function(task.payload))


class ToneVoice(WorkerBackend):
    """A worker voice whose engine is the test tone engine (tests/voice_engines.py), named as
    such: it speaks one sentence in ``delay`` seconds, so heartbeats are certain."""

    name = engine = "tests.voice_engines:ToneEngine"

    def default_model(self) -> str:
        return "tone"


def test_a_voice_task_relays_the_heartbeats_of_a_clip_while_it_is_spoken(tmp_path):
    """A long clip on a GPU node must not look stuck: while the clip is spoken (on a thread of
    the task), the worker's heartbeats ("sentence i/n, N s") come out of the task's generator."""
    backend = ToneVoice(VoiceSettings(backend="tone", options={"delay": 2.6}))
    cache = VoiceCache(tmp_path / "clips")
    try:
        beats = list(voice_task._speaking(cache, "One slow sentence.", backend))
    finally:
        backend.close()
    assert len(beats) >= 2 and all(b.startswith("sentence 1/1, ") for b in beats), beats
    assert [float(b.split(", ")[1].rstrip(" s")) for b in beats] == sorted(
        float(b.split(", ")[1].rstrip(" s")) for b in beats)
    assert len(cache.entries()) == 1 and backend.listener.heartbeat is None
