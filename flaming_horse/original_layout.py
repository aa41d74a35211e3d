"""Whether a folder is a project of the original flaming-horse, from its files alone (no
project of ours is opened: ``Project.open`` asks this to explain a folder it cannot open)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flaming_horse_voice import LEGACY_SCRIPT

VOICE_CONFIG = "voice_clone_config.json"
MAX_JSON_BYTES = 20_000_000


def read_json(path: Path) -> Any:
    """The JSON in ``path``; None when missing, too big or unreadable."""
    try:
        if path.stat().st_size > MAX_JSON_BYTES:
            return None
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_ours(plan: Any) -> bool:
    return isinstance(plan, dict) and "input_hash" in plan and "plan" in plan


def detect(root: Path | str) -> list[str]:
    """What marks ``root`` as a project of the original flaming-horse ([] when it is not one):
    no script.md, and narration_script.py, voice_clone_config.json or a plan.json not ours."""
    root = Path(root)
    if not root.is_dir() or (root / "script.md").exists():
        return []
    found = [name for name in (LEGACY_SCRIPT, VOICE_CONFIG) if (root / name).is_file()]
    plan = read_json(root / "plan.json") if (root / "plan.json").is_file() else None
    if isinstance(plan, dict) and isinstance(plan.get("scenes"), list) and not is_ours(plan):
        found.append("plan.json")
    return found
