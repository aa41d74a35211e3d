"""A small chat client for OpenAI-compatible servers (OpenAI, Ollama, llama-server, vLLM ...).

Why not the ``openai`` package: we need one endpoint, and the interesting work is around it:
servers differ in which ``response_format`` they accept, so the client steps down from a JSON
schema to a JSON object to plain text (remembering what worked); every answer is validated with
pydantic and a wrong one is sent back to the model with the validation error; transient failures
are retried with backoff; and every request is logged as one JSON line, without the API key.
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, TypeVar

from pydantic import BaseModel, ValidationError

from flaming_horse.errors import AnswerError, LLMError
from flaming_horse_voice.retry import RetryPolicy, parse_retry_after, retryable

KEY_ENV = ("FLAMING_HORSE_LLM_API_KEY", "OPENAI_API_KEY")  # first one set wins
MODES = ("json_schema", "json_object", "text")  # best first; a client only ever steps down
_LOG_LOCK = threading.Lock()  # one log line at a time, whichever client writes it
MAX_RETRY_AFTER_S = 60.0  # a server asking for longer is waited on for this long at most

M = TypeVar("M", bound=BaseModel)
Message = dict[str, Any]


@dataclass(frozen=True)
class LLMSettings:
    """Where the model is and how to ask it. The API key is not here: it comes from the
    environment only (``KEY_ENV``), so settings can be written to a project file safely."""

    base_url: str  # e.g. https://api.openai.com/v1, http://127.0.0.1:11434/v1
    model: str
    temperature: float = 0.4
    max_tokens: int = 4096
    timeout_s: float = 120.0  # per HTTP request
    retries: int = 4  # extra attempts after 429 / 5xx / timeouts / connection errors
    schema_retries: int = 2  # extra attempts after an answer that fails validation


def api_key() -> str | None:
    """The key from FLAMING_HORSE_LLM_API_KEY, else OPENAI_API_KEY; None for keyless servers."""
    for name in KEY_ENV:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


class _HTTPFailure(Exception):
    """One failed HTTP exchange, before we decide whether to retry, step down or give up."""

    def __init__(self, status: int | str, body: str, retry_after: float | None = None) -> None:
        super().__init__(f"{status}: {body[:200]}")
        self.status = status
        self.body = body
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return not isinstance(self.status, int) or retryable(self.status)

    @property
    def about_format(self) -> bool:
        """A refusal of ``response_format`` rather than of the request as a whole."""
        if not isinstance(self.status, int) or self.status in (401, 403, 404, 429):
            return False
        text = self.body.lower()
        return any(word in text for word in ("response_format", "json_schema", "json_object",
                                             "schema", "grammar"))


_THINK = re.compile(r"<think>.*?</think>", re.DOTALL)
_FENCE = re.compile(r"```[a-zA-Z0-9_-]*\s*\n?(.*?)```", re.DOTALL)


def strip_thinking(text: str) -> str:
    """Drop ``<think>...</think>`` blocks that reasoning models (Qwen3, R1) put before answers."""
    return _THINK.sub("", text).strip()


def extract_json(text: str) -> Any:
    """The JSON value in a model's answer: the whole text, else a ``` fenced block, else the
    first balanced ``{...}`` block. Raises ValueError when there is none."""
    text = strip_thinking(text)
    candidates = [text, *(m.group(1).strip() for m in _FENCE.finditer(text))]
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except ValueError:
            pass
    decoder = json.JSONDecoder()
    for start in (i for i, c in enumerate(text) if c == "{"):
        try:
            return decoder.raw_decode(text, start)[0]
        except ValueError:
            continue
    raise ValueError("the answer contains no JSON object")


def request_schema(model_cls: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema, with every constant field (a union's discriminator, such as a
    visual's ``kind``) marked required: it has a default in pydantic, so the plain schema lets a
    grammar-constrained server (llama-server) leave it out, and the union cannot be told apart."""
    schema = model_cls.model_json_schema()

    def fix(node: Any) -> None:
        if isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict):
                constant = [name for name, prop in props.items()
                            if isinstance(prop, dict) and ("const" in prop or
                                                           len(prop.get("enum", [])) == 1)]
                if constant:
                    node["required"] = sorted(set(node.get("required", [])) | set(constant))
            for value in node.values():
                fix(value)
        elif isinstance(node, list):
            for value in node:
                fix(value)

    fix(schema)
    return schema


def _schema_instruction(model_cls: type[BaseModel]) -> str:
    schema = json.dumps(request_schema(model_cls), ensure_ascii=False)
    return ("Answer with one JSON object and nothing else (no prose, no code fences). "
            f"It must match this JSON schema:\n{schema}")


def _with_instruction(messages: list[Message], instruction: str) -> list[Message]:
    """``messages`` with ``instruction`` added to the system message (one is made if none)."""
    if messages and messages[0].get("role") == "system":
        first = {**messages[0], "content": f"{messages[0].get('content', '')}\n\n{instruction}"}
        return [first, *messages[1:]]
    return [{"role": "system", "content": instruction}, *messages]


