"""http: speech from any OpenAI-compatible endpoint, ``POST {base_url}/audio/speech``.

One JSON request per clip ({model, voice, input, response_format} plus any extra options) and a
body of audio bytes back: OpenAI itself, or a local server that copies its API. The stdlib's
urllib is enough for that, so no HTTP library is added.

- The API key is read from the environment at request time (``FLAMING_HORSE_VOICE_API_KEY``, else
  ``OPENAI_API_KEY``). It is not a setting, not part of the identity, and it is scrubbed from any
  server message we repeat, so it never reaches cache.json, an ID3 tag, the events log or an error.
- ``base_url`` is a deployment detail and stays out of the identity: the same model and voice
  served from another host make the same clips. Model, voice, format and extra options are in it,
  so changing any of them re-speaks the clips they affect.
- Rate limits, server errors, timeouts and dropped connections are retried a bounded number of
  times with exponential backoff, honouring Retry-After. Other 4xx answers fail at once with a
  FlamingHorseError that names the setting to fix.
- An OpenAI server gives no word times, so the cache estimates them (``words.ESTIMATED``) within
  the part of the clip that is not silence. ``flaming-horse serve-voice`` sends its backend's
  own (``X-Word-Timings``, ``X-Word-Timing-Method``), which are used as they are: a project
  speaking through it gets the timings the backend gives locally.
"""

from __future__ import annotations

import http.client
import json
import os
import ssl
import time
import urllib.error
import urllib.request
from typing import Any, Callable
from urllib.parse import urlsplit

from flaming_horse.errors import FlamingHorseError, ToolError
from flaming_horse_voice.audio import MP3_RATES, decode_audio, speech_span
from flaming_horse_voice.backends.base import Backend, Clip
from flaming_horse_voice.retry import RetryPolicy, parse_retry_after, retryable
from flaming_horse_voice.settings import VoiceSettings
from flaming_horse_voice.words import ESTIMATED, WordTiming

API_KEY_ENV = "FLAMING_HORSE_VOICE_API_KEY"
FALLBACK_KEY_ENV = "OPENAI_API_KEY"
BASE_URL_ENV = "FLAMING_HORSE_VOICE_BASE_URL"
FORMATS = ("wav", "mp3", "flac")
WORDS_HEADER = "X-Word-Timings"  # sent by flaming-horse serve-voice: [[word, start, end], ...]
TIMING_HEADER = "X-Word-Timing-Method"
# Options that shape the transport, not the sound: never sent to the server nor hashed.
TRANSPORT_OPTIONS = frozenset({"timeout", "max_retries", "backoff", "max_wait"})


def api_key() -> tuple[str | None, str | None]:
    """(key, the variable it came from), or (None, None): only ever from the environment."""
    for name in (API_KEY_ENV, FALLBACK_KEY_ENV):
        value = os.environ.get(name, "").strip()
        if value:
            return value, name
    return None, None


def server_message(body: bytes, secret: str | None = None, limit: int = 300) -> str:
    """The human part of an error body (OpenAI, FastAPI or plain text), key scrubbed, cut short."""
    text = body.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        error = data.get("error")
        found = (error.get("message") if isinstance(error, dict) else error) or \
            data.get("detail") or data.get("message")
        if found:
            text = found if isinstance(found, str) else json.dumps(found)
    text = " ".join(text.split())
    if secret:
        text = text.replace(secret, "***")
    return (text[:limit] + "...") if len(text) > limit else (text or "(empty body)")


