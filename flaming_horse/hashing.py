"""Input hashes: sha256 of sorted JSON, so equal inputs always hash equal."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


def hash_json(value: Any) -> str:
    data = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def hash_tree(folder: Path, pattern: str = "*.py") -> str:
    """Hash of every matching file's relative path and contents (for code a render depends on)."""
    return hash_json({str(p.relative_to(folder)): hash_file(p)
                      for p in sorted(folder.rglob(pattern)) if "__pycache__" not in p.parts})
