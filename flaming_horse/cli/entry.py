"""The console script (``flaming-horse``, ``python -m flaming_horse``): the CLI's modules load with
the garbage collector paused (a few hundred thousand objects are made, none of them garbage:
each pass over them only costs time), then ``app.run`` freezes them out of later passes."""

from __future__ import annotations

import gc


def run() -> None:
    gc.disable()
    from flaming_horse.cli.app import run as run_app

    run_app()
