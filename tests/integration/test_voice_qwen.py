"""The qwen backend end to end on tiny real Qwen3-TTS checkpoints (tests/tiny_qwen.py): through
the worker process and the voice cache, then whole builds with the CLI, and the bootstrap of a
project made by the original flaming-horse."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

try:
    import qwen_tts  # noqa: F401
except Exception as exc:  # noqa: BLE001 - any import failure means the engine cannot run here
    pytest.skip(f"qwen-tts is not importable here ({type(exc).__name__}: {exc}); "
                "`make test` installs it", allow_module_level=True)

from flaming_horse_voice import cache_for
from flaming_horse_voice.backends.qwen import QwenBackend
from flaming_horse_voice.events import read_events
from flaming_horse_voice.legacy import LEGACY_DIR
from flaming_horse_voice.settings import VoiceSettings, with_reference
from tests.helpers import SHORT_SCRIPT, built_but_for_loudness, fh, voice_reference
from tests.tiny_qwen import build_tiny_qwen3_tts


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny_qwen_backend")
    return lambda kind: build_tiny_qwen3_tts(root / kind, kind)


def test_clone_through_the_worker_one_process_sentence_by_sentence(tiny, tmp_path):
    voice_reference(tmp_path / "voice")
    settings = with_reference(VoiceSettings(backend="qwen", model=str(tiny("base")),
                                            device="cpu"), tmp_path)
    backend, cache = QwenBackend(settings), cache_for(tmp_path, settings)
    beats: list[str] = []
    backend.listener.heartbeat = beats.append
    try:
        first, made = cache.ensure("Dr. Smith arrives at 3 p.m. today. Then we begin.", backend)
        second, _ = cache.ensure("A second clip.", backend)
        again, remade = cache.ensure("Dr. Smith arrives at 3 p.m. today. Then we begin.",
                                     backend)
        assert backend.client.starts == 1  # one model load for every clip
        assert backend.client.info["mode"] == "voice_clone"
    finally:
        backend.close()
    assert made and not remade and again == first
    assert backend.sentences_spoken == 3  # two sentences, then one; the repeat came from cache
    assert first.duration > 0.2 and second.duration > 0
    assert [w["word"] for w in first.words][:2] == ["Dr.", "Smith"]
    other = QwenBackend(replace(settings, seed=1))
    assert cache.key_for("A second clip.", other) != second.key


def test_a_clip_not_heard_as_its_text_is_taken_again_with_the_next_seeds(tiny, tmp_path,
                                                                         monkeypatch):
    """The tiny model's speech is noise, so no take says the text: every take is heard, the
    next seeds are tried, and the best take is kept under the key that was asked for, timed
    from its hearing and flagged."""
    from flaming_horse_voice.hearing.ear import Ear, heard_path
    from flaming_horse_voice.settings import hearing

    monkeypatch.delenv("FLAMING_HORSE_VOICE_VERIFY", raising=False)
    settings = VoiceSettings(backend="qwen", model=str(tiny("custom_voice")), device="cpu",
                             verify={"retries": 2})
    backend, cache = QwenBackend(settings), cache_for(tmp_path, settings)
    text = "One two three four five six seven."
    try:
        entry, made = cache.ensure(text, backend, Ear(hearing(settings), events=cache.events))
        assert backend.client.starts == 1  # the takes share the one loaded model
    finally:
        backend.close()
    log = read_events(cache.events)
    assert [e["take"] for e in log if e["event"] == "retake"] == [1, 2]
    assert [e["take"] for e in log if e["event"] == "hear"] == [0, 1, 2]
    assert made and entry.key == cache.key_for(text, backend)
    assert entry.timing == "asr-alignment" and len(entry.words) == 7
    kept = json.loads(heard_path(cache.folder, entry.audio).read_text())
    assert kept["take"] in (0, 1, 2) and not kept["verdict"]["passed"]
    assert kept["verdict"]["reasons"]


def _events(project: Path, kind: str) -> list[dict]:
    return [e for e in read_events(project / "log" / "events.jsonl") if e["event"] == kind]


def mp3(path: Path, seconds: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency=330:duration={seconds}", "-ac", "1", "-ar", "24000",
                    "-c:a", "libmp3lame", "-b:a", "64k", str(path)], check=True)


def test_build_with_qwen_and_the_bootstrap_of_an_original_project(tiny, tmp_path):
    script = tmp_path / "tiny.md"
    script.write_text(SHORT_SCRIPT, encoding="utf-8")
    env = {"FLAMING_HORSE_VOICE_MODEL": str(tiny("custom_voice")),
           "FLAMING_HORSE_VOICE_DEVICE": "cpu", "HF_HUB_OFFLINE": "1",
           # the tiny model's noise would be taken again and again (test_hearing's retake test)
           "FLAMING_HORSE_VOICE_VERIFY": "off"}
    project = tmp_path / "p" / "q"
    built_but_for_loudness(project, fh("create", "q", "--topic", str(script), "--projects-dir",
                      str(tmp_path / "p"), "--voice", "qwen", "-j", "1", env=env, check=False))
    spoken = _events(project, "tts")
    assert spoken and all(e["backend"] == "qwen" for e in spoken)

    # The same project as the original tool left it: its clips in media/voiceovers/qwen with the
    # texts in narration_script.py and its cache.json; none of our own cache. One clip was made
    # from an older text, so it is stale.
    texts = [t for scene in json.loads((project / "narration.json").read_text())["scenes"].values()
             for t in scene]
    shutil.rmtree(project / "media" / "voice")
    (project / "log" / "events.jsonl").unlink()
    legacy = project / LEGACY_DIR
    keys = [f"beat_{n:02d}" for n in range(len(texts))]
    script_py = "SCRIPT = {\n" + "".join(f"    {k!r}: {t!r},\n" for k, t in zip(keys, texts)) + "}\n"
    (project / "narration_script.py").write_text(script_py, encoding="utf-8")
    index = []
    for number, (key, text) in enumerate(zip(keys, texts)):
        mp3(legacy / f"{key}.mp3", 1.0 + 0.1 * number)
        recorded = "An older sentence that is no longer spoken." if number == 0 else text
        index.append({"narration_key": key, "text": recorded, "audio_file": f"{key}.mp3"})
    (legacy / "cache.json").write_text(json.dumps(index), encoding="utf-8")

    output = built_but_for_loudness(project, fh("build", str(project), "--voice", "qwen", "-j", "1", env=env,
                               check=False))
    distinct = len(dict.fromkeys(texts))
    assert f"recovered {distinct - 1} clips, 1 stale, 0 missing" in output, output
    again = _events(project, "tts")
    assert len(again) == 1, again  # only the stale clip was spoken
    cache = json.loads((project / "media" / "voice" / "qwen" / "cache.json").read_text())
    durations = [e["duration"] for e in cache["entries"].values()]
    for number in range(1, len(texts)):  # the recovered clips: measured from the legacy mp3s
        seconds = 1.0 + 0.1 * number
        assert any(0 <= d - seconds < 0.08 for d in durations), (seconds, durations)
