"""Project names, settings precedence, state records and the lock."""

from __future__ import annotations

import json

import pytest

from flaming_horse.errors import ProjectError
from flaming_horse.project import Project, State, validate_name
from flaming_horse.settings import load_settings


@pytest.mark.parametrize("name", ["demo", "my_video", "v2.final", "A-1"])
def test_good_names(name):
    assert validate_name(name) == name


@pytest.mark.parametrize("name", ["../x", "a/b", "a\\b", ".hidden", "", "..", "x" * 65, "a b"])
def test_bad_names(name):
    with pytest.raises(ProjectError, match="invalid project name"):
        validate_name(name)


def test_settings_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    (tmp_path / "cfg" / "flaming-horse").mkdir(parents=True)
    (tmp_path / "cfg" / "flaming-horse" / "config.toml").write_text('quality = "high"\n')
    project = tmp_path / "p"
    project.mkdir()
    monkeypatch.delenv("FLAMING_HORSE_QUALITY", raising=False)
    assert load_settings(project).quality == "high"  # user config over default
    (project / "flaming-horse.toml").write_text('quality = "medium"\n')
    assert load_settings(project).quality == "medium"  # project over user config
    monkeypatch.setenv("FLAMING_HORSE_QUALITY", "low")
    assert load_settings(project).quality == "low"  # environment over project
    assert load_settings(project).with_overrides(quality="high").quality == "high"  # CLI last
    (project / "flaming-horse.toml").write_text('qualty = "medium"\n')
    with pytest.raises(ProjectError, match="unknown setting"):
        load_settings(project)


def test_table_values_are_read_by_their_type_not_by_truthiness(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    project = tmp_path / "p"
    project.mkdir()
    (project / "flaming-horse.toml").write_text(
        '[audio]\nnormalize = "false"\nloudness = "-14"\n[ray]\nvoice = "no"\n')
    settings = load_settings(project)
    assert settings.audio.normalize is False and settings.audio.loudness == -14.0
    assert settings.ray.voice is False
    (project / "flaming-horse.toml").write_text("[qc]\nmin_visual_states = 2.5\n")
    with pytest.raises(ProjectError, match=r"\[qc\] min_visual_states = 2.5 is not a valid int"):
        load_settings(project)
    (project / "flaming-horse.toml").write_text('[audio]\nnormalize = "maybe"\n')
    with pytest.raises(ProjectError, match="normalize = 'maybe' is not a valid bool"):
        load_settings(project)


def test_state_is_written_atomically_and_survives_corruption(tmp_path):
    path = tmp_path / "project_state.json"
    state = State(path)
    state.update("render", "scene_01", status="running", input_hash="abc")
    state.update("render", "scene_01", status="done")
    record = json.loads(path.read_text())["stages"]["render"]["scenes"]["scene_01"]
    assert record["status"] == "done" and record["attempts"] == 1
    assert not list(tmp_path.glob(".fh-tmp-*"))
    path.write_text("{broken")
    recovered = State(path)
    assert recovered.recovered and recovered.data["stages"] == {}


def test_lock_refuses_a_second_holder(tmp_path):
    (tmp_path / "script.md").write_text("# T\n")
    project = Project.open(tmp_path)
    with project.lock():
        with pytest.raises(ProjectError, match="another build"):
            with project.lock():
                pass
    with project.lock():  # released again
        pass


def test_a_new_projects_settings_are_written_as_valid_toml():
    import tomllib

    from flaming_horse.cli.create import project_settings

    written = project_settings("high", True, 'odd "name" \\ here')
    assert tomllib.loads(written) == {"quality": "high", "author": "llm",
                                      "voice": {"backend": 'odd "name" \\ here'}}
    assert tomllib.loads(project_settings("low", False, None)) == {"quality": "low"}


def test_discard_deletes_only_inside_the_project_and_never_its_script(tmp_path):
    from flaming_horse.project import Project

    root = tmp_path / "p"
    (root / "media" / "scenes").mkdir(parents=True)
    (root / "script.md").write_text("# t\n")
    render = root / "media" / "scenes" / "scene_01-low-0.mp4"
    render.write_bytes(b"x")
    outside = tmp_path / "outside.txt"
    outside.write_text("keep")
    folder = root / "media" / "voice"
    (folder / "piper").mkdir(parents=True)
    project = Project(root)
    removed = project.discard([render, outside, root / "script.md", root / "media" / ".." / ".." /
                               "outside.txt", folder, root / "missing.mp4"])
    assert removed == 2 and not render.exists() and not folder.exists()
    assert outside.read_text() == "keep" and (root / "script.md").is_file()