class LLMClient:
    """One model on one server. Not thread-safe for concurrent calls except for the log file.

    ``sleep`` and ``backoff_s`` are injectable so tests run the retry paths without waiting.
    """

    def __init__(self, settings: LLMSettings, log_path: Path | None = None, *,
                 sleep: Callable[[float], None] = time.sleep, backoff_s: float = 1.0,
                 max_backoff_s: float = 30.0) -> None:
        self.settings = settings
        self.log_path = log_path
        self.url = self._endpoint(settings.base_url)
        self._sleep = sleep
        self._retry = RetryPolicy(settings.retries + 1, backoff_s, max_backoff_s)
        self._mode = MODES[0]
        self._tokens_param = "max_tokens"  # newer OpenAI models want max_completion_tokens
        self._send_temperature = True  # some reasoning models refuse any temperature

    @property
    def mode(self) -> str:
        """The structured-output mode that works with this server (it only ever steps down)."""
        return self._mode

    @staticmethod
    def _endpoint(base_url: str) -> str:
        base = base_url.rstrip("/")
        return base if base.endswith("/chat/completions") else f"{base}/chat/completions"

    # -- public ------------------------------------------------------------------------------

    def complete_text(self, messages: list[Message]) -> str:
        """The model's plain answer (thinking blocks removed)."""
        answer, _ = self._chat(messages, None, "text")
        return strip_thinking(answer)

    def complete_json(self, messages: list[Message], model_cls: type[M]) -> M:
        """An answer validated as ``model_cls``; a wrong answer is shown its validation error
        and asked again, at most ``schema_retries`` times, then LLMError."""
        conversation = list(messages)
        for attempt in range(self.settings.schema_retries + 1):
            answer, finish = self._structured(conversation, model_cls)
            try:
                return model_cls.model_validate(extract_json(answer))
            except (ValueError, ValidationError) as exc:  # ValidationError is a ValueError
                problem = str(exc)
            if finish == "length":
                raise AnswerError(f"the model's answer was cut off at max_tokens="
                               f"{self.settings.max_tokens} before the JSON was complete",
                               hint="raise max_tokens in the [llm] settings, or use a model "
                                    "with a longer output limit")
            if attempt == self.settings.schema_retries:
                raise AnswerError(f"the model did not answer with a valid {model_cls.__name__} "
                               f"after {attempt + 1} attempts: {problem[:600]}",
                               hint="see log/llm.jsonl for its answers; a larger or "
                                    "instruction-tuned model usually fixes this")
            conversation += [
                {"role": "assistant", "content": answer},
                {"role": "user", "content": (
                    f"That answer is not a valid {model_cls.__name__}:\n{problem}\n\n"
                    "Answer again with only the corrected JSON object.")},
            ]
        raise AssertionError("unreachable")

    # -- structured output -------------------------------------------------------------------

    def _structured(self, messages: list[Message], model_cls: type[BaseModel]) -> tuple[str, str]:
        """One answer in the best mode the server takes; steps down on a format refusal."""
        while True:
            mode = self._mode
            if mode == "json_schema":
                request = messages
                response_format = {"type": "json_schema", "json_schema": {
                    "name": re.sub(r"[^A-Za-z0-9_-]", "_", model_cls.__name__)[:64],
                    "schema": request_schema(model_cls), "strict": False}}
            else:
                request = _with_instruction(messages, _schema_instruction(model_cls))
                response_format = {"type": "json_object"} if mode == "json_object" else None
            try:
                return self._chat(request, response_format, mode)
            except _FormatRefused:
                self._mode = MODES[MODES.index(mode) + 1]

    # -- HTTP --------------------------------------------------------------------------------

    def _payload(self, messages: list[Message], response_format: dict | None) -> dict[str, Any]:
        payload: dict[str, Any] = {"model": self.settings.model, "messages": messages,
                                   self._tokens_param: self.settings.max_tokens}
        if self._send_temperature:
            payload["temperature"] = self.settings.temperature
        if response_format is not None:
            payload["response_format"] = response_format
        return payload

    def _chat(self, messages: list[Message], response_format: dict | None,
              mode: str) -> tuple[str, str]:
        """(answer text, finish_reason), retrying transient failures with backoff."""
        attempt = 0
        while True:
            payload = self._payload(messages, response_format)
            try:
                data = self._post(payload, mode)
            except _HTTPFailure as failure:
                if response_format is not None and failure.about_format \
                        and mode != MODES[-1]:
                    raise _FormatRefused() from None
                if self._adapt(failure):
                    continue  # a parameter this model refuses: resend without it, no attempt used
                if failure.retryable and attempt < self.settings.retries:
                    attempt += 1
                    self._sleep(failure.retry_after if failure.retry_after is not None
                                else self._retry.delay(attempt, None))
                    continue
                raise self._error(failure, attempt) from None
            try:
                choice = data["choices"][0]
                return choice["message"].get("content") or "", choice.get("finish_reason") or ""
            except (KeyError, IndexError, TypeError, AttributeError):
                raise LLMError(f"{self.url} answered without choices[0].message: "
                               f"{self._scrub(json.dumps(data))[:300]}",
                               hint="is base_url an OpenAI-compatible /v1 endpoint?") from None

    def _adapt(self, failure: _HTTPFailure) -> bool:
        """Learn from a 400 that names a parameter this model does not take."""
        if failure.status != 400:
            return False
        text = failure.body.lower()
        if "max_completion_tokens" in text and self._tokens_param == "max_tokens":
            self._tokens_param = "max_completion_tokens"
            return True
        if "temperature" in text and self._send_temperature and \
                any(w in text for w in ("unsupported", "not support", "does not support")):
            self._send_temperature = False
            return True
        return False

    def _post(self, payload: dict[str, Any], mode: str) -> dict[str, Any]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        key = api_key()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        request = urllib.request.Request(self.url, data=json.dumps(payload).encode("utf-8"),
                                         headers=headers, method="POST")
        started = time.monotonic()
        status: int | str
        try:
            with urllib.request.urlopen(request, timeout=self.settings.timeout_s) as response:
                status, body = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            body = exc.read().decode("utf-8", "replace") if exc.fp else ""
            self._log(payload, mode, exc.code, body, None, started)
            wait = parse_retry_after(exc.headers.get("Retry-After"))
            raise _HTTPFailure(exc.code, body,
                               None if wait is None else min(wait, MAX_RETRY_AFTER_S))
        except (TimeoutError, socket.timeout) as exc:
            self._log(payload, mode, "timeout", str(exc), None, started)
            raise _HTTPFailure("timeout", f"no answer within {self.settings.timeout_s} s")
        except (urllib.error.URLError, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, (TimeoutError, socket.timeout)):
                self._log(payload, mode, "timeout", str(reason), None, started)
                raise _HTTPFailure("timeout", f"no answer within {self.settings.timeout_s} s")
            self._log(payload, mode, "connection error", str(reason), None, started)
            raise _HTTPFailure("connection error", str(reason))
        try:
            data = json.loads(body)
        except ValueError:
            self._log(payload, mode, status, body, None, started)
            raise _HTTPFailure(502, f"not JSON: {body[:200]}")
        self._log(payload, mode, status, _content(data),
                  data.get("usage") if isinstance(data, dict) else None, started)
        return data

    def _error(self, failure: _HTTPFailure, retried: int) -> LLMError:
        body = self._scrub(failure.body)[:400]
        status = failure.status
        if status in (401, 403):
            return LLMError(f"{self.url} refused the API key (HTTP {status}): {body}",
                            hint="set FLAMING_HORSE_LLM_API_KEY (or OPENAI_API_KEY) in the "
                                 "environment to a valid key for this server")
        if status == 404:
            return LLMError(f"{self.url} or model {self.settings.model!r} not found "
                            f"(HTTP 404): {body}",
                            hint="check the llm base_url (it should end in /v1) and the llm "
                                 "model name; list the server's models at <base_url>/models")
        after = f" after {retried + 1} attempts" if retried else ""
        if isinstance(status, str):
            return LLMError(f"{self.url}: {status}{after}: {body}",
                            hint="is the server running and reachable? raise timeout_s for "
                                 "slow local models")
        return LLMError(f"{self.url} answered HTTP {status}{after}: {body}",
                        hint="see log/llm.jsonl for the request" if status < 500 else
                        "the server failed; try again later or check its logs")

    # -- log ---------------------------------------------------------------------------------

    @staticmethod
    def _scrub(text: str) -> str:
        """Never let the key into a log line or an error message, even if a server echoes it."""
        key = api_key()
        return text.replace(key, "***") if key and text else text

    def _log(self, payload: dict[str, Any], mode: str, status: int | str, response: str | None,
             usage: Any, started: float) -> None:
        if self.log_path is None:
            return
        record = {
            "timestamp": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "model": self.settings.model, "mode": mode, "url": self.url,
            "messages": payload.get("messages"), "response": response, "usage": usage,
            "latency_s": round(time.monotonic() - started, 3), "status": status,
        }
        line = self._scrub(json.dumps(record, ensure_ascii=False)) + "\n"
        with _LOG_LOCK:  # clients on several threads (scenes written at once) share the log
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.log_path, "a", encoding="utf-8") as handle:
                handle.write(line)


def _content(data: Any) -> str | None:
    """choices[0].message.content, or None when the answer does not have that shape."""
    try:
        return data["choices"][0]["message"].get("content")
    except (KeyError, IndexError, TypeError, AttributeError):
        return None


class _FormatRefused(Exception):
    """The server refused this ``response_format``; the caller steps down a mode."""
