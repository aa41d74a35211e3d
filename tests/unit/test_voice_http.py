"""The http voice backend against a real OpenAI-compatible speech server on 127.0.0.1.

The server is http.server in a thread; it speaks each request's input with the real Piper voice
and answers in the format asked for, or with the failures a test queues (429, 5xx, 4xx, a stall).
Nothing is mocked: urllib talks HTTP over a socket, PyAV decodes what comes back.
"""

from __future__ import annotations

import json
import socket
import time
from dataclasses import replace

import pytest
import typer
from typer.testing import CliRunner

from flaming_horse.errors import FlamingHorseError, ToolError
from flaming_horse.settings import load_settings
from flaming_horse_voice import cache_for, get_speech_service, load_voice_settings
from flaming_horse_voice.audio import measure_duration
from flaming_horse_voice.backends.http import HttpBackend
from flaming_horse_voice.retry import RetryPolicy, parse_retry_after
from flaming_horse_voice.events import read_events
from flaming_horse_voice.factory import create_backend
from flaming_horse_voice.settings import VoiceSettings
from flaming_horse_voice.words import ESTIMATED, tokens
from tests.speech_server import SpeechServer

SECRET = "sk-test-SECRET-0123456789"
def error_body(message: str) -> bytes:
    return json.dumps({"error": {"message": message, "type": "invalid_request_error"}}).encode()


@pytest.fixture(scope="module")
def server():
    running = SpeechServer()
    yield running
    running.httpd.shutdown()
    running.httpd.server_close()


