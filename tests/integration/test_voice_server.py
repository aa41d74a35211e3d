"""flaming-horse serve-voice, as real processes on loopback speaking with the real Piper voice:
answers match the backend run locally, the queue and its limit, lazy load and idle unload,
streaming (audio and SSE) sentence by sentence, auth, every bad input, a client that leaves,
graceful shutdown, and the http backend's round trip (a project built through the server)."""

from __future__ import annotations

import base64
import json
import signal
import socket
import threading
import time

import httpx
import numpy as np
import pytest

from flaming_horse_voice.audio import decode_audio
from flaming_horse_voice.backends.http import HttpBackend
from flaming_horse_voice.backends.piper import PiperBackend
from flaming_horse_voice.settings import VoiceSettings
from tests.helpers import fh
from tests.voice_server import voice_server

pytestmark = pytest.mark.slow

SHORT = "The triangle has three sides."
THREE = ("A right triangle has one square corner, and the side across from it is the longest. "
         "The squares on the two shorter sides together match the square on the longest one. "
         "That is the rule Pythagoras is remembered for, and builders still use it today.")
LONG = " ".join([THREE] * 3)


def speak(client: httpx.Client, text: str = SHORT, **fields) -> httpx.Response:
    return client.post("/v1/audio/speech", json={"model": "piper", "input": text, **fields})


@pytest.fixture(scope="module")
def server():
    with voice_server("--idle-unload", "600") as running:
        yield running


@pytest.fixture(scope="module")
def local():
    return PiperBackend(VoiceSettings())


def test_a_wav_answer_is_piper_speaking_here_with_its_word_times(server, local):
    """Piper samples noise as it speaks (two runs of one text differ by a few percent in
    length), so the answer is compared with Piper here as closely as Piper with itself: the
    voice's own rate, the same words aligned the same way, the length within that spread."""
    with server.client() as client:
        answer = speak(client, THREE, response_format="wav")
    assert answer.status_code == 200, answer.text
    samples, rate = decode_audio(answer.content)
    clip = local.synthesize(THREE)
    assert rate == clip.sample_rate == int(answer.headers["X-Sample-Rate"])
    assert len(samples) / rate == pytest.approx(clip.duration, rel=0.08)
    words = json.loads(answer.headers["X-Word-Timings"])
    assert answer.headers["X-Word-Timing-Method"] == "piper-alignment"
    assert [w[0] for w in words] == [w.word for w in clip.words]
    assert words[-1][2] <= len(samples) / rate  # the times are this clip's, not another's
    assert np.allclose([w[1] for w in words], [w.start for w in clip.words], rtol=0.1, atol=0.3)


@pytest.mark.parametrize("fmt", ["mp3", "flac", "pcm"])
def test_every_format_is_audio_of_the_same_length(server, local, fmt):
    with server.client() as client:
        answer = speak(client, SHORT, response_format=fmt)
    assert answer.status_code == 200, answer.text
    expected = local.synthesize(SHORT).duration
    if fmt == "pcm":
        assert answer.headers["X-Sample-Rate"] == "24000"
        assert answer.headers["X-Sample-Format"] == "s16le"
        seconds = len(answer.content) / 2 / 24000
    else:
        samples, rate = decode_audio(answer.content)
        seconds = len(samples) / rate
    assert seconds == pytest.approx(expected, rel=0.15)  # Piper's own spread, an mp3 frame


def test_a_repeated_request_is_answered_from_the_cache(server):
    with server.client() as client:
        first = speak(client, "Cached words are served again.", response_format="mp3")
        second = speak(client, "Cached words are served again.", response_format="mp3")
        other = speak(client, "Cached words are served again.", response_format="wav")
    assert first.headers["X-Cache"] == "miss" and second.headers["X-Cache"] == "hit"
    assert second.content == first.content
    assert other.headers["X-Cache"] == "miss"  # every parameter is in the key


