"""The one thread that speaks: requests wait in a bounded queue, and a dedicated worker thread
takes them one at a time, so the server's event loop never runs a model (health checks answer
while a long text is spoken).

- The model loads on the first job, under a lock checked twice (two cold requests load it
  once), and unloads after ``idle_unload`` seconds without work; the idle clock is touched after
  every sentence, so a long stream never loses its model mid-way. Unloading closes the backend
  (a worker process ends, and with it its GPU memory).
- A job is a list of sentences; each one's audio goes to the job's listener as soon as it
  exists. A job whose client has gone is dropped before its next sentence.
- ``drain()`` (shutdown): the job being spoken finishes, the ones still queued fail with
  ``Unavailable`` (the API answers 503).
"""

from __future__ import annotations

import json
import queue
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Callable

import numpy as np

from flaming_horse_voice.backends.base import Backend
from flaming_horse_voice.factory import backend_class, create_backend
from flaming_horse_voice.settings import VoiceSettings


class QueueFull(Exception):
    """The queue holds ``queue_size`` jobs already; ``retry_after`` is an estimate in seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"the queue is full; retry in {retry_after} s")
        self.retry_after = retry_after


class Unavailable(Exception):
    """The server is shutting down."""


@dataclass
class Piece:
    """One sentence's audio, or the end of a job (``last``), or its failure (``error``)."""

    samples: np.ndarray | None = None
    sample_rate: int = 0
    words: list = field(default_factory=list)
    timing: str = ""
    last: bool = False
    error: BaseException | None = None


class Job:
    """Sentences to speak with ``settings``; ``deliver`` gets each Piece (from the worker
    thread: it must hand over, not work)."""

    def __init__(self, settings: VoiceSettings, sentences: list[str],
                 deliver: Callable[[Piece], None]) -> None:
        self.settings, self.sentences, self._deliver = settings, sentences, deliver
        self.cancelled = threading.Event()
        self.queued_at = time.monotonic()
        self.started_at: float | None = None

    def cancel(self) -> None:
        self.cancelled.set()

    def deliver(self, piece: Piece) -> None:
        """Hand ``piece`` over; a listener that cannot take it any more (its event loop has
        closed) cancels the job instead of stopping the thread that speaks."""
        try:
            self._deliver(piece)
        except Exception:
            self.cancel()


_STOP = object()


