"""Scratch folders on a worker node: one per task (or per worker process), named after the pid
that made it, so the folders of a worker that died (killed, cancelled) are found and removed by
the next task on that node."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

PREFIX = "fh-task-"


def sweep(base: Path) -> None:
    """Remove the scratch folders whose worker process is gone."""
    for folder in base.glob(f"{PREFIX}*"):
        try:
            pid = int(folder.name[len(PREFIX):].split("-")[0])
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (ValueError, PermissionError):
            pass


def make(kind: str = "") -> Path:
    """A new scratch folder for this process (``kind``: a fixed folder per process instead, for
    what outlives one task), after sweeping those of dead workers."""
    base = Path(tempfile.gettempdir())
    sweep(base)
    if kind:
        folder = base / f"{PREFIX}{os.getpid()}-{kind}"
        folder.mkdir(exist_ok=True)
        return folder
    return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=base))
