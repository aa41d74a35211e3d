"""The voice worker protocol: a real worker process (python -m flaming_horse_voice.worker) running
the test engine in tests/voice_engines.py. Noise is dropped, real output forwarded, heartbeats
arrive during a slow sentence, a worker killed mid-sentence is restarted once, a second death
fails with the worker's last words."""

from __future__ import annotations

import os
import signal
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

from flaming_horse.errors import ToolError
from flaming_horse_voice.worker.client import NoiseFilter, WorkerClient
from tests.voice_engines import FLASH_ATTN_BLOCK

ROOT = Path(__file__).resolve().parents[2]
ENGINE = "tests.voice_engines:ToneEngine"


@contextmanager
def running(options: dict, output: list[str] | None = None) -> Iterator[WorkerClient]:
    """A client of the tone engine with ``options``, closed when the block ends."""
    worker = WorkerClient(ENGINE, {"model": "tone", "options": options},
                          on_output=(output if output is not None else []).append,
                          extra_path=[str(ROOT)])
    try:
        yield worker
    finally:
        worker.close()


def test_noise_filter_drops_only_the_flash_attn_block():
    noise = NoiseFilter()
    kept = [line for text in [*FLASH_ATTN_BLOCK, "after"] for line in noise.feed(text)]
    assert kept == ["after"]
    other = ["*****", "an important boxed message", "*****"]
    kept = [line for text in other for line in noise.feed(text)]
    assert kept == other
    assert noise.feed("*******") == [] and noise.flush() == ["*******"]  # unfinished: kept


def test_noise_is_dropped_and_real_output_forwarded():
    output: list[str] = []
    with running({"noisy": True}, output) as worker:
        samples, rate = worker.speak("one two three four", seed=1, max_new_tokens=100)
        deadline = time.monotonic() + 5
        while len(output) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)  # output arrives on the reader threads
    assert rate == 16000 and len(samples) == int(0.4 * rate)
    assert "tone engine: real warning, keep me" in output
    assert "tone engine: loaded on stdout" in output
    assert not any("flash-attn" in line or set(line) == {"*"} for line in output), output


def test_same_seed_same_audio_and_one_process_for_many_sentences():
    with running({}) as worker:
        first, _ = worker.speak("a b c", seed=5, max_new_tokens=100)
        again, _ = worker.speak("a b c", seed=5, max_new_tokens=100)
        other, _ = worker.speak("a b c", seed=6, max_new_tokens=100)
        assert worker.starts == 1
    assert np.array_equal(first, again) and not np.array_equal(first, other)


def test_heartbeat_during_a_slow_sentence():
    beats: list[float] = []
    with running({"delay": 2.6}) as worker:
        worker.speak("slow words here", seed=0, max_new_tokens=100, on_heartbeat=beats.append)
    assert len(beats) >= 2 and beats == sorted(beats) and beats[-1] >= 2.0, beats


def test_worker_killed_mid_sentence_is_restarted_and_the_sentence_retried():
    output: list[str] = []
    beats: list[float] = []
    killed: list[int] = []
    with running({"delay": 3}, output) as worker:
        def kill_when_busy() -> None:
            while not beats:
                time.sleep(0.05)
            killed.append(worker.pid)
            os.kill(worker.pid, signal.SIGKILL)

        threading.Thread(target=kill_when_busy, daemon=True).start()
        samples, _ = worker.speak("five words in this sentence", seed=0, max_new_tokens=100,
                                  on_heartbeat=beats.append)
        assert worker.starts == 2 and worker.pid != killed[0]
    assert len(samples) == int(0.5 * 16000)
    assert any("restarting" in line for line in output), output


def test_a_second_death_fails_with_the_workers_last_words(tmp_path):
    with running({"die_on": "boom"}) as worker, pytest.raises(ToolError) as caught:
        worker.speak("this goes boom", seed=0, max_new_tokens=100)
    assert "died twice" in caught.value.message
    assert "tone engine: dying on 'this goes boom'" in caught.value.hint
    assert worker.starts == 2


def test_one_death_then_success(tmp_path):
    with running({"die_on": "boom", "die_once": str(tmp_path / "died")}) as worker:
        samples, _ = worker.speak("boom once", seed=0, max_new_tokens=100)
    assert len(samples) > 0 and worker.starts == 2


def test_load_error_is_ours_with_its_hint():
    with running({"fail_load": True}) as worker, pytest.raises(ToolError) as caught:
        worker.speak("anything", seed=0, max_new_tokens=100)
    assert "model tone is not here" in caught.value.message
    assert caught.value.hint == "fetch it on a connected machine"
    assert worker.starts == 1  # a model that cannot load is not retried


def test_close_ends_the_process():
    with running({}) as worker:
        worker.speak("a", seed=0, max_new_tokens=100)
        pid = worker.pid
        worker.close()  # what is tested; closing again at the block's end does nothing
    with pytest.raises(ProcessLookupError):
        for _ in range(50):
            os.kill(pid, 0)
            time.sleep(0.1)


class FakeGpuTorch:
    """The part of torch that use_tf32 touches, for a GPU this machine does not have (a fake at
    the edge: no CUDA here). ``capability``: the GPU's compute capability."""

    def __init__(self, capability: tuple[int, int]) -> None:
        from types import SimpleNamespace

        self.cuda = SimpleNamespace(get_device_capability=lambda index=0: capability)
        self.backends = SimpleNamespace(cuda=SimpleNamespace(matmul=SimpleNamespace(
            allow_tf32=False)), cudnn=SimpleNamespace(allow_tf32=False))


def test_tf32_is_turned_on_from_ampere_on_only():
    from flaming_horse_voice.worker.qwen_engine import use_tf32

    ampere, volta = FakeGpuTorch((8, 0)), FakeGpuTorch((7, 0))
    assert use_tf32(ampere) and ampere.backends.cuda.matmul.allow_tf32
    assert ampere.backends.cudnn.allow_tf32
    assert not use_tf32(volta) and not volta.backends.cuda.matmul.allow_tf32