class Synthesizer:
    """One backend at a time on one thread (see the module's docstring)."""

    def __init__(self, settings: VoiceSettings, *, queue_size: int = 16,
                 idle_unload: float = 300.0, poll: float = 0.25,
                 on_load: Callable[[float], None] | None = None,
                 on_unload: Callable[[], None] | None = None) -> None:
        self.settings = settings
        self.idle_unload, self.poll = idle_unload, poll
        self.jobs: queue.Queue = queue.Queue(maxsize=max(1, queue_size))
        self.backends: dict[str, Backend] = {}  # variants sharing the loaded model, by _key
        self.loaded_key: str | None = None
        self._load_lock = threading.Lock()
        self.last_used = time.monotonic()
        self.loads = self.unloads = self.sentences = 0  # sentences: spoken, all jobs
        self.on_load, self.on_unload = on_load, on_unload
        self.busy = False
        self.closing = False
        self.seconds_per_job = 1.0  # running mean, for Retry-After
        _keep_big_blocks_apart()
        self._thread = threading.Thread(target=self._run, name="voice-synthesis", daemon=True)
        self._thread.start()

    # -- the API's side ------------------------------------------------------------------------
    def submit(self, job: Job) -> None:
        if self.closing:
            raise Unavailable()
        try:
            self.jobs.put_nowait(job)
        except queue.Full:
            waiting = self.jobs.qsize() + (1 if self.busy else 0)
            raise QueueFull(max(1, round(waiting * self.seconds_per_job))) from None

    @property
    def depth(self) -> int:
        return self.jobs.qsize()

    def drain(self) -> None:
        """Refuse new jobs, fail the queued ones (503), let the one being spoken finish."""
        self.closing = True
        while True:
            try:
                job = self.jobs.get_nowait()
            except queue.Empty:
                break
            if job is not _STOP:
                job.deliver(Piece(error=Unavailable(), last=True))
        try:
            self.jobs.put_nowait(_STOP)
        except queue.Full:
            pass

    def close(self, timeout: float = 30.0) -> None:
        self.drain()
        self._thread.join(timeout)
        self.unload()

    # -- the model -----------------------------------------------------------------------------
    def ensure_loaded(self, settings: VoiceSettings) -> Backend:
        """The backend for ``settings``, its model loaded once: a lock checked twice, so two
        callers that find it cold load it once. A request's voice or speed that the backend
        applies clip by clip (Piper's speaker and rate) shares the loaded model; one that needs
        another model (a cloned reference, a qwen preset speaker) replaces it."""
        wanted = _key(settings)
        backend = self.backends.get(wanted)
        if backend is not None:
            return backend
        with self._load_lock:
            backend = self.backends.get(wanted)
            if backend is not None:
                return backend
            key = _key(model_key(settings))
            if self.backends and key != self.loaded_key:
                self._unload_locked()
            backend = create_backend(settings)
            if not self.backends:  # the model itself: load it (and time it)
                started = time.monotonic()
                backend.load()
                self.loaded_key = key
                self.loads += 1
                if self.on_load is not None:
                    self.on_load(time.monotonic() - started)
            self.backends[wanted] = backend
            return backend

    @property
    def loaded(self) -> bool:
        return bool(self.backends)

    def unload(self) -> None:
        with self._load_lock:
            self._unload_locked()

    def _unload_locked(self) -> None:
        if not self.backends:
            return
        for backend in self.backends.values():
            backend.close()
        self.backends.clear()
        self.loaded_key = None
        self.unloads += 1
        if self.on_unload is not None:
            self.on_unload()

    # -- the worker thread ---------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            try:
                job = self.jobs.get(timeout=self.poll)
            except queue.Empty:
                if self.backends and time.monotonic() - self.last_used > self.idle_unload:
                    self.unload()
                continue
            if job is _STOP:
                return
            if job.cancelled.is_set():
                continue
            self.busy = True
            try:
                self._speak(job)
            finally:
                self.busy = False
                self.last_used = time.monotonic()
                if self.jobs.empty():
                    _give_back_memory()

    def _speak(self, job: Job) -> None:
        job.started_at = started = time.monotonic()
        try:
            backend = self.ensure_loaded(job.settings)
            for sentence in job.sentences:
                if job.cancelled.is_set():
                    return
                clip = backend.synthesize(sentence)
                self.sentences += 1
                self.last_used = time.monotonic()  # a long stream keeps its model
                words, timing = clip.word_timings(sentence)
                job.deliver(Piece(clip.samples, clip.sample_rate, words, timing))
        except Exception as exc:  # the job's client hears why; the server goes on
            job.deliver(Piece(error=exc, last=True))
            return
        spent = time.monotonic() - started
        self.seconds_per_job = 0.8 * self.seconds_per_job + 0.2 * spent
        job.deliver(Piece(last=True))


def _libc():
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to tune
        return None


def _keep_big_blocks_apart() -> None:
    """Audio buffers (hundreds of kB) always get pages of their own, handed back when freed:
    glibc otherwise raises its threshold after the first frees and puts them in the heap,
    where a long-lived cached answer pins the freed ones around it."""
    libc = _libc()
    if libc is not None:
        libc.mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD, fixed


def _give_back_memory() -> None:
    """Return freed heap to the system (glibc keeps it otherwise: a server that spoke sixteen
    answers at once would hold their peak for good)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def _key(settings: VoiceSettings) -> str:
    """A hashable form of ``settings`` (its options are a dict)."""
    return json.dumps(asdict(settings), sort_keys=True, default=str)


def model_key(settings: VoiceSettings) -> VoiceSettings:
    """``settings`` less what its backend applies clip by clip: equal keys share one model."""
    defaults = VoiceSettings()
    per_clip = backend_class(settings.backend).per_clip_settings
    return replace(settings, **{name: getattr(defaults, name) for name in per_clip})


def variant(settings: VoiceSettings, *, speaker: str | None = None, speed: float = 1.0,
            reference: tuple[str, str] | None = None) -> VoiceSettings:
    """``settings`` with a request's voice, speed and cloning reference (WAV path, transcript
    path)."""
    changes: dict = {}
    if speaker is not None:
        changes["speaker"] = speaker
    if abs(speed - 1.0) > 1e-9:
        base = settings.length_scale or 1.0
        changes["length_scale"] = round(base / speed, 6)
    if reference is not None:
        changes["reference"], changes["reference_text"] = reference
    return replace(settings, **changes) if changes else settings

