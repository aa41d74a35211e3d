"""The voice cache with the real Piper voice: one entry per clip, atomic index, rebuild from files."""

from __future__ import annotations

import json

import pytest

from flaming_horse_voice import cache_for, get_speech_service, load_voice_settings
from flaming_horse_voice.audio import measure_duration
from flaming_horse_voice.cache import speakable
from flaming_horse_voice.events import read_events
from flaming_horse_voice.factory import create_backend
from flaming_horse.errors import FlamingHorseError


@pytest.fixture
def voice(tmp_path):
    settings = load_voice_settings(tmp_path)
    return create_backend(settings), cache_for(tmp_path, settings)


def test_clip_is_synthesised_once_and_measured(voice, tmp_path):
    backend, cache = voice
    entry, made = cache.ensure("The sky is blue.", backend)
    assert made and entry.duration == measure_duration(cache.folder / entry.audio)
    assert 0.5 < entry.duration < 5
    again, made_again = cache.ensure("The  sky is\nblue.", backend)  # same words, same clip
    assert not made_again and again == entry
    assert len(json.loads(cache.index_path.read_text())["entries"]) == 1
    tts = [e for e in read_events(tmp_path / "log" / "events.jsonl") if e["event"] == "tts"]
    assert [e["text"] for e in tts] == ["The sky is blue."]


def test_bookmarks_are_not_spoken_and_do_not_change_the_key(voice):
    backend, cache = voice
    marked = 'First part <bookmark mark="b1"/> second part.'
    assert speakable(marked) == "First part second part."
    assert cache.key_for(marked, backend) == cache.key_for("First part second part.", backend)


def test_missing_or_corrupt_index_is_rebuilt_from_the_audio_files(voice):
    backend, cache = voice
    first, _ = cache.ensure("One clip.", backend)
    second, _ = cache.ensure("Another clip, a little longer.", backend)
    for damage in ("delete", "garbage"):
        if damage == "delete":
            cache.index_path.unlink()
        else:
            cache.index_path.write_text("{ this is not json")
        entries = cache.entries()
        assert set(entries) == {first.key, second.key}
        for entry in (first, second):
            rebuilt = entries[entry.key]
            assert rebuilt.duration == measure_duration(cache.folder / rebuilt.audio)
            assert rebuilt.text == entry.text and rebuilt.backend == "piper"
        assert json.loads(cache.index_path.read_text())["version"] == 1


def test_speech_service_answers_lookups_without_duplicate_appends(tmp_path):
    service = get_speech_service(tmp_path)
    first = service._wrap_generate_from_text("Hello from the service.")
    for _ in range(3):
        again = service._wrap_generate_from_text("Hello from the service.")
        assert again["final_audio"] == first["final_audio"]
    entries = json.loads((service.cache.index_path).read_text())["entries"]
    assert len(entries) == 1
    hit = service.get_cached_result({"input_text": "Hello from the service."}, None)
    assert hit is not None and hit["final_audio"] == first["final_audio"]
    assert service.get_cached_result({"input_text": "Never spoken."}, None) is None


def test_voice_settings_come_from_project_file_then_environment(tmp_path, monkeypatch):
    (tmp_path / "flaming-horse.toml").write_text('[voice]\nlength_scale = 1.2\n')
    assert load_voice_settings(tmp_path).length_scale == 1.2
    monkeypatch.setenv("FLAMING_HORSE_VOICE_LENGTH_SCALE", "0.9")
    assert load_voice_settings(tmp_path).length_scale == 0.9
    monkeypatch.setenv("FLAMING_HORSE_VOICE", "nope")
    with pytest.raises(FlamingHorseError, match="unknown voice backend 'nope'"):
        create_backend(load_voice_settings(tmp_path))


def test_speaking_rate_changes_the_key_and_the_clip(tmp_path, monkeypatch):
    slow_settings = load_voice_settings(tmp_path)
    monkeypatch.setenv("FLAMING_HORSE_VOICE_LENGTH_SCALE", "1.5")
    fast_settings = load_voice_settings(tmp_path)
    slow_b, fast_b = create_backend(slow_settings), create_backend(fast_settings)
    cache = cache_for(tmp_path, slow_settings)
    normal, _ = cache.ensure("Speaking rate matters.", slow_b)
    slower, made = cache.ensure("Speaking rate matters.", fast_b)
    assert made and slower.key != normal.key and slower.duration > normal.duration * 1.2


def test_a_clip_finished_before_a_crash_is_adopted_not_respoken(voice, tmp_path):
    backend, cache = voice
    done, _ = cache.ensure("Finished just before the crash.", backend)
    cache.rebuild()  # fine so far; now lose the index entry as a kill -9 before its write would
    data = json.loads(cache.index_path.read_text())
    data["entries"] = {}
    cache.index_path.write_text(json.dumps(data))
    again, made = cache.ensure("Finished just before the crash.", backend)
    assert not made and again.key == done.key and again.duration == done.duration
    assert done.key in json.loads(cache.index_path.read_text())["entries"]


def test_a_kept_clip_is_retimed_in_its_tag_and_its_index(voice):
    """A clip spoken elsewhere with estimated times gets times from hearing it here: the tag
    (what a rebuilt index reads) and the index both hold them, and the audio is unchanged."""
    from flaming_horse_voice.words import WordTiming

    backend, cache = voice
    entry, _ = cache.ensure("Two words.", backend)
    audio = (cache.folder / entry.audio).read_bytes()
    times = [WordTiming("Two", 0.1, 0.3), WordTiming("words.", 0.35, 0.8)]
    cache.retime(entry.key, times, "asr-alignment")
    assert cache.get(entry.key).timing == "asr-alignment"
    cache.index_path.unlink()
    rebuilt = cache.entries()[entry.key]
    assert rebuilt.timing == "asr-alignment" and rebuilt.word_timings() == times
    assert rebuilt.duration == entry.duration
    assert len((cache.folder / entry.audio).read_bytes()) >= len(audio) - 64
    assert not list(cache.folder.glob(".fh-tmp*"))


def test_ctrl_c_while_a_clip_is_kept_leaves_it_logged_as_spoken(voice, monkeypatch):
    """A real SIGINT arrives as the clip's index entry is written (fault injected there): the
    clip, its entry and its tts log line are all kept, and then the build is interrupted. A clip
    kept without its log line is adopted by the next run, never logged as spoken."""
    import os
    import signal

    backend, cache = voice
    add = cache._add

    def add_then_ctrl_c(entry):
        os.kill(os.getpid(), signal.SIGINT)
        add(entry)

    monkeypatch.setattr(cache, "_add", add_then_ctrl_c)
    # as in a terminal, whatever this process was started with or earlier tests left: a test
    # run started in the background (`make test &`) ignores SIGINT
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    blocked = signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        with pytest.raises(KeyboardInterrupt):
            cache.ensure("Interrupted while it was kept.", backend)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    kept = json.loads(cache.index_path.read_text())["entries"]
    spoken = [e["key"] for e in read_events(cache.events) if e["event"] == "tts"]
    assert list(kept) == spoken and len(spoken) == 1
