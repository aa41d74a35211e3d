"""The voice server's parts on their own: encoders, the answer cache's byte bound, the
reference store, request variants and which of them share one loaded model, and the queue
(with the real Piper voice behind the synthesis thread)."""

from __future__ import annotations

import struct
import threading
import time

import numpy as np
import pytest

from flaming_horse_voice.audio import decode_audio
from flaming_horse_voice.server.encode import PCM_RATE, StreamEncoder, encode
from flaming_horse_voice.server.main import check_exposure, loopback
from flaming_horse_voice.server.stores import Answer, AnswerCache, ReferenceStore
from flaming_horse_voice.server.synth import Job, QueueFull, Synthesizer, Unavailable, \
    model_key, variant
from flaming_horse.errors import FlamingHorseError
from flaming_horse_voice.settings import VoiceSettings

TONE = (0.3 * np.sin(2 * np.pi * 220 * np.arange(22050) / 22050)).astype(np.float32)


@pytest.mark.parametrize("fmt", ["wav", "mp3", "flac"])
def test_files_decode_to_the_samples(fmt):
    samples, rate = decode_audio(encode(TONE, 22050, fmt))
    assert rate == 22050
    assert abs(len(samples) - len(TONE)) <= (1152 * 2 if fmt == "mp3" else 0)
    if fmt != "mp3":
        assert np.abs(samples - TONE).max() < 2 / 32767


def test_pcm_is_openai_s16le_at_24k():
    data = encode(TONE, 22050, "pcm")
    assert len(data) == 2 * PCM_RATE  # one second
    assert np.frombuffer(data, "<i2").max() == pytest.approx(0.3 * 32767, rel=0.01)


def test_a_wav_stream_has_an_open_ended_header_then_plain_samples():
    stream = StreamEncoder("wav", 22050)
    head = stream.start()
    assert head[:4] == b"RIFF" and head[8:12] == b"WAVE" and len(head) == 44
    assert struct.unpack("<I", head[24:28])[0] == 22050
    body = head + stream.piece(TONE) + stream.piece(TONE)
    samples, rate = decode_audio(body)
    assert rate == 22050 and len(samples) == 2 * len(TONE)


def test_the_answer_cache_holds_at_most_its_bytes_least_recently_used_first():
    cache = AnswerCache(megabytes=3 / 1024)  # 3 KiB
    for k in range(3):
        cache.put(str(k), Answer(b"x" * 1000, {}, "audio/wav"))
    assert cache.get("2") is not None and cache.get("0") is None  # 0 made room
    cache.put("big", Answer(b"x" * 10_000, {}, "audio/wav"))  # larger than the cache: not kept
    assert cache.get("big") is None and cache.bytes <= 3 * 1024
    off = AnswerCache(0)
    off.put("a", Answer(b"x", {}, "audio/wav"))
    assert off.get("a") is None


def test_a_reference_is_stored_once_by_its_content(tmp_path):
    store = ReferenceStore(tmp_path)
    audio, text, seen = store.add(b"RIFFwav", "Hello   there.")
    again = store.add(b"RIFFwav", "Hello there.")
    other = store.add(b"RIFFwav", "Goodbye.")
    assert not seen and again == (audio, text, True) and other[0] != audio
    assert open(text).read() == "Hello there."


def test_variants_and_the_models_they_share():
    piper = VoiceSettings()
    faster = variant(piper, speed=2.0)
    assert faster.length_scale == 0.5 and variant(piper) == piper
    assert model_key(variant(piper, speaker="3")) == model_key(faster) == model_key(piper)
    qwen = VoiceSettings(backend="qwen", model="/m")
    cloned = variant(qwen, reference=("/r.wav", "/r.txt"))
    assert model_key(cloned) != model_key(qwen)  # another voice: another load
    assert model_key(variant(qwen, speaker="Ryan")) != model_key(qwen)


def test_exposure_without_a_token_is_loopback_only():
    assert loopback("127.0.0.1") and loopback("::1") and loopback("localhost")
    assert not loopback("0.0.0.0") and not loopback("10.0.0.5")
    check_exposure("127.0.0.1", None, False)
    check_exposure("0.0.0.0", "token", False)
    check_exposure("0.0.0.0", None, True)
    with pytest.raises(FlamingHorseError, match="without a token"):
        check_exposure("0.0.0.0", None, False)


def test_the_queue_is_bounded_and_drain_refuses_what_waits():
    synth = Synthesizer(VoiceSettings(), queue_size=1, idle_unload=600)
    done = threading.Event()
    got: dict[str, list] = {"a": [], "b": [], "c": []}

    def listener(name):
        def deliver(piece):
            got[name].append(piece)
            if piece.last and name == "a":
                done.set()
        return deliver

    try:
        synth.submit(Job(VoiceSettings(), ["A first sentence that takes a while to say, "
                                           "with several clauses in it."] * 3, listener("a")))
        while not synth.busy:
            time.sleep(0.01)
        synth.submit(Job(VoiceSettings(), ["Waiting."], listener("b")))
        with pytest.raises(QueueFull) as full:
            synth.submit(Job(VoiceSettings(), ["No room."], listener("c")))
        assert full.value.retry_after >= 1
        synth.drain()
        with pytest.raises(Unavailable):
            synth.submit(Job(VoiceSettings(), ["Too late."], listener("c")))
        assert done.wait(60)
    finally:
        synth.close()
    assert [p.samples is not None for p in got["a"]] == [True, True, True, False]  # finished
    assert isinstance(got["b"][0].error, Unavailable) and got["c"] == []
    assert synth.loads == 1 and not synth.loaded