@pytest.fixture
def speech(server, monkeypatch):
    server.reset()
    for name in ("FLAMING_HORSE_VOICE_API_KEY", "OPENAI_API_KEY", "FLAMING_HORSE_VOICE",
                 "FLAMING_HORSE_VOICE_BASE_URL", "FLAMING_HORSE_VOICE_MODEL",
                 "FLAMING_HORSE_VOICE_SPEAKER", "FLAMING_HORSE_VOICE_LENGTH_SCALE",
                 "http_proxy", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FLAMING_HORSE_VOICE_API_KEY", SECRET)
    return server


def http_settings(url: str, **options) -> VoiceSettings:
    return VoiceSettings(backend="http", base_url=url, model="tts-test", speaker="joe",
                         options={"max_retries": 2, "backoff": 0.01, "timeout": 10, **options})


def make(settings: VoiceSettings) -> tuple[HttpBackend, list[float]]:
    sleeps: list[float] = []
    return HttpBackend(settings, sleep=sleeps.append), sleeps


def test_clip_is_fetched_measured_cached_and_the_key_never_written(speech, tmp_path):
    settings = http_settings(speech.url)
    backend, sleeps = make(settings)
    cache = cache_for(tmp_path, settings)
    text = "Hello from the loopback speech server."
    entry, made = cache.ensure(text, backend)
    assert made and len(speech.requests) == 1 and not sleeps
    request = speech.requests[0]
    assert request["path"] == "/v1/audio/speech"
    assert request["body"] == {"model": "tts-test", "voice": "joe", "input": text,
                               "response_format": "wav"}
    assert request["headers"]["Authorization"] == f"Bearer {SECRET}"
    assert entry.duration == measure_duration(cache.folder / entry.audio)
    assert abs(entry.duration - speech.served[0]) < 0.1  # the server's audio, measured
    assert entry.backend == "http" and entry.model == "tts-test" and entry.timing == ESTIMATED
    words = entry.word_timings()
    assert [w.word for w in words] == tokens(text)
    assert 0 <= words[0].start < words[-1].end <= entry.duration

    again, made_again = cache.ensure(text, make(settings)[0])  # a fresh backend: zero requests
    assert not made_again and again == entry and len(speech.requests) == 1
    elsewhere = replace(settings, base_url=speech.url.replace("127.0.0.1", "localhost"))
    assert cache.key_for(text, make(elsewhere)[0]) == entry.key  # the host is not the voice
    for changed in (replace(settings, speaker="amy"), replace(settings, model="tts-hd"),
                    http_settings(speech.url, response_format="mp3"),
                    http_settings(speech.url, instructions="Speak calmly.")):
        assert cache.key_for(text, make(changed)[0]) != entry.key

    assert [e["event"] for e in read_events(tmp_path / "log" / "events.jsonl")] == ["tts"]
    for path in tmp_path.rglob("*"):  # cache.json, the MP3 and its tags, the events log
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


@pytest.mark.parametrize("fmt", ["mp3", "flac"])
def test_mp3_and_flac_answers_are_decoded(speech, tmp_path, fmt):
    settings = http_settings(speech.url, response_format=fmt)
    backend, _ = make(settings)
    entry, made = cache_for(tmp_path, settings).ensure("Compressed answers work too.", backend)
    assert made and speech.requests[0]["body"]["response_format"] == fmt
    assert abs(entry.duration - speech.served[0]) < 0.15


def test_rate_limit_is_retried_honouring_retry_after(speech, tmp_path):
    speech.queue.append((429, {"Retry-After": "0", "Content-Type": "application/json"},
                         error_body("Rate limit reached")))
    settings = http_settings(speech.url)
    backend, sleeps = make(settings)
    entry, made = cache_for(tmp_path, settings).ensure("Second time lucky.", backend)
    assert made and len(speech.requests) == 2 and sleeps == [0.0]
    assert entry.duration > 0.3


def test_server_errors_back_off_then_give_up(speech, tmp_path):
    speech.queue.extend([(503, {}, b"overloaded, try later")] * 3)
    settings = http_settings(speech.url)
    backend, sleeps = make(settings)
    cache = cache_for(tmp_path, settings)
    with pytest.raises(ToolError, match=r"HTTP 503\) after 3 attempts: overloaded") as caught:
        cache.ensure("This will not be spoken.", backend)
    assert len(speech.requests) == 3 and sleeps == [0.01, 0.02]  # exponential backoff
    assert "run build again" in caught.value.hint
    assert not list(cache.folder.glob("*.mp3"))


def test_a_retry_after_longer_than_max_wait_stops_at_once(speech, tmp_path):
    speech.queue.append((429, {"Retry-After": "3600"}, error_body("Daily quota used up")))
    backend, sleeps = make(http_settings(speech.url))
    with pytest.raises(ToolError, match="asks to wait 3600 s"):
        backend.synthesize("Not today.")
    assert len(speech.requests) == 1 and not sleeps


@pytest.mark.serial  # 1.9 s on the wall clock
def test_a_stalled_request_times_out_and_is_retried(speech, tmp_path):
    speech.queue.append(("stall", 2.0))
    settings = http_settings(speech.url, timeout=0.5)
    backend, sleeps = make(settings)
    started = time.monotonic()
    entry, made = cache_for(tmp_path, settings).ensure("Patience pays.", backend)
    assert made and len(speech.requests) == 2 and sleeps == [0.01]
    assert time.monotonic() - started < 1.9  # gave up on the stall instead of waiting it out


def test_connection_refused_is_retried_then_reported(speech):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    backend, sleeps = make(http_settings(f"http://127.0.0.1:{port}/v1"))
    with pytest.raises(ToolError, match="could not get speech from .* after 3 attempts") as caught:
        backend.synthesize("Nobody is listening.")
    assert sleeps == [0.01, 0.02] and "FLAMING_HORSE_VOICE_BASE_URL" in caught.value.hint


def test_bad_request_shows_the_server_message_and_is_not_retried(speech, tmp_path):
    speech.queue.append((400, {"Content-Type": "application/json"},
                         error_body("Input text exceeds 4096 characters")))
    settings = http_settings(speech.url)
    backend, sleeps = make(settings)
    cache = cache_for(tmp_path, settings)
    with pytest.raises(FlamingHorseError, match="HTTP 400.*Input text exceeds 4096") as caught:
        cache.ensure("Too long, says the server.", backend)
    assert len(speech.requests) == 1 and not sleeps
    assert "voice.model 'tts-test'" in caught.value.hint
    assert not list(cache.folder.glob("*.mp3"))


def test_unauthorised_names_the_key_variable_and_never_shows_the_key(speech, monkeypatch):
    speech.queue.append((401, {}, error_body(f"Incorrect API key provided: {SECRET}")))
    backend, _ = make(http_settings(speech.url))
    with pytest.raises(FlamingHorseError) as caught:
        backend.synthesize("Let me in.")
    assert "HTTP 401" in caught.value.message and "FLAMING_HORSE_VOICE_API_KEY" in caught.value.hint
    assert SECRET not in str(caught.value) and "***" in caught.value.message

    monkeypatch.delenv("FLAMING_HORSE_VOICE_API_KEY")  # no key at all: say how to give one
    speech.queue.append((401, {}, error_body("Missing bearer token")))
    with pytest.raises(FlamingHorseError) as caught:
        backend.synthesize("Let me in.")
    assert "Authorization" not in speech.requests[-1]["headers"]
    assert caught.value.hint.startswith("export FLAMING_HORSE_VOICE_API_KEY=")


def test_not_found_points_at_base_url_and_model(speech):
    speech.queue.append((404, {}, error_body("model 'tts-test' not found")))
    backend, _ = make(http_settings(speech.url))
    with pytest.raises(FlamingHorseError, match="HTTP 404") as caught:
        backend.synthesize("Where am I?")
    assert "voice.base_url" in caught.value.hint and "voice.model" in caught.value.hint


def test_a_redirect_is_reported_not_followed_with_the_key(speech):
    speech.queue.append((307, {"Location": "http://elsewhere.invalid/v1/audio/speech"}, b""))
    backend, sleeps = make(http_settings(speech.url))
    with pytest.raises(FlamingHorseError, match="redirects .* to http://elsewhere") as caught:
        backend.synthesize("Over there.")
    assert len(speech.requests) == 1 and not sleeps and "voice.base_url" in caught.value.hint


def test_an_answer_that_is_not_audio_is_an_error(speech):
    speech.queue.append((200, {"Content-Type": "text/html"}, b"<html>Welcome to nginx!</html>"))
    backend, _ = make(http_settings(speech.url))
    with pytest.raises(ToolError, match="not audio.*Welcome to nginx"):
        backend.synthesize("Is this a speech server?")


def test_openai_api_key_is_the_fallback(speech, tmp_path, monkeypatch):
    monkeypatch.delenv("FLAMING_HORSE_VOICE_API_KEY")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-fallback")
    backend, _ = make(http_settings(speech.url))
    backend.synthesize("Fallback key.")
    assert speech.requests[0]["headers"]["Authorization"] == "Bearer sk-openai-fallback"


def test_settings_come_from_the_project_then_environment_then_cli(speech, tmp_path, monkeypatch):
    (tmp_path / "flaming-horse.toml").write_text(
        '[voice]\nbackend = "http"\nbase_url = "http://nowhere.invalid/v1"\nmodel = "tts-test"\n'
        'speaker = "joe"\n[voice.options]\nmax_retries = 0\n')
    assert load_voice_settings(tmp_path).base_url == "http://nowhere.invalid/v1"
    monkeypatch.setenv("FLAMING_HORSE_VOICE_BASE_URL", speech.url)  # env beats the file
    settings = load_settings(tmp_path)
    assert settings.voice.base_url == speech.url and settings.voice.backend == "http"
    assert settings.with_overrides(voice="piper").voice.backend == "piper"  # the CLI beats both
    assert SECRET not in json.dumps(settings.voice.identity()) + repr(settings)
    service = get_speech_service(tmp_path)  # the manim-voiceover path, no pipeline
    result = service._wrap_generate_from_text("Spoken through the service.")
    assert result["duration"] > 0.3 and len(speech.requests) == 1
    assert (tmp_path / "media" / "voice" / "http" / result["final_audio"]).is_file()


def test_a_plain_scene_folder_gets_the_cache_and_no_log_of_ours(speech, tmp_path, monkeypatch):
    for name, value in (("", "http"), ("_BASE_URL", speech.url), ("_MODEL", "tts-test"),
                        ("_SPEAKER", "joe")):
        monkeypatch.setenv(f"FLAMING_HORSE_VOICE{name}", value)
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "log").write_text("the user's own file\n")  # a FileExistsError before
    service = get_speech_service(plain)
    assert service._wrap_generate_from_text("Nothing of ours but the cache.")["duration"] > 0.3
    assert (plain / "log").read_text() == "the user's own file\n"
    assert sorted(p.name for p in plain.iterdir()) == ["log", "media"]
    project = tmp_path / "project"
    project.mkdir()
    (project / "flaming-horse.toml").write_text("")
    get_speech_service(project)._wrap_generate_from_text("A project logs what it spoke.")
    assert [e["event"] for e in read_events(project / "log" / "events.jsonl")] == ["tts"]


