"""What every figure block shares: the JSON form the LLM author writes (read back alike, errors
on the right line), and the manim block (the user's code runs as written, a model's code passes
the gates of model code until the user edits it)."""

from __future__ import annotations

import pytest

from flaming_horse.authoring.figures import manim as manim_block
from flaming_horse.authoring.figures.array import ArrayFigure
from flaming_horse.authoring.llm.author import visual_markdown
from flaming_horse.authoring.script import compile_script
from flaming_horse.errors import ScriptError


def _visual(block: str):
    return compile_script(f"# T\n\n## S\n\nText.\n\n{block}\n", "script.md") \
        .plan.scenes[0].beats[0].visual


def test_a_figure_written_as_markdown_by_the_llm_author_reads_back_the_same():
    figure = ArrayFigure(values=["3", "```", "x"], pointers={"lo": 0},
                         steps=[{"op": "point", "pointers": {"mid": 1}},
                                {"op": "set", "cells": [2], "value": "a ``` b"}])
    assert _visual("\n".join(visual_markdown(figure))) == figure


@pytest.mark.parametrize("body, line, words", [
    ('{"values": ["1", "2"],\n "steps": [{"op": "found", "cells": [5]}]}', 7,
     "past the array's end"),
    ('{"values": ["1"],\n "colour": "red"}', 7, "Extra inputs are not permitted"),
    ('{"values": ["1"],\n "steps": [}', 9, "not valid JSON"),
    ('{"kind": "plot", "values": ["1"]}', 7, "Input should be 'array'"),
])
def test_a_json_figure_that_breaks_a_rule_names_the_block(body, line, words):
    with pytest.raises(ScriptError) as info:
        _visual(f"```array\n{body}\n```")
    assert info.value.line == line and words in info.value.message and info.value.hint


def test_the_users_manim_block_is_their_code_checked_for_syntax_only():
    code = "import os\nself.play(Create(Circle()))"
    visual = _visual(f"```manim\n{code}\n```")
    assert visual.kind == "manim" and visual.origin == "script" and visual.code == code
    assert visual.line == 8  # the code's first script line
    with pytest.raises(ScriptError) as info:
        _visual("```manim\nself.play(Create(Circle()))\nx = (1,\n```")
    assert info.value.line == 9 and "manim block" in info.value.message


def test_a_models_manim_block_passes_the_gates_until_the_user_edits_it():
    bad = "self.play(Create(Circle()))\nopen('/etc/passwd')"
    fenced = "\n".join(visual_markdown(manim_block.Model(code=bad)))
    with pytest.raises(ScriptError) as info:
        _visual(fenced)
    assert info.value.line == 9 and "'open' is not allowed" in info.value.message
    assert "language model" in info.value.message
    edited = fenced.replace("/etc/passwd", "notes.txt")  # the user's edit: now their code
    assert _visual(edited).origin == "script"
    good = "self.play(Create(Circle()), run_time=tracker.duration)"
    assert _visual("\n".join(visual_markdown(manim_block.Model(code=good)))).origin == "model"
    with pytest.raises(ScriptError, match="ShowCreation"):  # the api gate: a name manim lacks
        _visual("\n".join(visual_markdown(manim_block.Model(code="self.play(ShowCreation(Dot()))"))))


def test_a_failing_line_of_a_scene_file_maps_back_to_the_script():
    source = ("class S:\n    def construct(self):\n        with self.voiceover(text='a') as t:\n"
              "            # script.md line 20: manim block\n            a = 1\n            b = c\n"
              "            s = 1\n")
    assert manim_block.script_line(source, 6) == 21
    assert manim_block.script_line(source, 3) is None
