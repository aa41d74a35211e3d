"""A failing line of a manim block is named by its script.md line, however long the project's
path: manim prints its errors in rich's traceback panel, 100 columns wide, which folds a long
path across lines. The traceback here is printed by rich itself, from a real exception."""

from __future__ import annotations

import io
from contextlib import nullcontext

import pytest
from rich.console import Console

from flaming_horse.stages.manim_run import _script_place

SCENE = """from contextlib import nullcontext


class Scene01(Scene):
    def construct(self):
        with self.voiceover(text="A dot spins.") as tracker:
            # script.md line 8: manim block
            dot = Dot()
            self.play(Spin(dot))
"""


PANEL = 96  # the columns inside rich's traceback panel (100 wide, its border and padding off)


# the scene file's path this many characters longer than the panel is wide: the frame's header
# (".../scene_01.py:9 in construct") fits, folds after the name, in it, or in the folder above
@pytest.mark.parametrize("over", [-30, -12, -1, 0, 1, 4, 9, 40])
def test_the_failing_line_is_found_when_the_panel_folds_its_path(tmp_path, over):
    depth = PANEL + over - len(f"{tmp_path}/") - len("/scenes/scene_01.py")
    folder = tmp_path / ("p" * depth) / "scenes"
    folder.mkdir(parents=True)
    scene_file = folder / "scene_01.py"
    scene_file.write_text(SCENE)
    out = io.StringIO()
    try:
        exec(compile(SCENE + "Scene01().construct()\n", str(scene_file), "exec"),
             {"Scene": type("Scene", (), {"voiceover": lambda self, text: nullcontext(),
                                             "play": lambda self, *animations: None}),
              "Dot": object, "__name__": "scene"})
    except NameError:
        Console(file=out, width=200).print_exception()  # as manim's error console does
    log = tmp_path / "scene_01.log"
    log.write_text(out.getvalue())
    assert "NameError" in out.getvalue() and "Spin" in out.getvalue()
    assert _script_place(scene_file, log).strip() == \
        "script.md line 9: the failing line of that scene's manim block"
