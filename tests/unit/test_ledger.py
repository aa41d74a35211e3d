"""Why a unit runs: fingerprints of named inputs and the reasons drawn from them."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from flaming_horse.ledger import (
    differences, done_fields, fingerprint, is_recorded, outputs_record, reason, verdict,
)

INPUTS = {"narration": {"beat 1": "Take a triangle.", "beat 2": "x" * 300},
          "quality": "low", "voice settings": {"backend": "piper", "seed": 1},
          "scene_kit": "k" * 64}


def changed(**updates) -> dict:
    return INPUTS | updates


def test_an_unchanged_unit_has_no_differences_and_the_fingerprint_is_small():
    kept = fingerprint(INPUTS)
    assert differences(kept, fingerprint(INPUTS)) == []
    assert kept["quality"] == "low"  # short values are kept as they are
    assert kept["narration/beat 2"].startswith("sha:") and len(kept["narration/beat 2"]) < 30


def test_the_reason_names_the_part_that_changed():
    kept = {"status": "done", "inputs": fingerprint(INPUTS)}
    beat = changed(narration={"beat 1": "Take a triangle.", "beat 2": "y" * 300})
    assert reason(kept, beat, "h") == "changed: narration (beat 2)"
    assert reason(kept, changed(quality="high"), "h") == "changed: quality (low -> high)"
    seed = changed(**{"voice settings": {"backend": "piper", "seed": 2}})
    assert reason(kept, seed, "h") == "changed: voice settings (seed)"
    assert reason(kept, changed(scene_kit="j" * 64), "h") == "changed: scene_kit"
    both = changed(quality="high", scene_kit="j" * 64)
    assert reason(kept, both, "h") == "changed: quality (low -> high); scene_kit"
    fewer = dict(INPUTS)
    del fewer["quality"]
    assert reason(kept, fewer, "h") == "changed: quality"


def test_the_record_says_new_reset_failed_interrupted_or_missing(tmp_path: Path):
    assert reason({}, INPUTS, "h") == "new"
    assert reason({"status": "reset"}, INPUTS, "h") == "reset by user"
    failed = {"status": "failed", "error": "manim exited 1\nTraceback ..."}
    assert reason(failed, INPUTS, "h") == "failed last time: manim exited 1"
    assert reason({"status": "interrupted"}, INPUTS, "h") == "interrupted last time"
    done = {"status": "done", "inputs": fingerprint(INPUTS)}
    gone = tmp_path / "media" / "scenes" / "scene_01.mp4"
    assert reason(done, INPUTS, "h", [gone], tmp_path) == "output missing: media/scenes/scene_01.mp4"
    # a record written before inputs were named: the input hash alone
    assert reason({"status": "done", "input_hash": "old"}, INPUTS, "new") == "inputs changed"


def test_a_recorded_unit_is_done_while_its_outputs_are_as_written(tmp_path: Path):
    video = tmp_path / "media" / "scene_01.mp4"
    video.parent.mkdir()
    video.write_bytes(b"frames" * 100)
    record = done_fields(tmp_path, INPUTS, "h", [video], seconds=1.23456)
    assert record["outputs"] == {"media/scene_01.mp4": {
        "size": 600, "mtime_ns": video.stat().st_mtime_ns,
        "sha256": hashlib.sha256(b"frames" * 100).hexdigest()}}
    assert record["seconds"] == 1.235 and record["status"] == "done"
    assert verdict(record, INPUTS, "h", tmp_path) is None
    assert verdict(record, changed(quality="high"), "h2", tmp_path) == \
        "changed: quality (low -> high)"
    # touched, same content: still done; the digest is kept without reading it again
    os.utime(video, ns=(1, 1))
    assert verdict(record, INPUTS, "h", tmp_path) is None
    again = outputs_record(tmp_path, [video], record["outputs"])
    assert again["media/scene_01.mp4"]["mtime_ns"] == 1
    # the same size, another content: changed, unless the outputs are the user's to edit
    video.write_bytes(b"FRAMES" * 100)
    assert verdict(record, INPUTS, "h", tmp_path) == "output changed: media/scene_01.mp4"
    assert verdict(record, INPUTS, "h", tmp_path, editable=True) is None
    video.unlink()
    assert verdict(record, INPUTS, "h", tmp_path, editable=True) == \
        "output missing: media/scene_01.mp4"


def test_a_record_of_the_first_format_cannot_say_done_by_itself():
    assert not is_recorded({"status": "done", "outputs": ["media/scene_01.mp4"]})
    assert is_recorded({"status": "done", "outputs": {}})
    assert is_recorded({}) and is_recorded({"status": "failed"})
