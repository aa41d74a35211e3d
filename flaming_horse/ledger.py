"""Why a unit runs: the named inputs a unit was last built from, kept in its project_state.json
record, and the reason in words when it must run again.

A unit names its inputs (``Unit.inputs``: "script", "narration", "quality", ...). A value that is a
dict is also fingerprinted per entry ("narration" by "beat 2"), so a reason can say which part
changed; a short plain value (a quality, a backend name) is kept as it is, so a reason can say
from what to what. Done-ness is still each stage's own check; this module only explains.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable

from flaming_horse.hashing import hash_json

SHORT = 32  # plain values up to this length are kept as they are, to say "low -> high"
ITEM = "/"  # "narration/beat 2": one entry of a dict input
DIGEST = "sha:"  # a value kept as a digest, not as itself


def _kept(value: Any) -> Any:
    plain = value is None or isinstance(value, (bool, int, float)) or \
        (isinstance(value, str) and len(value) <= SHORT and not value.startswith(DIGEST))
    return value if plain else DIGEST + hash_json(value)[:16]


def _plain(value: Any) -> bool:
    return not (isinstance(value, str) and value.startswith(DIGEST))


def fingerprint(inputs: dict[str, Any]) -> dict[str, Any]:
    """Each named input's digest (or short value), and each entry's of a dict input."""
    result: dict[str, Any] = {}
    for name, value in inputs.items():
        result[name] = _kept(value)
        if isinstance(value, dict):
            for key, item in value.items():
                result[f"{name}{ITEM}{key}"] = _kept(item)
    return result


def _natural(text: str) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What differs between two fingerprints, in words: "quality (low -> high)",
    "narration (beat 2)", "scene_kit"; an input one side lacks counts as changed."""
    said: list[str] = []
    for name in list(new) + [name for name in old if name not in new]:
        if ITEM in name or old.get(name) == new.get(name):
            continue
        items = sorted({key.split(ITEM, 1)[1] for key in set(new) | set(old)
                        if key.startswith(name + ITEM) and old.get(key) != new.get(key)},
                       key=_natural)
        if items:
            said.append(f"{name} ({', '.join(items)})")
        elif name in old and name in new and _plain(old[name]) and _plain(new[name]):
            said.append(f"{name} ({'none' if old[name] is None else old[name]} -> "
                        f"{'none' if new[name] is None else new[name]})")
        else:
            said.append(name)
    return said


def reason(record: dict[str, Any], inputs: dict[str, Any], input_hash: str,
           expected: Iterable[Path] = (), root: Path | None = None) -> str:
    """Why a unit that is not done must run, from its record and what it is built from now,
    cheapest check first: new, reset by user, failed or interrupted last time, which inputs
    changed, which output is missing."""
    status = record.get("status")
    if not record or status is None:
        return "new"
    if status == "reset":
        return "reset by user"
    if status == "failed":
        error = (record.get("error") or "").strip().splitlines()
        return f"failed last time: {error[0][:120]}" if error else "failed last time"
    if status in ("interrupted", "running"):
        return "interrupted last time"
    kept = record.get("inputs")
    if isinstance(kept, dict) and inputs:
        changed = differences(kept, fingerprint(inputs))
        if changed:
            return "changed: " + "; ".join(changed)
    elif record.get("input_hash") != input_hash:
        return "inputs changed"
    for path in expected:
        if not path.exists():
            shown = path.relative_to(root) if root and path.is_relative_to(root) else path
            return f"output missing: {shown}"
    return "output missing or out of date"
