"""Worker engines for tests of the worker protocol itself (not of any model): named as what they
are. ``ToneEngine`` speaks a tone whose length follows the text, optionally slowly, noisily or by
dying; the real engines (qwen, mlx) are tested on tiny real checkpoints elsewhere."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

from flaming_horse_voice.worker.engine import Engine, EngineError

FLASH_ATTN_BLOCK = [
    "********",
    "Warning: flash-attn is not installed. Will only run the manual PyTorch version.",
    "Please install flash-attn for faster inference.",
    "********",
]


class ToneEngine(Engine):
    """options: delay (seconds per sentence), noisy (print the flash-attn block and a real
    warning at load), die_on (a word: os._exit when a sentence has it), die_once (a file: die only
    while it does not exist, and create it), fail_load (an EngineError at load)."""

    name = "tone"
    rate = 16000

    def load(self) -> dict:
        options = self.config.get("options", {})
        if options.get("fail_load"):
            raise EngineError(f"model {self.config.get('model')} is not here",
                              hint="fetch it on a connected machine")
        if options.get("noisy"):
            print("\n".join(FLASH_ATTN_BLOCK), file=sys.stderr, flush=True)
            print("\n".join(FLASH_ATTN_BLOCK), flush=True)  # some libraries print to stdout
            print("tone engine: real warning, keep me", file=sys.stderr, flush=True)
            print("tone engine: loaded on stdout", flush=True)
        return {"mode": "tone", "pid": os.getpid()}

    def speak(self, text: str, *, seed: int, max_new_tokens: int) -> tuple[np.ndarray, int]:
        options = self.config.get("options", {})
        die_on, marker = options.get("die_on"), options.get("die_once")
        time.sleep(float(options.get("delay", 0)))
        if die_on and die_on in text:
            if marker is None or not Path(marker).exists():
                if marker:
                    Path(marker).write_text("died")
                print(f"tone engine: dying on {text!r}", file=sys.stderr, flush=True)
                os._exit(3)
        seconds = min(0.1 * len(text.split()), max_new_tokens / 12)
        t = np.arange(int(seconds * self.rate)) / self.rate
        rng = np.random.default_rng(seed)
        tone = 0.3 * np.sin(2 * np.pi * (220 + 20 * rng.random()) * t)
        return tone.astype(np.float32), self.rate