def public_url(url: str) -> str:
    """``url`` without credentials or query, safe to print."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}"


def auth_headers(key: str | None) -> dict[str, str]:
    """Who is asking, and the bearer key when there is one."""
    return {"User-Agent": "flaming-horse"} | ({"Authorization": f"Bearer {key}"} if key else {})


def served_words(headers: Any) -> list[WordTiming]:
    """The word times a flaming-horse voice server sent with a clip (none from other servers,
    or when they cannot be read)."""
    raw = headers.get(WORDS_HEADER) if headers is not None else None
    if not raw:
        return []
    try:
        return [WordTiming(str(w), float(a), float(b)) for w, a, b in json.loads(raw)]
    except (ValueError, TypeError):
        return []


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: urllib would replay the Authorization header to wherever the server
    points, and turn the POST into a GET. A 3xx is reported instead, naming the new address."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class HttpBackend(Backend):
    name = "http"

    def __init__(self, settings: VoiceSettings, *, sleep: Callable[[float], None] = time.sleep,
                 retry: RetryPolicy | None = None) -> None:
        super().__init__(settings)
        options = dict(settings.options)
        self.response_format = str(options.pop("response_format", "wav")).lower()
        if self.response_format not in FORMATS:
            raise FlamingHorseError(f"voice.options.response_format '{self.response_format}' is "
                                    "not supported", hint=f"use one of: {', '.join(FORMATS)}")
        transport = {k: options.pop(k) for k in TRANSPORT_OPTIONS & set(options)}
        try:
            self.timeout = float(transport.get("timeout", 120.0))
            self.retry = retry or RetryPolicy(
                attempts=max(int(transport.get("max_retries", 4)), 0) + 1,
                backoff=float(transport.get("backoff", 1.0)),
                max_wait=float(transport.get("max_wait", 30.0)))
        except (TypeError, ValueError) as exc:
            raise FlamingHorseError(f"bad voice option for the http backend: {exc}",
                                    hint="timeout, backoff and max_wait are seconds; "
                                         "max_retries is a whole number") from None
        if settings.length_scale and "speed" not in options:
            options["speed"] = round(1.0 / settings.length_scale, 4)  # OpenAI's rate knob
        self.extra = options  # sent as-is in the request body, and part of the identity
        self._sleep = sleep
        self._opener = urllib.request.build_opener(_NoRedirect)  # proxies from the environment

    # -- identity ------------------------------------------------------------------------------
    @classmethod
    def availability(cls, settings: VoiceSettings) -> tuple[bool, str]:
        needed = (("base_url", settings.base_url, BASE_URL_ENV),
                  ("model", settings.model, "FLAMING_HORSE_VOICE_MODEL"),
                  ("speaker", settings.speaker, "FLAMING_HORSE_VOICE_SPEAKER"))
        missing = [f"{name} ({env})" for name, value, env in needed if not value]
        if missing:
            return False, (f"not configured: set [voice] {', '.join(missing)}; speaker is the "
                           "server's voice name")
        if urlsplit(settings.base_url or "").scheme not in ("http", "https"):
            return False, "voice.base_url must start with http:// or https://"
        _, source = api_key()
        key = f"API key from {source}" if source else f"no API key ({API_KEY_ENV} unset)"
        return True, (f"{public_url(settings.base_url or '')}, model {settings.model}, "
                      f"voice {settings.speaker}; {key}")

    def _required(self, field: str, what: str, example: str, env: str) -> str:
        value = getattr(self.settings, field)
        if not value:
            raise FlamingHorseError(f"the http voice backend needs a {what}",
                                    hint=f'set [voice] {field} = "..." in flaming-horse.toml (the '
                                         f"server's {what} name, e.g. \"{example}\"), or {env}")
        return value

    def model_id(self) -> str:
        return self._required("model", "model", "tts-1", "FLAMING_HORSE_VOICE_MODEL")

    def voice(self) -> str:
        return self._required("speaker", "voice", "alloy", "FLAMING_HORSE_VOICE_SPEAKER")

    def identity(self) -> dict[str, Any]:
        """Model, voice, format and extra options: what changes the sound. No URL, no key."""
        return {"backend": self.name, "model": self.model_id(), "speaker": self.voice(),
                "response_format": self.response_format, "options": self.extra}

    # -- synthesis -----------------------------------------------------------------------------
    def endpoint(self) -> str:
        base = (self.settings.base_url or "").strip().rstrip("/")
        if not base:
            raise FlamingHorseError("the http voice backend needs the server's address",
                                    hint='set [voice] base_url = "http://localhost:8000/v1" in '
                                         f"flaming-horse.toml, or {BASE_URL_ENV}")
        if urlsplit(base).scheme not in ("http", "https"):
            raise FlamingHorseError("voice.base_url must start with http:// or https://",
                                    hint="e.g. https://api.openai.com/v1 or "
                                         "http://localhost:8000/v1")
        return f"{base}/audio/speech"

    def payload(self, text: str) -> dict[str, Any]:
        return {**self.extra, "model": self.model_id(), "voice": self.voice(), "input": text,
                "response_format": self.response_format}

    def synthesize(self, text: str) -> Clip:
        body, headers = self.fetch(text)
        try:
            samples, rate = decode_audio(body)
            if rate not in MP3_RATES:  # the cache stores MP3, which only carries these rates
                samples, rate = decode_audio(body, min((r for r in MP3_RATES if r >= rate),
                                                       default=MP3_RATES[-1]))
        except ValueError as exc:
            raise ToolError(f"the speech server at {public_url(self.endpoint())} sent something "
                            f"that is not audio ({exc}): {server_message(body, api_key()[0], 120)}",
                            hint="check that voice.base_url points at an OpenAI-compatible "
                                 "/audio/speech endpoint") from None
        words = served_words(headers)
        if words:
            return Clip(samples, rate, words, headers.get(TIMING_HEADER) or ESTIMATED)
        start, end = speech_span(samples, rate)
        return Clip(samples, rate, sentences=[(text, start, end)])  # word times: estimated

    def fetch(self, text: str) -> tuple[bytes, Any]:
        """POST the request, retrying what may pass (429, 5xx, timeouts, dropped connections)."""
        url = self.endpoint()
        key, _ = api_key()
        headers = {"Content-Type": "application/json", **auth_headers(key)}
        data = json.dumps(self.payload(text)).encode("utf-8")
        failure, status = "", None
        for attempt in range(1, self.retry.attempts + 1):
            request = urllib.request.Request(url, data=data, headers=headers, method="POST")
            wait: float | None = None
            try:
                with self._opener.open(request, timeout=self.timeout) as response:
                    return response.read(), response.headers
            except urllib.error.HTTPError as exc:
                try:
                    body = exc.read() if exc.fp is not None else b""
                except (OSError, http.client.HTTPException):  # the error body itself was cut
                    body = b""
                status, failure = exc.code, server_message(body, key)
                if 300 <= exc.code < 400:
                    raise FlamingHorseError(
                        f"the speech server at {public_url(url)} redirects (HTTP {exc.code}) to "
                        f"{public_url(exc.headers.get('Location') or '?')}",
                        hint="set voice.base_url to the address it redirects to (often https "
                             "instead of http, or a trailing /v1)") from None
                if not retryable(exc.code):
                    raise self._client_error(exc.code, failure, url) from None
                wait = parse_retry_after(exc.headers.get("Retry-After"))
                if wait is not None and wait > self.retry.max_wait:
                    raise ToolError(f"the speech server at {public_url(url)} asks to wait "
                                    f"{wait:.0f} s (HTTP {exc.code}): {failure}",
                                    hint="run build again later; finished clips are kept") from None
            except urllib.error.URLError as exc:
                if isinstance(exc.reason, ssl.SSLError):
                    raise ToolError(f"TLS failed with {public_url(url)}: {exc.reason}",
                                    hint="check voice.base_url (https for a plain-http server?) "
                                         "and the server's certificate") from None
                status, failure = None, str(exc.reason)
            except (TimeoutError, ConnectionError, http.client.HTTPException, OSError) as exc:
                status, failure = None, f"{type(exc).__name__} {exc}".strip()
            if attempt < self.retry.attempts:
                self._sleep(self.retry.delay(attempt, wait))
        raise self._gave_up(status, failure, url)

    # -- doctor --------------------------------------------------------------------------------
    def probe(self) -> list[tuple[str, bool, str, str]]:
        """(check, ok, what was found, how to fix it) for ``doctor --voice http``: the server
        answers, takes the key, has the model and (where it lists voices) the voice."""
        base = self.endpoint().removesuffix("/audio/speech")
        where = public_url(base)
        key, source = api_key()
        headers = auth_headers(key)

        def get(path: str) -> tuple[int, bytes]:
            request = urllib.request.Request(base + path, headers=headers, method="GET")
            try:
                with self._opener.open(request, timeout=min(self.timeout, 10.0)) as response:
                    return response.status, response.read()
            except urllib.error.HTTPError as exc:
                return exc.code, exc.read() if exc.fp is not None else b""

        try:
            status, body = get("/models")
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            return [("voice server reachable", False, f"{where}: {reason}",
                     "start it (flaming-horse serve-voice --host ... on the voice machine) or "
                     f"fix voice.base_url ({BASE_URL_ENV})")]
        found = [("voice server reachable", True, where, "")]
        if status in (401, 403):
            fix = (f"check the key in {source}: the server refuses it" if source else
                   f"export {API_KEY_ENV}=... with the server's token")
            return found + [("voice server accepts the key", False,
                             f"HTTP {status}: {server_message(body, key)}", fix)]
        found.append(("voice server accepts the key", True,
                      f"key from {source}" if source else "no key needed", ""))
        try:
            models = [m["id"] for m in json.loads(body).get("data", [])] if status == 200 else []
        except (ValueError, AttributeError, KeyError, TypeError):
            models = []
        model = self.settings.model or "(unset)"
        if models:
            found.append((f"voice server has model {model}", model in models,
                          ", ".join(models), f"set [voice] model to one of: {', '.join(models)}"))
        status, body = get("/audio/voices")
        try:
            voices = json.loads(body).get("voices", []) if status == 200 else []
        except (ValueError, AttributeError):
            voices = []
        speaker = self.settings.speaker or "(unset)"
        if voices:
            found.append((f"voice server has voice {speaker}", speaker in voices,
                          ", ".join(map(str, voices)),
                          f"set [voice] speaker to one of: {', '.join(map(str, voices))}"))
        return found

    # -- errors --------------------------------------------------------------------------------
    def _client_error(self, status: int, message: str, url: str) -> FlamingHorseError:
        where = public_url(url)
        if status in (401, 403):
            _, source = api_key()
            hint = (f"check the key in {source}: it is read from the environment only"
                    if source else f"export {API_KEY_ENV}=... (or {FALLBACK_KEY_ENV}) with the "
                                   "server's API key")
            return FlamingHorseError(f"the speech server at {where} refused the request "
                                     f"(HTTP {status}): {message}", hint=hint)
        if status == 404:
            return FlamingHorseError(
                f"the speech server has no {where} or no model '{self.settings.model}' "
                f"(HTTP 404): {message}",
                hint="set voice.base_url to the API root that serves /audio/speech (usually ending "
                     "in /v1) and voice.model to a model the server has")
        extras = f", [voice.options] {', '.join(sorted(self.extra))}" if self.extra else ""
        return FlamingHorseError(
            f"the speech server rejected the request (HTTP {status}): {message}",
            hint=f"fix what the server names: voice.model '{self.settings.model}', voice.speaker "
                 f"(the voice) '{self.settings.speaker}', response_format "
                 f"'{self.response_format}'{extras}")

    def _gave_up(self, status: int | None, failure: str, url: str) -> ToolError:
        tries = f"{self.retry.attempts} attempt{'s' if self.retry.attempts > 1 else ''}"
        where = public_url(url)
        if status == 429:
            return ToolError(f"the speech server at {where} is rate limiting (HTTP 429) after "
                             f"{tries}: {failure}",
                             hint="run build again in a while (finished clips are kept), or raise "
                                  "voice.options.max_retries")
        if status is not None:
            return ToolError(f"the speech server at {where} failed (HTTP {status}) after {tries}: "
                             f"{failure}", hint="check the server's log; run build again to resume")
        return ToolError(f"could not get speech from {where} after {tries}: {failure}",
                         hint=f"start the server or fix voice.base_url ({BASE_URL_ENV}); a slow "
                              "server needs a larger voice.options.timeout "
                              f"(now {self.timeout:g} s)")
