"""Where a Hugging Face model id lives on this machine, found without huggingface_hub and without
a network: the hub cache folder and the snapshot of a model in it. Used by the qwen engine inside
the worker and by ``flaming-horse voices`` in the build process (standard library only)."""

from __future__ import annotations

import os
from pathlib import Path


def hf_cache_dir() -> Path:
    """The hub cache folder, from the environment at call time (as huggingface_hub reads it)."""
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(var):
            return Path(os.environ[var]).expanduser()
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache"), "huggingface")
    return Path(home).expanduser() / "hub"


def cached_snapshot(cache: Path, repo_id: str) -> Path | None:
    """The snapshot ``refs/main`` points at (else the newest one) holding a config.json."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    snapshots = repo / "snapshots"
    if not snapshots.is_dir():
        return None
    ref = repo / "refs" / "main"
    if ref.is_file():
        pinned = snapshots / ref.read_text().strip()
        if (pinned / "config.json").is_file():
            return pinned.resolve()
    found = sorted((p for p in snapshots.iterdir() if (p / "config.json").is_file()),
                   key=lambda p: p.stat().st_mtime, reverse=True)
    return found[0].resolve() if found else None


def local_model(model: str) -> Path | None:
    """The folder ``model`` would load from without a network: itself, or the snapshot the
    engines would load from the Hugging Face cache. None when it is not on this machine."""
    path = Path(model).expanduser()
    if path.is_dir():
        return path
    if model.count("/") != 1:
        return None
    return cached_snapshot(hf_cache_dir(), model)
