"""Atomic file writes: a temp file in the same folder, fsync, then os.replace.

Lives in flaming_horse_voice (which imports nothing from the pipeline) so both packages share it.
Temp files are named ``.fh-tmp-*`` so an interrupted run's leftovers can be swept.
"""

from __future__ import annotations

import json
import os
import signal
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

TMP_PREFIX = ".fh-tmp-"


@contextmanager
def atomic_path(target: Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temp path beside ``target``; on success it replaces ``target``, on error it is removed."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=suffix or target.suffix, dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextmanager
def interrupts_held() -> Iterator[None]:
    """Ctrl-C waits for the end of the block: writes that belong together (a clip's index entry,
    its transcript and its log line) are all made or none is. Only the main thread receives
    SIGINT, so elsewhere this does nothing; the block must be short (no child processes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)
    if caught:
        signal.raise_signal(signal.SIGINT)  # now, to whatever handled it before


def write_bytes(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_text(target: Path, text: str) -> None:
    write_bytes(target, text.encode("utf-8"))


def write_json(target: Path, data: Any) -> None:
    write_text(target, json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def sweep_temp_files(folder: Path) -> int:
    """Remove temp files an interrupted run left below ``folder``; returns how many."""
    count = 0
    if not folder.exists():
        return 0
    for path in folder.rglob(f"{TMP_PREFIX}*"):
        if path.is_file():
            path.unlink(missing_ok=True)
            count += 1
    return count
