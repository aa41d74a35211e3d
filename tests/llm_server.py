"""A scripted OpenAI-compatible chat server on 127.0.0.1 for tests: real HTTP, prepared answers,
every request recorded. Used in-process by unit tests and, in a thread, by CLI subprocess tests
(point FLAMING_HORSE_LLM_BASE_URL at ``base_url``)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

Answer = tuple[int, Any, dict[str, str]]


def chat(content: str | None, finish: str = "stop") -> dict[str, Any]:
    return {"id": "x", "object": "chat.completion", "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": finish}],
            "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}}



class ScriptedServer:
    """Replays ``script`` (one entry per request, the last one repeats) and records requests.

    With a ``responder`` it asks that instead: ``responder(request_json)`` -> (status, payload,
    headers), so a test can answer by what is asked (the plan, scene 1, a repair ...)."""

    def __init__(self, responder: Callable[[dict[str, Any]], Answer] | None = None) -> None:
        self.responder = responder
        self.script: list[Answer] = []
        self.requests: list[dict[str, Any]] = []
        self.delays: dict[int, float] = {}  # request number (from 0) -> seconds before answering
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                owner.requests.append({"path": self.path, "json": body,
                                       "auth": self.headers.get("Authorization")})
                if owner.responder is not None:
                    status, payload, headers = owner.responder(body)
                else:
                    index = min(len(owner.requests), len(owner.script)) - 1
                    status, payload, headers = owner.script[index]
                time.sleep(owner.delays.get(len(owner.requests) - 1, 0.0))
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                try:
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up waiting (the timeout test)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
