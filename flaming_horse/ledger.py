"""The ledger: what each unit was last built from and what it wrote, kept in its
project_state.json record, and whether it is done or, if not, why it must run, in words.

A unit is done when its record says so: status "done", the digest of its inputs as now
(``input_hash``), and every output it recorded still there as written (``verdict``). Outputs are
recorded with their size, modification time and SHA-256 (``outputs_record``); a file whose size
or time differs is hashed again, and one whose content differs makes the unit run ("output
changed"), unless the unit's outputs are the user's to edit (scene files: hand edits are kept).

A unit names its inputs (``Unit.inputs``: "script", "narration", "quality", ...). A value that is a
dict is also fingerprinted per entry ("narration" by "beat 2"), so a reason can say which part
changed; a short plain value (a quality, a backend name) is kept as it is, so a reason can say
from what to what.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterable

from flaming_horse.hashing import hash_file, hash_json

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
            return f"output missing: {_shown(path, root) if root else path}"
    return "output missing or out of date"


def _shown(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def outputs_record(root: Path, paths: Iterable[Path],
                   known: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """{path relative to ``root``: {size, mtime_ns, sha256}} of the files a unit wrote (those
    that exist). A file whose size and time are as in ``known`` keeps its known digest, unread."""
    result: dict[str, dict[str, Any]] = {}
    known = known if isinstance(known, dict) else {}
    for path in paths:
        path = Path(path)
        try:
            stat = os.stat(path)
        except OSError:
            continue
        name = _shown(path, root)
        before = known.get(name)
        if isinstance(before, dict) and before.get("size") == stat.st_size \
                and before.get("mtime_ns") == stat.st_mtime_ns and before.get("sha256"):
            digest = before["sha256"]
        else:
            digest = hash_file(path)
        result[name] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": digest}
    return result


def is_recorded(record: dict[str, Any]) -> bool:
    """Whether ``record`` is a ledger record that can say done by itself (its outputs kept with
    their digests); a record of the first format (outputs as a list of names) cannot."""
    return record.get("status") != "done" or isinstance(record.get("outputs"), dict)


def output_change(root: Path, recorded: dict[str, Any], editable: bool = False) -> str | None:
    """Why the outputs kept in a record are not as written ("output missing: ...", "output
    changed: ..."), or None when they are. ``editable``: content changes are the user's, kept."""
    for name, kept in recorded.items():
        now = outputs_record(root, [root / name], {} if editable else recorded)
        if name not in now:
            return f"output missing: {name}"
        if not editable and isinstance(kept, dict) and now[name]["sha256"] != kept.get("sha256"):
            return f"output changed: {name}"
    return None


def verdict(record: dict[str, Any], inputs: dict[str, Any], input_hash: str, root: Path,
            editable: bool = False) -> str | None:
    """None when the record says the unit is built from these inputs and its outputs are as it
    wrote them; else why it must run (``reason``, or which output is missing or changed)."""
    if record.get("status") == "done" and record.get("input_hash") == input_hash:
        return output_change(root, record.get("outputs") or {}, editable)
    return reason(record, inputs, input_hash)


def done_fields(root: Path, inputs: dict[str, Any], input_hash: str, outputs: Iterable[Path],
                known: dict[str, Any] | None = None, seconds: float | None = None
                ) -> dict[str, Any]:
    """The fields of a record that says done: inputs, outputs with their digests, and (when it
    ran) how long it took."""
    fields: dict[str, Any] = {"status": "done", "input_hash": input_hash, "error": None,
                              "inputs": fingerprint(inputs),
                              "outputs": outputs_record(root, outputs, known)}
    if seconds is not None:
        fields["seconds"] = round(seconds, 3)
    return fields
