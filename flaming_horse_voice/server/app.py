"""The HTTP API: OpenAI's ``POST /v1/audio/speech`` (whole files, or streamed as audio bytes or
Server-Sent Events), ``GET /v1/models``, ``GET /v1/audio/voices``, ``GET /health`` and
``GET /metrics``, in front of one ``Synthesizer``.

Handlers only check, queue and hand over bytes: the model runs on the synthesizer's thread, so
``/health`` answers while a long text is spoken. Every answer that is not audio is a JSON error
body in OpenAI's shape, ``{"error": {"message", "type", "param", "code"}}``; bad input is a 4xx.

Two things beyond OpenAI's API, both optional for a client:
- cloning: ``reference_audio`` (base64 of a WAV/MP3/FLAC of the voice) and ``reference_text``
  (what it says) in the same request, for a backend that clones (qwen, mlx);
- word times: a whole-file answer carries ``X-Word-Timings`` (JSON ``[[word, start, end], ...]``)
  and ``X-Word-Timing-Method`` (how they were found), which flaming-horse's ``http`` backend
  uses, so bookmarks land on the word as with the backend run locally.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Literal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, ValidationError

from flaming_horse.errors import FlamingHorseError
from flaming_horse_voice.audio import decode_audio
from flaming_horse_voice.backends.http import TIMING_HEADER, WORDS_HEADER
from flaming_horse_voice.factory import backend_class, create_backend
from flaming_horse_voice.sentences import split_sentences
from flaming_horse_voice.server.encode import (
    FORMATS, MEDIA_TYPES, PCM_RATE, STREAMABLE, StreamEncoder, encode,
)
from flaming_horse_voice.server.metrics import Metrics
from flaming_horse_voice.server.stores import Answer, AnswerCache, ReferenceStore, request_key
from flaming_horse_voice.server.synth import Job, Piece, QueueFull, Synthesizer, Unavailable, \
    variant
from flaming_horse_voice.settings import VoiceSettings

log = logging.getLogger("flaming_horse.voice_server")

TOKEN_ENV = "FLAMING_HORSE_VOICE_SERVER_TOKEN"
DEFAULT_VOICE = "default"
OPENAI_MODELS = ("tts-1", "tts-1-hd", "gpt-4o-mini-tts")  # names clients send: this backend
SPEED_RANGE = (0.25, 4.0)  # OpenAI's
REFERENCE_LIMIT = 20 * 1024 * 1024  # bytes of reference audio


@dataclass
class ServerConfig:
    """How the server runs (the CLI's options)."""

    settings: VoiceSettings = field(default_factory=VoiceSettings)
    queue_size: int = 16
    idle_unload: float = 300.0
    cache_mb: float = 64.0
    max_input: int = 4096  # characters, as OpenAI's
    token: str | None = None  # bearer token; None: no auth (loopback only, unless allowed)


class SpeechRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")  # OpenAI adds fields; unknown ones are ignored

    model: str
    input: str
    voice: str = DEFAULT_VOICE
    response_format: str = "mp3"
    speed: float = 1.0
    stream_format: Literal["audio", "sse"] | None = None
    reference_audio: str | None = None
    reference_text: str | None = None


class ApiError(Exception):
    """A 4xx/5xx answer with OpenAI's error body."""

    def __init__(self, status: int, message: str, *, param: str | None = None,
                 code: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.param, self.code = status, message, param, code
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        kind = "invalid_request_error" if self.status < 500 else "server_error"
        return JSONResponse({"error": {"message": self.message, "type": kind,
                                       "param": self.param, "code": self.code}},
                            status_code=self.status, headers=self.headers)


class VoiceServer:
    """The app and what it serves from; ``app`` is the FastAPI application."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.metrics = Metrics()
        self.cache = AnswerCache(config.cache_mb)
        self.references = ReferenceStore()
        probe = create_backend(config.settings)  # names only: loads nothing
        self.model_id = probe.model_id()
        self.voices = [DEFAULT_VOICE, *[v for v in probe.voices() if v != DEFAULT_VOICE]]
        self.clones = backend_class(config.settings.backend).clones
        self.synth = Synthesizer(config.settings, queue_size=config.queue_size,
                                 idle_unload=config.idle_unload,
                                 on_load=self.metrics.loaded_once,
                                 on_unload=self.metrics.unloads.inc)
        self.metrics.queue_depth.set_function(lambda: self.synth.depth)
        self.metrics.loaded.set_function(lambda: 1 if self.synth.loaded else 0)
        self.metrics.cache_bytes.set_function(lambda: self.cache.bytes)
        self.app = self._build()

    def close(self) -> None:
        self.synth.close()
        self.references.close()

    # -- checks --------------------------------------------------------------------------------
    def authorise(self, request: Request) -> None:
        if self.config.token is None:
            return
        given = request.headers.get("authorization", "")
        scheme, _, token = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(),
                                                                self.config.token.encode()):
            raise ApiError(401, "missing or wrong bearer token", code="invalid_api_key",
                           headers={"WWW-Authenticate": "Bearer"})

    def model_names(self) -> list[str]:
        return [self.config.settings.backend, self.model_id, *OPENAI_MODELS]

    def check(self, body: SpeechRequest) -> None:
        text = body.input.strip()
        if not text:
            raise ApiError(400, "input is empty: there is nothing to speak", param="input")
        if len(body.input) > self.config.max_input:
            raise ApiError(413, f"input is {len(body.input)} characters; this server speaks at "
                                f"most {self.config.max_input} per request", param="input",
                           code="input_too_long")
        if body.model not in self.model_names():
            raise ApiError(400, f"unknown model '{body.model}'; this server has: "
                                f"{', '.join(self.model_names())}", param="model",
                           code="model_not_found")
        if body.voice not in self.voices:
            raise ApiError(400, f"unknown voice '{body.voice}'; this server has: "
                                f"{', '.join(self.voices)}", param="voice")
        if body.response_format not in FORMATS:
            raise ApiError(400, f"response_format '{body.response_format}' is not supported; "
                                f"use one of: {', '.join(FORMATS)}", param="response_format")
        if body.stream_format and body.response_format not in STREAMABLE:
            raise ApiError(400, f"{body.response_format} cannot be streamed; stream "
                                f"{', '.join(STREAMABLE)}, or ask without stream_format",
                           param="response_format")
        low, high = SPEED_RANGE
        if not low <= body.speed <= high:
            raise ApiError(400, f"speed {body.speed:g} is outside {low:g}..{high:g}",
                           param="speed")

    def reference(self, body: SpeechRequest) -> tuple[str, str] | None:
        """The request's cloning reference as files the engine reads, checked."""
        if body.reference_audio is None and body.reference_text is None:
            return None
        if not self.clones:
            raise ApiError(400, f"the {self.config.settings.backend} voice cannot clone a voice; "
                                "serve qwen or mlx for reference_audio", param="reference_audio")
        if not body.reference_audio or not (body.reference_text or "").strip():
            raise ApiError(400, "cloning needs both reference_audio (base64 audio) and "
                                "reference_text (what it says)", param="reference_audio")
        try:
            wav = base64.b64decode(body.reference_audio, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(400, "reference_audio is not base64", param="reference_audio") from None
        if len(wav) > REFERENCE_LIMIT:
            raise ApiError(413, "reference_audio is over 20 MB", param="reference_audio")
        try:
            samples, rate = decode_audio(wav)
        except ValueError as exc:
            raise ApiError(400, f"reference_audio is not audio ({exc})",
                           param="reference_audio") from None
        processed = encode(samples, rate, "wav")  # what the engine reads, whatever was sent
        audio, text, _ = self.references.add(processed, body.reference_text or "")
        return audio, text

    # -- answering -----------------------------------------------------------------------------
    async def speech(self, request: Request) -> Response:
        arrived = time.monotonic()
        rid = uuid.uuid4().hex[:12]
        record: dict[str, Any] = {"id": rid, "cache_hit": False}
        stream = "none"
        try:
            self.authorise(request)
            try:
                raw = await self._read_body(request)
                body = SpeechRequest.model_validate(json.loads(raw or b"null"))
            except ValueError as exc:  # bad JSON, or fields of the wrong kind
                raise ApiError(400, _validation_message(exc)) from None
            stream = body.stream_format or "none"
            record |= {"voice": body.voice, "characters": len(body.input), "stream": stream,
                       "format": body.response_format}
            self.check(body)
            reference = self.reference(body)
            settings = variant(self.config.settings,
                               speaker=None if body.voice == DEFAULT_VOICE else body.voice,
                               speed=body.speed, reference=reference)
            key = request_key({"model": body.model, "voice": body.voice, "input": body.input,
                               "format": body.response_format, "speed": body.speed,
                               "reference": reference and reference[0]})
            if body.stream_format is None:
                cached = self.cache.get(key)
                self.metrics.cache.labels("hit" if cached else "miss").inc()
                if cached is not None:
                    record["cache_hit"] = True
                    answer = Response(cached.body, media_type=cached.media_type,
                                      headers={**cached.headers, "X-Request-Id": rid,
                                               "X-Cache": "hit"})
                    self._done(record, 200, arrived, arrived, None)
                    return answer
            sentences = [body.input.strip()] if body.stream_format is None else \
                split_sentences(body.input, "en")
            pieces: asyncio.Queue[Piece] = asyncio.Queue()
            loop = asyncio.get_running_loop()
            job = Job(settings, sentences, lambda p: loop.call_soon_threadsafe(
                pieces.put_nowait, p))
            try:
                self.synth.submit(job)
            except QueueFull as full:
                raise ApiError(429, f"{full}", code="queue_full",
                               headers={"Retry-After": str(full.retry_after)}) from None
            except Unavailable:
                raise ApiError(503, "the server is shutting down", code="shutting_down") \
                    from None
            first = await self._next(pieces, job, request)
            if first.error is not None:
                raise _engine_error(first.error)
            record["queue_wait"] = round((job.started_at or arrived) - arrived, 4)
            self.metrics.queue_wait.observe((job.started_at or arrived) - arrived)
            ttfa = time.monotonic() - arrived
            self.metrics.first_audio.labels(stream).observe(ttfa)
            if body.stream_format is None:
                answer = self._whole(first, body, rid)
                self.cache.put(key, Answer(answer.body, _stored_headers(answer),
                                           answer.media_type or ""))
                self.metrics.characters.inc(len(body.input))
                self._done(record, 200, arrived, ttfa + arrived, None)
                return answer
            return self._streamed(first, pieces, job, request, body, rid, record, arrived,
                                  ttfa)
        except ApiError as error:
            self._done(record, error.status, arrived, None, error.message)
            return error.response()

    async def _read_body(self, request: Request) -> bytes:
        """The request's body, refused (413) as soon as it grows past what a request may
        hold: the longest input in UTF-8, a reference in base64, and room for the JSON."""
        limit = self.config.max_input * 4 + REFERENCE_LIMIT * 4 // 3 + 64 * 1024
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise ApiError(413, f"the request body is {int(declared)} bytes; at most {limit}",
                           code="body_too_large")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ApiError(413, f"the request body is over {limit} bytes",
                               code="body_too_large")
            chunks.append(chunk)
        return b"".join(chunks)

    async def _next(self, pieces: asyncio.Queue, job: Job, request: Request) -> Piece:
        """The job's next piece; a client that has gone cancels the job (it is dropped before
        its next sentence, or before it starts)."""
        while True:
            try:
                return await asyncio.wait_for(pieces.get(), timeout=0.5)
            except asyncio.TimeoutError:
                if await request.is_disconnected():
                    job.cancel()
                    raise ApiError(499, "the client went away") from None

    def _whole(self, piece: Piece, body: SpeechRequest, rid: str) -> Response:
        assert piece.samples is not None
        data = encode(piece.samples, piece.sample_rate, body.response_format)
        rate = PCM_RATE if body.response_format == "pcm" else piece.sample_rate
        headers = {"X-Request-Id": rid, "X-Cache": "miss", "X-Sample-Rate": str(rate),
                   TIMING_HEADER: piece.timing,
                   WORDS_HEADER: json.dumps([[w.word, round(w.start, 4), round(w.end, 4)]
                                                 for w in piece.words],
                                                separators=(",", ":"), ensure_ascii=True)}
        if body.response_format == "pcm":
            headers |= {"X-Sample-Format": "s16le", "X-Channels": "1"}
        return Response(data, media_type=MEDIA_TYPES[body.response_format], headers=headers)

    def _streamed(self, first: Piece, pieces: asyncio.Queue, job: Job, request: Request,
                  body: SpeechRequest, rid: str, record: dict, arrived: float,
                  ttfa: float) -> StreamingResponse:
        encoder = StreamEncoder(body.response_format, first.sample_rate)
        sse = body.stream_format == "sse"

        def frame(data: bytes) -> bytes:
            if not sse:
                return data
            event = {"type": "speech.audio.delta", "audio": base64.b64encode(data).decode()}
            return f"data: {json.dumps(event)}\n\n".encode()

        async def chunks() -> AsyncIterator[bytes]:
            status, failure = 200, None
            try:
                piece = first
                yield frame(encoder.start() + encoder.piece(piece.samples))
                while True:
                    piece = await self._next(pieces, job, request)
                    if piece.error is not None:
                        status, failure = 500, _engine_error(piece.error).message
                        if sse:
                            yield f"data: {json.dumps({'type': 'error', 'error': failure})}" \
                                  "\n\n".encode()
                        return
                    if piece.last:
                        break
                    yield frame(encoder.piece(piece.samples))
                if sse:
                    done = {"type": "speech.audio.done",
                            "usage": {"input_characters": len(body.input)}}
                    yield f"data: {json.dumps(done)}\n\n".encode()
                self.metrics.characters.inc(len(body.input))
            except (ApiError, asyncio.CancelledError) as exc:
                status, failure = 499, "the client went away"
                job.cancel()
                if isinstance(exc, asyncio.CancelledError):
                    raise
            finally:
                job.cancel()  # nothing more is read: a job still running stops
                self._done(record, status, arrived, arrived + ttfa, failure)

        headers = {"X-Request-Id": rid, "X-Accel-Buffering": "no", "Cache-Control": "no-cache",
                   "X-Sample-Rate": str(encoder.out_rate)}
        if body.response_format == "pcm":
            headers |= {"X-Sample-Format": "s16le", "X-Channels": "1"}
        media = "text/event-stream" if sse else MEDIA_TYPES[body.response_format]
        return StreamingResponse(chunks(), media_type=media, headers=headers)

    def _done(self, record: dict, status: int, arrived: float, first_audio: float | None,
              failure: str | None) -> None:
        now = time.monotonic()
        stream = record.get("stream", "none")
        self.metrics.requests.labels(str(status), stream).inc()
        if status == 200:
            self.metrics.total.labels(stream).observe(now - arrived)
        record |= {"status": status, "total": round(now - arrived, 4),
                   "time_to_first_audio": None if first_audio is None
                   else round(first_audio - arrived, 4)}
        if failure:
            record["error"] = failure
        log.info(json.dumps(record, sort_keys=True))

    # -- the routes ----------------------------------------------------------------------------
    def _build(self) -> FastAPI:
        app = FastAPI(title="flaming-horse voice server", docs_url=None, redoc_url=None)
        server = self

        @app.exception_handler(ApiError)
        async def api_error(_: Request, error: ApiError) -> JSONResponse:
            return error.response()

        @app.exception_handler(404)
        async def not_found(request: Request, _: Exception) -> JSONResponse:
            return ApiError(404, f"no route {request.method} {request.url.path}").response()

        @app.exception_handler(405)
        async def not_allowed(request: Request, _: Exception) -> JSONResponse:
            return ApiError(405, f"{request.method} is not allowed on {request.url.path}") \
                .response()

        @app.post("/v1/audio/speech")
        async def speech(request: Request) -> Response:
            return await server.speech(request)

        @app.get("/v1/models")
        async def models(request: Request) -> dict:
            server.authorise(request)
            return {"object": "list",
                    "data": [{"id": name, "object": "model", "owned_by": "flaming-horse"}
                             for name in server.model_names()]}

        @app.get("/v1/audio/voices")
        async def voices(request: Request) -> dict:
            server.authorise(request)
            return {"voices": server.voices, "default": server.config.settings.speaker,
                    "clones": server.clones}

        @app.get("/health")
        async def health() -> dict:
            return {"status": "shutting down" if server.synth.closing else "ok",
                    "backend": server.config.settings.backend, "model": server.model_id,
                    "model_loaded": server.synth.loaded, "busy": server.synth.busy,
                    "queue_depth": server.synth.depth,
                    "sentences_spoken": server.synth.sentences}

        @app.get("/metrics")
        async def metrics(request: Request) -> Response:
            server.authorise(request)
            from prometheus_client import CONTENT_TYPE_LATEST

            return Response(server.metrics.text(), media_type=CONTENT_TYPE_LATEST)

        return app


def _validation_message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "body"
        return f"{where}: {first.get('msg')}"
    return f"the body is not JSON: {exc}"


def _engine_error(error: BaseException) -> ApiError:
    if isinstance(error, ApiError):
        return error
    if isinstance(error, Unavailable):
        return ApiError(503, "the server is shutting down", code="shutting_down")
    if isinstance(error, FlamingHorseError) and type(error) is FlamingHorseError:
        hint = f" ({error.hint})" if error.hint else ""
        return ApiError(400, f"{error.message}{hint}")  # the input or the voice's set-up
    message = getattr(error, "message", None) or f"{type(error).__name__}: {error}"
    return ApiError(500, f"synthesis failed: {message}")


def _stored_headers(answer: Response) -> dict[str, str]:
    return {k: v for k, v in answer.headers.items()
            if k.lower().startswith("x-") and k.lower() not in ("x-request-id", "x-cache")}