def test_models_voices_health_and_metrics(server):
    with server.client() as client:
        assert speak(client, "Something to measure.").status_code == 200
        models = [m["id"] for m in client.get("/v1/models").json()["data"]]
        voices = client.get("/v1/audio/voices").json()
        health = client.get("/health").json()
        metrics = client.get("/metrics")
    assert "piper" in models and "tts-1" in models
    assert voices["voices"][0] == "default" and voices["clones"] is False
    assert health["status"] == "ok" and health["backend"] == "piper"
    assert "voice_time_to_first_audio_seconds_bucket" in metrics.text
    assert "voice_queue_depth" in metrics.text


def test_streamed_audio_comes_sentence_by_sentence(server):
    """The first sentence's audio arrives while later ones are still being spoken (the server
    is still busy when the first chunk is in hand), and the pcm stream is the whole text."""
    with server.client() as client, client.stream(
            "POST", "/v1/audio/speech", json={"model": "piper", "input": LONG,
                                              "response_format": "pcm",
                                              "stream_format": "audio"}) as answer:
        assert answer.status_code == 200
        assert answer.headers["X-Accel-Buffering"] == "no"
        chunks = answer.iter_raw()
        first = next(chunks)
        busy_after_first = server.health()["busy"]
        rest = b"".join(chunks)
    assert first and busy_after_first
    seconds = (len(first) + len(rest)) / 2 / 24000
    assert seconds > 20  # nine sentences of speech


def test_sse_sends_each_sentence_then_done(server):
    with server.client() as client, client.stream(
            "POST", "/v1/audio/speech", json={"model": "piper", "input": THREE,
                                              "response_format": "pcm",
                                              "stream_format": "sse"}) as answer:
        assert answer.headers["content-type"].startswith("text/event-stream")
        events = [json.loads(line[len("data: "):]) for line in answer.iter_lines()
                  if line.startswith("data: ")]
    deltas = [e for e in events if e["type"] == "speech.audio.delta"]
    assert len(deltas) == 3  # one per sentence
    assert all(len(base64.b64decode(e["audio"])) > 24000 for e in deltas)  # each > 0.5 s
    assert events[-1]["type"] == "speech.audio.done"


@pytest.mark.parametrize("fields,status,names", [
    ({"input": "   "}, 400, "input is empty"),
    ({"input": "x" * 5000}, 413, "at most 4096"),
    ({"voice": "alloy"}, 400, "unknown voice 'alloy'; this server has: default"),
    ({"model": "tts-9"}, 400, "unknown model 'tts-9'; this server has: piper"),
    ({"response_format": "aac"}, 400, "use one of: mp3, wav, flac, pcm"),
    ({"response_format": "flac", "stream_format": "audio"}, 400, "flac cannot be streamed"),
    ({"speed": 9}, 400, "speed 9 is outside 0.25..4"),
    ({"stream_format": "video"}, 400, "stream_format"),
    ({"reference_audio": "AAAA", "reference_text": "hi"}, 400, "cannot clone"),
])
def test_bad_input_is_a_4xx_with_an_openai_error_body(server, fields, status, names):
    with server.client() as client:
        answer = client.post("/v1/audio/speech", json={"model": "piper", "input": SHORT,
                                                       **fields})
    assert answer.status_code == status
    error = answer.json()["error"]
    assert names in error["message"] and error["type"] == "invalid_request_error"


