"""The files one stage hands the next, read as typed models: a broken one is named, with where."""

from __future__ import annotations

import json

import pytest

from flaming_horse.errors import FlamingHorseError
from flaming_horse.project import Project
from flaming_horse.stages.artifacts import load_narrations


def test_a_narration_file_edited_into_the_wrong_shape_is_named_with_where(tmp_path):
    project = Project(tmp_path)
    good = {"input_hash": "ab", "scenes": {"scene_01": ["Hello there."]}}
    project.narration_file.write_text(json.dumps(good))
    assert load_narrations(project) == {"scene_01": ["Hello there."]}
    project.narration_file.write_text(json.dumps(
        {"input_hash": "ab", "scenes": {"scene_01": ["Hello.", 42]}}))
    with pytest.raises(FlamingHorseError) as caught:
        load_narrations(project)
    assert "scenes.scene_01.1" in caught.value.message and "narration.json" in caught.value.hint
    project.narration_file.write_text(json.dumps({"scenes": {}}))
    with pytest.raises(FlamingHorseError, match="input_hash"):
        load_narrations(project)
