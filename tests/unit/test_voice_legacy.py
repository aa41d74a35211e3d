"""Recovering clips from a project made by the original flaming-horse (real MP3s from ffmpeg).

The original's clips were Qwen's; here a Piper voice registered under the name "qwen" stands in
for that backend, so the stale and missing clips are really synthesised and counted in the log.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from flaming_horse_voice import cache_for
from flaming_horse_voice.audio import measure_duration
from flaming_horse_voice.backends.piper import PiperBackend
from flaming_horse_voice.backends.qwen import QwenBackend
from flaming_horse_voice.backends.worker import MISSING_REFERENCE
from flaming_horse_voice.events import read_events
from flaming_horse_voice.legacy import LEGACY_DIR, PIN_FILE, load_script, recover_legacy
from flaming_horse_voice.settings import VoiceSettings, with_reference
from flaming_horse_voice.words import ESTIMATED, tokens
from tests.helpers import voice_reference

INTRO = "Welcome to a video about right triangles."
MIDDLE_OLD = "The long side is called the hypotenuse."
MIDDLE_NEW = "The longest side is called the hypotenuse."
OUTRO = "Thanks for watching."


class QwenStandIn(PiperBackend):
    """Piper speaking under the backend name of the clips' maker."""

    name = "qwen"


def mp3(path: Path, seconds: float, frequency: int) -> Path:
    """A real MP3 as the original made them (ffmpeg, libmp3lame), a tone of known length."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency={frequency}:duration={seconds}", "-ac", "1", "-ar", "24000",
                    "-c:a", "libmp3lame", "-b:a", "64k", str(path)], check=True)
    return path


def original_project(root: Path, script: dict[str, str], index: list[dict] | None,
                     clips: dict[str, float]) -> Path:
    folder = root / LEGACY_DIR
    for number, (key, seconds) in enumerate(clips.items()):
        mp3(folder / f"{key}.mp3", seconds, 300 + 100 * number)
    body = ",\n".join(f"    {key!r}: \"\"\"{text}\"\"\"" for key, text in script.items())
    text = f'"""Narration script."""\n\nSCRIPT = {{\n{body}\n}}\n'
    (root / "narration_script.py").write_text(text)
    if index is not None:
        (folder / "cache.json").write_text(json.dumps(index, indent=2))
    return root


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def qwen(tmp_path):
    settings = VoiceSettings(backend="qwen")
    return QwenStandIn(settings), cache_for(tmp_path, settings)


def tts_texts(root: Path) -> list[str]:
    return [e["text"] for e in read_events(root / "log" / "events.jsonl") if e["event"] == "tts"]


def test_unchanged_clips_are_recovered_and_only_stale_and_missing_are_spoken(qwen, tmp_path):
    backend, cache = qwen
    original_project(tmp_path, {"intro": INTRO, "middle": MIDDLE_NEW, "outro": OUTRO},
                     [{"narration_key": "intro", "text": INTRO, "audio_file": "intro.mp3",
                       "duration_seconds": 99.0},  # never believed: durations are measured
                      {"narration_key": "middle", "text": MIDDLE_OLD, "audio_file": "middle.mp3"}],
                     {"intro": 1.3, "middle": 2.1})
    legacy = tmp_path / LEGACY_DIR
    before = digest(legacy)
    wanted = ['Welcome to a video <bookmark mark="a"/>about   right triangles.', MIDDLE_NEW, OUTRO,
              INTRO]  # a bookmark, odd spacing and a repeat are still the intro

    report = recover_legacy(tmp_path, wanted, cache, backend)

    assert report.summary() == "recovered 1 clips, 1 stale, 1 missing"
    assert report.stale == [MIDDLE_NEW] and report.missing == [OUTRO] and not report.skipped
    [entry] = report.recovered
    assert entry.text == INTRO and entry.key == cache.key_for(INTRO, backend)
    assert entry.duration == measure_duration(legacy / "intro.mp3")
    assert abs(entry.duration - 1.3) < 0.1 and entry.backend == "qwen"  # + MP3 padding
    assert entry.timing == ESTIMATED and [w.word for w in entry.word_timings()] == tokens(INTRO)
    assert tts_texts(tmp_path) == []  # zero synthesis so far
    assert digest(legacy) == before  # the original project is read, never changed

    made = {text: cache.ensure(text, backend)[1] for text in (INTRO, MIDDLE_NEW, OUTRO)}
    assert made == {INTRO: False, MIDDLE_NEW: True, OUTRO: True}
    assert tts_texts(tmp_path) == [MIDDLE_NEW, OUTRO]
    recovered = [e for e in read_events(tmp_path / "log" / "events.jsonl")
                 if e["event"] == "voice_recovered"]
    assert [e["source"] for e in recovered] == ["legacy:media/voiceovers/qwen/intro.mp3"]


def test_without_a_legacy_index_the_script_vouches_for_its_clips(qwen, tmp_path):
    backend, cache = qwen
    original_project(tmp_path, {"intro": INTRO, "outro": OUTRO}, None,
                     {"intro": 1.3, "orphan": 0.8})  # orphan.mp3: a clip no script names
    report = recover_legacy(tmp_path, [INTRO, OUTRO], cache, backend)
    assert [e.text for e in report.recovered] == [INTRO] and report.missing == [OUTRO]
    assert len(list(cache.folder.glob("*.mp3"))) == 1


def test_an_index_that_does_not_list_a_clip_makes_it_stale(qwen, tmp_path):
    backend, cache = qwen
    original_project(tmp_path, {"intro": INTRO, "outro": OUTRO},
                     [{"narration_key": "intro", "text": INTRO, "audio_file": "intro.mp3"}],
                     {"intro": 1.3, "outro": 0.9})
    report = recover_legacy(tmp_path, [INTRO, OUTRO], cache, backend)
    assert len(report.recovered) == 1 and report.stale == [OUTRO] and not report.missing


def test_recovered_clips_survive_a_lost_index_and_a_second_run_does_nothing(qwen, tmp_path):
    backend, cache = qwen
    original_project(tmp_path, {"intro": INTRO}, None, {"intro": 1.3})
    [entry] = recover_legacy(tmp_path, [INTRO], cache, backend).recovered
    cache.index_path.unlink()
    rebuilt = cache.entries()[entry.key]  # from the copied file's name and tags
    assert rebuilt.text == INTRO and rebuilt.backend == "qwen" and rebuilt.timing == ESTIMATED
    assert rebuilt.duration == entry.duration and rebuilt.words == entry.words
    again = recover_legacy(tmp_path, [INTRO], cache, backend)
    assert again.cached == [INTRO] and not again.recovered
    assert again.summary() == "recovered 0 clips, 0 stale, 0 missing"


def test_clips_are_pinned_to_the_voice_they_were_first_adopted_for(qwen, tmp_path):
    backend, cache = qwen
    original_project(tmp_path, {"intro": INTRO}, None, {"intro": 1.3})
    assert len(recover_legacy(tmp_path, [INTRO], cache, backend).recovered) == 1
    slower = QwenStandIn(replace(backend.settings, length_scale=1.3))  # another voice setting
    assert cache.key_for(INTRO, slower) != cache.key_for(INTRO, backend)
    report = recover_legacy(tmp_path, [INTRO], cache, slower)
    assert report.skipped and "legacy.json" in report.skipped and not report.recovered
    assert recover_legacy(tmp_path, [INTRO], cache, backend).cached == [INTRO]  # still pinned


def test_another_backend_never_adopts_the_original_voice(tmp_path):
    original_project(tmp_path, {"intro": INTRO}, None, {"intro": 1.3})
    settings = VoiceSettings()
    cache = cache_for(tmp_path, settings)
    report = recover_legacy(tmp_path, [INTRO], cache, PiperBackend(settings))
    assert report.skipped and "qwen" in report.skipped and "piper" in report.skipped
    assert not report.recovered and not cache.folder.exists()


def test_a_folder_that_is_not_an_original_project_is_skipped_at_once(qwen, tmp_path):
    backend, cache = qwen
    report = recover_legacy(tmp_path, [INTRO], cache, backend)
    assert report.skipped == "no media/voiceovers/qwen folder" and not report.missing


def test_the_script_is_parsed_never_run_and_paths_stay_inside(qwen, tmp_path):
    backend, _ = qwen
    cache = cache_for(tmp_path / "project", backend.settings)
    legacy = tmp_path / "project" / LEGACY_DIR
    mp3(legacy / "intro.mp3", 1.0, 440)
    mp3(tmp_path / "outside.mp3", 1.0, 550)  # a legacy index must not reach this
    (legacy / "broken.mp3").write_bytes(b"ID3 not really an mp3")
    (legacy / "cache.json").write_text(json.dumps([
        {"narration_key": "intro", "text": INTRO, "audio_file": "intro.mp3"},
        {"narration_key": "escape", "text": OUTRO, "audio_file": "../../../../outside.mp3"},
        {"narration_key": "broken", "text": MIDDLE_NEW, "audio_file": "broken.mp3"},
        "not an entry"]))
    pwned = tmp_path / "PWNED"
    script = tmp_path / "project" / "narration_script.py"
    script.write_text(f"import os\nos.system('touch {pwned}')\nopen({str(pwned)!r}, 'w')\n"
                      f"name = 'x'\nSCRIPT = {{'intro': {INTRO!r}, 'dyn': f'{{name}}', name: 'y',\n"
                      f"          'joined': 'one ' 'two', 'number': 3, 'plus': 'a' + 'b',\n"
                      f"          'call': 'a' + str(1), 'sum': 1 + 2}}\n")
    assert load_script(script) == {"intro": INTRO, "joined": "one two", "plus": "ab"}
    report = recover_legacy(tmp_path / "project", [INTRO, OUTRO, MIDDLE_NEW], cache, backend)
    assert not pwned.exists()
    assert [e.text for e in report.recovered] == [INTRO]
    assert report.missing == [OUTRO, MIDDLE_NEW]  # outside the folder; not decodable


def test_clips_adopted_without_the_reference_wav_follow_it_when_it_is_back(tmp_path):
    """The original's WAV was gitignored: its clips are adopted under a "missing" reference, and
    adopted again under the real one once the WAV is back; other voice changes stay refused."""
    original_project(tmp_path, {"intro": INTRO}, None, {"intro": 1.3})
    (tmp_path / "voice").mkdir()
    (tmp_path / "voice" / "ref.txt").write_text("Hello world, this is my voice.")
    settings = with_reference(VoiceSettings(backend="qwen", model="Qwen/absent",
                                            reference="voice/ref.wav"), tmp_path)
    cache = cache_for(tmp_path, settings)
    without = QwenBackend(settings)
    [first] = recover_legacy(tmp_path, [INTRO], cache, without).recovered
    assert without.identity()["reference"].startswith(MISSING_REFERENCE)

    voice_reference(tmp_path / "voice")  # the WAV is back
    back = QwenBackend(settings)
    [again] = recover_legacy(tmp_path, [INTRO], cache, back).recovered
    assert again.key == cache.key_for(INTRO, back) != first.key
    assert json.loads((cache.folder / PIN_FILE).read_text())["identity"] == back.identity()
    assert recover_legacy(tmp_path, [INTRO], cache, QwenBackend(settings)).cached == [INTRO]

    seeded = QwenBackend(replace(settings, seed=3))
    assert "legacy.json" in recover_legacy(tmp_path, [INTRO], cache, seeded).skipped
    (tmp_path / "voice" / "ref.wav").unlink()  # pinned to the WAV: losing it is a change too
    assert recover_legacy(tmp_path, [INTRO], cache, QwenBackend(settings)).skipped
    assert tts_texts(tmp_path) == []
