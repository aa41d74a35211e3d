"""The console script (``flaming-horse``, ``python -m flaming_horse``) and how it spends the
garbage collector: the CLI's modules load with it paused (a few hundred thousand objects are
made, none of them garbage: each pass over them only costs time) and are then frozen out of its
passes, so a build's collections walk only what the build makes; everything left at exit is
frozen too: the interpreter's last collection over every object took ~0.2 s of a 1 s command,
for garbage that exit frees anyway (files are closed and logs flushed before it)."""

from __future__ import annotations

import gc
import sys


def run() -> None:
    gc.disable()
    from flaming_horse.cli.app import main

    gc.freeze()
    gc.enable()
    try:
        code = main()
    finally:
        gc.freeze()
    sys.exit(code)
