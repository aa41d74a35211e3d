"""The worker process: ``python -m flaming_horse_voice.worker ENGINE``.

ENGINE is ``qwen``, ``mlx`` or ``module:Class`` (an Engine subclass on PYTHONPATH). The model is
loaded once, on the first ``load`` message; then each ``speak`` message is one sentence, written as
a float32 ``.npy`` file (atomically: a temp name, then a rename) whose path is in the answer. A
thread sends a heartbeat every second while a sentence is generating. The worker exits when its
stdin closes (the parent is gone).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import threading
import time
import traceback
from typing import Any

import numpy as np

from flaming_horse_voice.worker.engine import Engine, EngineError
from flaming_horse_voice.worker.protocol import encode

ENGINES = {"qwen": "flaming_horse_voice.worker.qwen_engine:QwenEngine",
           "mlx": "flaming_horse_voice.worker.mlx_engine:MlxEngine"}
HEARTBEAT_SECONDS = 1.0

_out_lock = threading.Lock()


def send(message: dict[str, Any]) -> None:
    with _out_lock:
        sys.stdout.write(encode(message))
        sys.stdout.flush()


def engine_class(spec: str) -> type[Engine]:
    module_name, _, class_name = ENGINES.get(spec, spec).partition(":")
    return getattr(importlib.import_module(module_name), class_name)


def failure(exc: BaseException, request_id: Any = None) -> dict[str, Any]:
    if isinstance(exc, EngineError):
        return {"op": "error", "id": request_id, "message": exc.message, "hint": exc.hint,
                "fatal": exc.fatal}
    sys.stderr.write(traceback.format_exc())
    sys.stderr.flush()
    return {"op": "error", "id": request_id, "message": f"{type(exc).__name__}: {exc}",
            "hint": None, "fatal": False}


class Heartbeat:
    """Sends {"op": "heartbeat"} every second until stopped, so a slow clip never looks hung."""

    def __init__(self, request_id: Any) -> None:
        self.request_id, self.started = request_id, time.monotonic()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True)

    def _beat(self) -> None:
        while not self.stopped.wait(HEARTBEAT_SECONDS):
            send({"op": "heartbeat", "id": self.request_id,
                  "elapsed": round(time.monotonic() - self.started, 1)})

    def __enter__(self) -> "Heartbeat":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join()


def speak(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    started = time.monotonic()
    with Heartbeat(request.get("id")):
        samples, rate = engine.speak(request["text"], seed=int(request.get("seed", 0)),
                                     max_new_tokens=int(request["max_new_tokens"]))
    samples = np.asarray(samples, dtype=np.float32).reshape(-1)
    out = request["out"]
    tmp = f"{out}.part"
    with open(tmp, "wb") as handle:
        np.save(handle, samples)
    os.replace(tmp, out)
    return {"op": "done", "id": request.get("id"), "sample_rate": int(rate), "out": out,
            "samples": int(samples.size), "seconds": round(time.monotonic() - started, 3)}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: python -m flaming_horse_voice.worker ENGINE\n")
        return 2
    engine: Engine | None = None
    for line in sys.stdin:
        try:
            request = json.loads(line)
        except ValueError:
            continue
        if not isinstance(request, dict):
            continue
        op = request.get("op")
        try:
            if op == "load":
                engine = engine_class(argv[0])(request.get("config") or {})
                send({"op": "loaded", "info": engine.load() or {}})
            elif op == "speak":
                if engine is None:
                    raise EngineError("the worker got text before a model", fatal=True)
                send(speak(engine, request))
            elif op == "exit":
                break
        except Exception as exc:  # every failure is answered; the parent decides what it means
            send(failure(exc, request.get("id")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
