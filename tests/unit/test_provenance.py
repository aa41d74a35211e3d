"""Which scene files are the model's (and so render in the box): written by the LLM author, with
the digest of its code in the author line, until the user edits the code."""

from __future__ import annotations

from flaming_horse.project import Project
from flaming_horse.stages import scenes
from flaming_horse.stages.contained import sweep

CODE = "from manim import *\n\n\nclass Scene01(Scene):\n    def construct(self):\n        pass\n"


def write(project: Project, author: str | None, code: str = CODE) -> None:
    path = project.scene_file("scene_01")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(scenes._header("0" * 64, "scene_01", "One", author,
                                   code if author and author.startswith("llm") else None)
                    + code)


def test_model_code_is_the_models_until_the_user_edits_it(tmp_path):
    project = Project(tmp_path)
    write(project, "llm (model m, 1 answer(s))")
    assert scenes.written_by_model(project, "scene_01")
    path = project.scene_file("scene_01")
    path.write_text(path.read_text().replace("pass", "self.wait(1)"))  # the user's edit
    assert not scenes.written_by_model(project, "scene_01")


def test_template_files_and_fallbacks_are_trusted_and_unknown_llm_lines_are_not(tmp_path):
    project = Project(tmp_path)
    write(project, None)
    assert not scenes.written_by_model(project, "scene_01")
    write(project, "template (fallback: policy gate: line 1)")
    assert not scenes.written_by_model(project, "scene_01")
    path = project.scene_file("scene_01")  # an LLM author line without a digest: fail closed
    path.write_text("# flaming-horse scene candidate\n# author: llm (candidate)\n#\n" + CODE)
    assert scenes.written_by_model(project, "scene_01")


def test_sweep_removes_links_and_fifos_left_by_boxed_code(tmp_path):
    import os

    work = tmp_path / "work"
    (work / "texts").mkdir(parents=True)
    (work / "texts" / "a.svg").write_text("<svg/>")
    (work / "texts" / "secret_link").symlink_to("/etc/hostname")
    (work / "dir_link").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(work / "pipe")
    assert sweep(work) == 3
    assert sorted(p.name for p in work.rglob("*")) == ["a.svg", "texts"]
