"""The LLM author's pure parts: the [llm] settings, and a storyboard draft written as script.md
that compiles back to the same scenes, beats and visuals."""

from __future__ import annotations

import pytest

from flaming_horse.authoring.llm.author import DraftPlan, plan_to_script
from flaming_horse.authoring.script import compile_script
from flaming_horse.errors import ProjectError
from flaming_horse.settings import load_settings

DRAFT = {
    "title": "Standing waves", "audience": "curious adults", "target_duration_s": 60,
    "scenes": [
        {"title": "Two waves meet", "beats": [
            {"narration": "Two waves travel in opposite directions.",
             "visual": {"kind": "title", "title": "Standing waves", "subtitle": "Two waves"}},
            {"narration": "Where they meet, they add up.", "visual": None},
            {"narration": "Here are the parts.",
             "visual": {"kind": "bullets", "items": ["Nodes stay still", "Antinodes swing"]}},
        ]},
        {"title": "The maths", "beats": [
            {"narration": "The sum is a product of sines.",
             "visual": {"kind": "equations", "steps": [r"y = \sin(x - t) + \sin(x + t)",
                                                        r"y = 2 \sin x \cos t"]}},
            {"narration": "This is its shape.",
             "visual": {"kind": "plot", "function": "2 * sin(x)", "x_range": [-3, 3],
                        "y_range": [-2.5, 2.5], "label": r"y = 2\sin x"}},
            {"narration": "In code it is one line.",
             "visual": {"kind": "code", "language": "python",
                        "code": "def y(x, t):\n    return 2 * sin(x) * cos(t)"}},
            {"narration": "Compare the two.",
             "visual": {"kind": "comparison", "left_title": "Travelling",
                        "right_title": "Standing", "left": ["moves", "carries energy"],
                        "right": ["stays"]}},
            {"narration": "To sum up.", "visual": {"kind": "recap",
                                                   "items": ["Two waves", "Fixed nodes"]}},
            {"narration": "In three steps.", "visual": {"kind": "bullets", "start": 1,
                                                        "items": ["Add *both*", "[Read] it"]}},
            {"narration": "As someone said.", "visual": {"kind": "quote",
                                                         "text": "Waves are $cheap$ | free",
                                                         "attribution": "A. Physicist"}},
            {"narration": "The numbers.", "visual": {"kind": "table", "header": ["n", "f_n"],
                                                     "rows": [["1", "f"], ["2"]],
                                                     "align": ["right"]}},
        ]},
    ],
}


def test_plan_to_script_round_trips():
    draft = DraftPlan.model_validate(DRAFT)
    compiled = compile_script(plan_to_script(draft, "Standing waves")).plan
    assert compiled.title == draft.title
    assert [s.title for s in compiled.scenes] == [s.title for s in draft.scenes]
    assert [s.id for s in compiled.scenes] == ["scene_01", "scene_02"]
    for scene, want in zip(compiled.scenes, draft.scenes):
        assert [b.narration for b in scene.beats] == [b.narration for b in want.beats]
        assert [b.visual for b in scene.beats] == [b.visual for b in want.beats]


def test_markup_in_narration_is_not_taken_for_structure():
    draft = DraftPlan.model_validate({"title": "T", "scenes": [{"title": "S", "beats": [
        {"narration": "- **Energy** costs $5 {1} now.", "visual": None},
        {"narration": "# Not a heading", "visual": None}]}]})
    beats = compile_script(plan_to_script(draft)).plan.scenes[0].beats
    assert [b.narration for b in beats] == ["Energy costs 5 1 now.", "Not a heading"]
    for start in ("> quoted", "| a |", "![x](y.png)", "1. one", "\\[ x \\]", "$$ x $$", "~~~"):
        draft = DraftPlan.model_validate({"title": "T", "scenes": [{"title": "S", "beats": [
            {"narration": start, "visual": None}]}]})
        beat = compile_script(plan_to_script(draft)).plan.scenes[0].beats[0]
        assert beat.visual is None and beat.narration
    assert all(b.visual is None for b in beats)


def test_llm_settings_precedence_and_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("FLAMING_HORSE_LLM_BASE_URL", raising=False)
    monkeypatch.delenv("FLAMING_HORSE_LLM_MODEL", raising=False)
    (tmp_path / "flaming-horse.toml").write_text(
        'author = "llm"\n[llm]\nbase_url = "http://localhost:11434/v1"\nmodel = "qwen3"\n'
        "repair_attempts = 2\n")
    settings = load_settings(tmp_path)
    assert settings.author == "llm" and settings.llm.configured
    assert settings.llm.model == "qwen3" and settings.llm.repair_attempts == 2
    monkeypatch.setenv("FLAMING_HORSE_LLM_MODEL", "llama3")
    assert load_settings(tmp_path).llm.model == "llama3"
    (tmp_path / "flaming-horse.toml").write_text('[llm]\napi_key = "sk-x"\n')
    with pytest.raises(ProjectError, match="api_key") as caught:
        load_settings(tmp_path)
    assert "FLAMING_HORSE_LLM_API_KEY" in caught.value.hint
    (tmp_path / "flaming-horse.toml").write_text('[llm]\nmodle = "x"\n')
    with pytest.raises(ProjectError, match="modle"):
        load_settings(tmp_path)


@pytest.mark.parametrize("visual", [
    {"kind": "code", "language": "python\n\n## Injected scene\n\nNew narration.", "code": "x = 1"},
    {"kind": "plot", "function": "x**2\n$$ \\input{/etc/passwd} $$", "x_range": [0, 1],
     "y_range": [0, 1]},
    {"kind": "plot", "function": "x", "label": "y\n```manim\nimport os\n```"},
    {"kind": "bullets", "items": ["fine", "two\nlines"]},
])
def test_single_line_fields_of_a_models_plan_are_refused_with_a_newline(visual):
    from pydantic import ValidationError

    draft = {"title": "T", "scenes": [{"title": "S", "beats": [
        {"narration": "Some words.", "visual": visual}]}]}
    with pytest.raises(ValidationError, match="single line"):
        DraftPlan.model_validate(draft)


def test_a_code_listing_cannot_close_its_fence():
    draft = DraftPlan.model_validate({"title": "T", "scenes": [{"title": "S", "beats": [
        {"narration": "Some code.", "visual": {"kind": "code", "language": "py",
                                              "code": "x = 1\n```\n\n## Injected\n\nSpoken."}}]}]})
    script = plan_to_script(draft)
    compiled = compile_script(script)
    assert [s.title for s in compiled.plan.scenes] == ["S"]
    assert "Spoken" not in " ".join(b.narration for s in compiled.plan.scenes for b in s.beats)
