"""An OpenAI-compatible speech server on 127.0.0.1 that speaks with Piper (POST /v1/audio/speech),
for the http backend's tests and scripts/bench_voice.py. Answers can be queued ahead (a 429, a
400, a stall) to test retries and errors."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from flaming_horse_voice.backends.piper import PiperBackend
from flaming_horse_voice.server.encode import MEDIA_TYPES, encode
from flaming_horse_voice.settings import VoiceSettings


class SpeechServer:
    """POST /v1/audio/speech -> Piper speech; queued answers (status, headers, body) go first, and
    a queued ("stall", seconds) holds a request that long before answering it normally."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.queue: list[tuple] = []
        self.served: list[float] = []  # seconds of audio in each successful answer
        self.clips: list = []  # each answer's Piper clip, with Piper's exact word times
        self.piper = PiperBackend(VoiceSettings())
        self.piper.load()  # loaded before the first request, as a real server is: a test's
        # client timeout (0.5 s in the stall test) must not be spent loading the voice
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with server.lock:
                    server.requests.append({"path": self.path, "headers": dict(self.headers),
                                            "body": json.loads(body)})
                    action = server.queue.pop(0) if server.queue else None
                try:
                    if action and action[0] == "stall":
                        time.sleep(action[1])
                    elif action:
                        status, headers, payload = action
                        self.send_response(status)
                        for name, value in headers.items():
                            self.send_header(name, value)
                        self.send_header("Content-Length", str(len(payload)))
                        self.end_headers()
                        self.wfile.write(payload)
                        return
                    request = json.loads(body)
                    with server.lock:  # one synthesis at a time: the voice is shared
                        clip = server.piper.synthesize(request["input"])
                        audio = encode(clip.samples, clip.sample_rate, request["response_format"])
                        server.served.append(clip.duration)
                        server.clips.append(clip)
                    self.send_response(200)
                    self.send_header("Content-Type", MEDIA_TYPES[request["response_format"]])
                    self.send_header("Content-Length", str(len(audio)))
                    self.end_headers()
                    self.wfile.write(audio)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def reset(self) -> None:
        self.requests.clear()
        self.queue.clear()
        self.served.clear()
        self.clips.clear()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