def test_missing_settings_name_what_to_set(speech, tmp_path):
    no_url = replace(http_settings(speech.url), base_url=None)
    backend = create_backend(no_url)
    with pytest.raises(FlamingHorseError) as caught:
        cache_for(tmp_path, no_url).ensure("Where to?", backend)
    assert "FLAMING_HORSE_VOICE_BASE_URL" in caught.value.hint
    with pytest.raises(FlamingHorseError, match="needs a model"):
        cache_for(tmp_path, no_url).key_for("x", create_backend(replace(no_url, model=None)))
    with pytest.raises(FlamingHorseError, match="response_format"):
        create_backend(http_settings(speech.url, response_format="pcm"))
    assert not speech.requests


def test_retry_after_and_backoff_arithmetic():
    assert parse_retry_after("2.5") == 2.5 and parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past
    assert 50 < parse_retry_after(time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                                time.gmtime(time.time() + 60))) <= 60
    policy = RetryPolicy(attempts=6, backoff=1.0, max_wait=5.0)
    assert [policy.delay(n, None) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]
    assert policy.delay(1, 0.0) == 0.0


def test_voices_command_lists_backends_and_why(speech, tmp_path, monkeypatch):
    from flaming_horse.cli import voices

    app = typer.Typer()
    app.command()(voices.voices)
    app.callback()(lambda: None)
    runner = CliRunner()
    result = runner.invoke(app, ["voices", str(tmp_path), "--json"])
    rows = {r["name"]: r for r in json.loads(result.stdout)["backends"]}
    assert result.exit_code == 0 and rows["piper"]["usable"] and rows["piper"]["selected"]
    assert not rows["http"]["usable"] and "base_url" in rows["http"]["detail"]

    monkeypatch.setenv("FLAMING_HORSE_VOICE", "http")
    result = runner.invoke(app, ["voices", str(tmp_path), "--json"])
    assert result.exit_code == 1  # the selected backend cannot speak
    for name, value in (("BASE_URL", speech.url), ("MODEL", "tts-test"), ("SPEAKER", "joe")):
        monkeypatch.setenv(f"FLAMING_HORSE_VOICE_{name}", value)
    result = runner.invoke(app, ["voices", str(tmp_path)])
    assert result.exit_code == 0 and "usable" in result.stdout and "http" in result.stdout
    assert SECRET not in result.stdout and not speech.requests  # no network, no key shown