@pytest.mark.parametrize("body", [b"{not json", b'{"model": "piper"}', b"[1, 2]"])
def test_malformed_bodies_are_400(server, body):
    with server.client() as client:
        answer = client.post("/v1/audio/speech", content=body,
                             headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and answer.json()["error"]["message"]


def test_a_body_too_large_for_any_request_is_refused_before_it_is_read(server):
    with server.client() as client:
        answer = client.post("/v1/audio/speech", content=b"x" * (40 * 1024 * 1024),
                             headers={"Content-Type": "application/json"})
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "body_too_large"


def test_unknown_routes_are_json_404(server):
    with server.client() as client:
        answer = client.get("/v1/audio/nothing")
    assert answer.status_code == 404 and "no route" in answer.json()["error"]["message"]


def test_lazy_load_once_for_two_cold_requests_then_idle_unload_and_reload():
    with voice_server("--idle-unload", "1.5") as server:
        assert server.health()["model_loaded"] is False
        answers = []
        with server.client() as client:
            threads = [threading.Thread(target=lambda t=t: answers.append(
                speak(client, f"{SHORT} Number {t}.").status_code)) for t in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert answers == [200, 200]
            assert server.metric("voice_model_loads_total") == 1
            deadline = time.monotonic() + 20
            while server.health()["model_loaded"] and time.monotonic() < deadline:
                time.sleep(0.2)
            assert server.health()["model_loaded"] is False
            assert server.metric("voice_model_unloads_total") == 1
            assert speak(client, "Back again.").status_code == 200
        assert server.metric("voice_model_loads_total") == 2


def test_a_long_stream_keeps_its_model_past_the_idle_timeout():
    """The idle clock is touched after every sentence: a stream longer than the timeout is
    never cut, and the model is loaded once."""
    with voice_server("--idle-unload", "0.3") as server, server.client() as client:
        with client.stream("POST", "/v1/audio/speech",
                           json={"model": "piper", "input": LONG, "response_format": "pcm",
                                 "stream_format": "audio"}) as answer:
            data = b"".join(answer.iter_raw())
        assert len(data) / 2 / 24000 > 20
        assert server.metric("voice_model_loads_total") == 1


def test_a_full_queue_answers_429_with_retry_after_and_health_stays_quick():
    with voice_server("--queue-size", "1", "--cache-mb", "0") as server:
        results: list[httpx.Response] = []
        lock = threading.Lock()

        def one(k: int) -> None:
            with server.client() as client:
                answer = speak(client, f"{LONG} Copy {k}.", response_format="wav")
            with lock:
                results.append(answer)

        threads = [threading.Thread(target=one, args=(k,)) for k in range(6)]
        for thread in threads:
            thread.start()
        health_seconds = []
        while any(t.is_alive() for t in threads):
            started = time.monotonic()
            assert server.health()["status"] == "ok"
            health_seconds.append(time.monotonic() - started)
            time.sleep(0.1)
        for thread in threads:
            thread.join()
    statuses = sorted(r.status_code for r in results)
    assert 200 in statuses and 429 in statuses and set(statuses) <= {200, 429}, statuses
    refused = next(r for r in results if r.status_code == 429)
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["error"]["code"] == "queue_full"
    assert health_seconds and max(health_seconds) < 5  # never stuck behind synthesis


def test_auth_with_a_token():
    token = "s3cret-token-for-tests"
    with voice_server(env={"FLAMING_HORSE_VOICE_SERVER_TOKEN": token}) as server:
        with server.client() as client:
            assert speak(client).status_code == 401
            wrong = client.post("/v1/audio/speech", json={"model": "piper", "input": SHORT},
                                headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_api_key"
            assert client.get("/v1/models").status_code == 401
            assert client.get("/health").status_code == 200  # for load balancers
        with server.client(headers={"Authorization": f"Bearer {token}"}) as client:
            assert speak(client).status_code == 200
            assert client.get("/v1/models").status_code == 200


def test_without_a_token_it_will_not_listen_beyond_this_machine():
    run = fh("serve-voice", "--host", "0.0.0.0", "--port", "1", check=False)
    assert run.returncode != 0
    assert "refusing to serve on 0.0.0.0 without a token" in run.stdout + run.stderr
    assert "FLAMING_HORSE_VOICE_SERVER_TOKEN" in run.stdout + run.stderr


def test_malformed_reference_audio_is_400_on_a_cloning_backend(tmp_path):
    with voice_server("--backend", "qwen", "--model", str(tmp_path / "no-model")) as server:
        with server.client() as client:
            bad = client.post("/v1/audio/speech", json={
                "model": "qwen", "input": SHORT, "reference_text": "Hello there.",
                "reference_audio": base64.b64encode(b"RIFF....not a wav").decode()})
            not_b64 = client.post("/v1/audio/speech", json={
                "model": "qwen", "input": SHORT, "reference_text": "Hello there.",
                "reference_audio": "%%%"})
            no_text = client.post("/v1/audio/speech", json={
                "model": "qwen", "input": SHORT, "reference_audio": "AAAA"})
        assert bad.status_code == 400 and "not audio" in bad.json()["error"]["message"]
        assert not_b64.status_code == 400 and "base64" in not_b64.json()["error"]["message"]
        assert no_text.status_code == 400 and "reference_text" in no_text.json()["error"]["message"]
        assert server.health()["model_loaded"] is False


def test_a_client_that_leaves_has_its_queued_work_dropped():
    with voice_server("--cache-mb", "0") as server:
        first = threading.Thread(target=lambda: speak(server.client(), LONG))
        first.start()
        while not server.health()["busy"]:
            time.sleep(0.05)
        leaver = f"{THREE} Nobody waits for this one."
        body = json.dumps({"model": "piper", "input": leaver}).encode()
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(b"POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\n"
                         b"Content-Type: application/json\r\n"
                         + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            time.sleep(0.3)
        first.join()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any(
                r.get("status") == 499 for r in server.log_lines()):
            time.sleep(0.2)
        assert any(r.get("status") == 499 and r.get("characters") == len(leaver)
                   for r in server.log_lines()), server.log.read_text()
        time.sleep(1.0)
        assert server.health()["busy"] is False
        assert server.metric("voice_characters_total") == len(LONG)  # the leaver: never spoken


def test_a_stream_whose_client_leaves_stops_speaking():
    """Nine sentences asked for as a stream; the client reads the first and hangs up. The job
    is cancelled before its next sentence: the server is idle again with sentences unspoken,
    the request is logged as 499 and its characters are not counted as spoken."""
    with voice_server("--cache-mb", "0") as server:
        with server.client() as client, client.stream(
                "POST", "/v1/audio/speech", json={"model": "piper", "input": LONG,
                                                  "response_format": "pcm",
                                                  "stream_format": "audio"}) as answer:
            next(answer.iter_raw())
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(
                r.get("status") == 499 for r in server.log_lines()):
            time.sleep(0.1)
        assert any(r.get("status") == 499 and r.get("stream") == "audio"
                   for r in server.log_lines()), server.log.read_text()
        while server.health()["busy"] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert server.health()["busy"] is False
        assert server.health()["sentences_spoken"] < 9  # it stopped part way
        assert server.metric("voice_characters_total") == 0


def test_shutdown_finishes_the_request_in_flight_and_refuses_the_queued():
    with voice_server("--cache-mb", "0") as server:
        results: dict[str, httpx.Response] = {}

        def one(name: str, text: str) -> None:
            with server.client() as client:
                results[name] = speak(client, text, response_format="wav")

        threads = [threading.Thread(target=one, args=("in flight", LONG))]
        threads[0].start()
        while not server.health()["busy"]:
            time.sleep(0.05)
        for k in range(2):
            threads.append(threading.Thread(target=one, args=(f"queued {k}", f"{THREE} {k}.")))
            threads[-1].start()
        while server.health()["queue_depth"] < 2:
            time.sleep(0.05)
        # uvicorn shuts down gracefully, then re-raises the signal so its parent sees it
        assert server.stop(signal.SIGTERM) in (0, -signal.SIGTERM)
        assert "Finished server process" in server.log.read_text()
        for thread in threads:
            thread.join()
    assert results["in flight"].status_code == 200
    assert decode_audio(results["in flight"].content)[0].size > 22050 * 20
    for k in range(2):
        assert results[f"queued {k}"].status_code == 503
        assert results[f"queued {k}"].json()["error"]["code"] == "shutting_down"


def test_the_http_backend_round_trip_matches_piper_here(server, local, tmp_path):
    """A project whose voice is http pointing at the server builds; its clips last as long as
    Piper's here and carry Piper's own word times."""
    settings = VoiceSettings(backend="http", base_url=f"{server.url}/v1", model="piper",
                             speaker="default")
    remote = HttpBackend(settings).synthesize(THREE)
    here = local.synthesize(THREE)
    assert remote.duration == pytest.approx(here.duration, rel=0.08)  # Piper's own spread
    assert remote.timing == "piper-alignment"
    assert [w.word for w in remote.words] == [w.word for w in here.words]

    script = tmp_path / "talk.md"
    script.write_text("# Through the server\n\n## One\n\nThe voice comes from a server. "
                      "It speaks every word.\n\n- First point\n- Second point\n")
    env = {"FLAMING_HORSE_VOICE": "http", "FLAMING_HORSE_VOICE_BASE_URL": f"{server.url}/v1",
           "FLAMING_HORSE_VOICE_MODEL": "piper", "FLAMING_HORSE_VOICE_SPEAKER": "default"}
    fh("create", "talk", "--topic", str(script), "--projects-dir", str(tmp_path), "-q", "low",
       env=env)
    project = tmp_path / "talk"
    assert (project / "final_video.mp4").is_file()
    cache = json.loads((project / "media" / "voice" / "http" / "cache.json").read_text())
    entries = list(cache["entries"].values())
    assert entries and {e["timing"] for e in entries} == {"piper-alignment"}
    local_seconds = {e["text"]: local.synthesize(e["text"]).duration for e in entries}
    for entry in entries:  # the MP3 in the cache lasts as long as Piper's clip here
        assert entry["duration"] == pytest.approx(local_seconds[entry["text"]], rel=0.1)


def test_doctor_checks_the_server_a_project_points_at(server, tmp_path):
    env = {"FLAMING_HORSE_VOICE_BASE_URL": f"{server.url}/v1", "FLAMING_HORSE_VOICE_MODEL":
           "piper", "FLAMING_HORSE_VOICE_SPEAKER": "default"}
    run = fh("doctor", "--voice", "http", "--projects-dir", str(tmp_path), env=env, check=False)
    out = run.stdout
    assert "voice server reachable" in out and "voice server has model piper" in out
    assert "voice server has voice default" in out
    wrong = fh("doctor", "--voice", "http", "--projects-dir", str(tmp_path),
               env={**env, "FLAMING_HORSE_VOICE_SPEAKER": "alloy"}, check=False)
    assert wrong.returncode == 1 and "set [voice] speaker to one of: default" in wrong.stdout
    down = fh("doctor", "--voice", "http", "--projects-dir", str(tmp_path),
              env={**env, "FLAMING_HORSE_VOICE_BASE_URL": "http://127.0.0.1:9/v1"}, check=False)
    assert down.returncode == 1 and "flaming-horse serve-voice" in down.stdout


def test_a_qwen_server_clones_from_a_reference_kept_by_its_content(tmp_path):
    """On a tiny real Qwen3-TTS Base checkpoint: a request with reference audio and its text is
    spoken in that voice; the same reference again reuses the loaded clone (no second load);
    another reference loads the model for it."""
    from tests.helpers import voice_reference
    from tests.tiny_qwen import build_tiny_qwen3_tts

    model = build_tiny_qwen3_tts(tmp_path / "base", "base")
    first = base64.b64encode(voice_reference(tmp_path / "a").read_bytes()).decode()
    second = base64.b64encode(voice_reference(tmp_path / "b", freq=200.0).read_bytes()).decode()
    with voice_server("--backend", "qwen", "--model", str(model), "--device", "cpu") as server, \
            server.client() as client:
        assert client.get("/v1/audio/voices").json()["clones"] is True
        asks = [(first, "Hello world, this is my voice."), (first, "Hello world, this is my voice."),
                (second, "Another voice entirely.")]
        for k, (audio, text) in enumerate(asks):
            answer = client.post("/v1/audio/speech", json={
                "model": "qwen", "input": f"Sentence number {k}.", "response_format": "wav",
                "reference_audio": audio, "reference_text": text})
            assert answer.status_code == 200, answer.text
            assert decode_audio(answer.content)[0].size > 0
            assert server.metric("voice_model_loads_total") == (1 if k < 2 else 2)
