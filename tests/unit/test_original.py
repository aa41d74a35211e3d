"""Converting a project made by the original flaming-horse (flaming_horse.authoring.original).

Fixtures are written in the original's three formats (see the module doc): A (narration_key is a
short slug unlike the id, triple-quoted and parenthesised strings), B (triple-quoted with the
text on its own lines) and C (one JSON string per key). The script each conversion writes is
compiled by the real parser, and what it would speak must be exactly the original's text, or the
original's clip would not be reused."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from flaming_horse.authoring.original import (
    OriginalScene, convert, detect, escape_narration, render_script,
)
from flaming_horse.authoring.script import compile_script
from flaming_horse.authoring.storyboard import TitleCard
from flaming_horse.errors import FlamingHorseError, ProjectError
from flaming_horse.project import ORIGINAL_DIR, Project
from flaming_horse.settings import load_settings
from flaming_horse_voice.backends.qwen import QwenBackend
from flaming_horse_voice.cache import speakable
from flaming_horse_voice.legacy import LEGACY_DIR, load_script
from flaming_horse_voice.settings import VoiceSettings, from_mapping, read_toml, with_reference

INTRO = "Imagine being challenged to construct a square with the same area as a circle."
HISTORY = "For two thousand years, people tried. In 1882 it was shown to be impossible."
PROOF = "Pi is transcendental, so no ruler and compass can reach it."
CONFIG = {
    "qwen_python": "~/IdeaProjects/flaming-horse/models/qwen3-tts-local/.venv/bin/python",
    "model_id": "Qwen/Qwen3-TTS-12Hz-1.7B-Base", "device": "cpu", "dtype": "float32",
    "language": "English", "ref_audio": "assets/voice_ref/ref.wav",
    "ref_text": "assets/voice_ref/ref.txt", "output_dir": "media/voiceovers/qwen"}


def mp3(path: Path, seconds: float = 0.5) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency=440:duration={seconds}", "-ar", "24000", "-ac", "1",
                    "-b:a", "64k", str(path)], check=True)


def format_a(root: Path, clips: bool = False) -> Path:
    """Format A (02-11..02-15): narration_key != id, narration_summary/animations, the script
    with a docstring, triple quotes, parenthesised implicit concatenation and a '+'."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "plan.json").write_text(json.dumps({
        "title": "Squaring the Circle: The Impossible Construction", "topic_summary": "...",
        "target_audience": "curious adults", "estimated_duration_seconds": 300,
        "scenes": [
            {"id": "scene_01_intro", "title": "Introduction to Squaring the Circle",
             "narration_key": "intro", "narration_summary": "Hook with the basic problem",
             "estimated_words": 75, "estimated_duration": "30s",
             "animations": ["Write title", "Show circle and square"], "complexity": "low",
             "risk_flags": []},
            {"id": "scene_02_history", "title": "Two thousand years of trying",
             "narration_key": "history", "narration_summary": "From the Greeks to Lindemann",
             "animations": ["Timeline"]},
            {"id": "scene_03_proof", "title": "Why it cannot be done", "narration_key": "proof",
             "narration_summary": "Transcendence of pi", "animations": []},
        ]}, indent=2))
    (root / "narration_script.py").write_text(
        '"""\nNarration script for: Squaring the Circle\nGenerated: 2026-02-13\n"""\n\n'
        "SCRIPT = {\n"
        f'    "intro": """{INTRO[:40]}\n{INTRO[40:]}""",\n'
        f'    "history": (\n        "{HISTORY[:38]}"\n        "{HISTORY[38:]}"\n    ),\n'
        f'    "proof": "{PROOF[:20]}" + "{PROOF[20:]}",\n'
        "}\n")
    (root / "voice_clone_config.json").write_text(json.dumps(CONFIG, indent=2))
    (root / "assets" / "voice_ref").mkdir(parents=True)
    (root / "assets" / "voice_ref" / "ref.txt").write_text("In my younger years.")
    (root / "project_state.json").write_text(json.dumps({
        "project_name": "circle-square", "topic": "Squaring the circle", "phase": "complete",
        "scenes": [{"id": "scene_01_intro", "file": "scene_01_intro.py"}]}))
    (root / "scene_01_intro.py").write_text("raise SystemExit('the original scene is never run')\n")
    if clips:
        for key in ("intro", "history", "proof"):
            mp3(root / LEGACY_DIR / f"{key}.mp3")
    return root


def format_c(root: Path, script: dict[str, str], plan_scenes: list[dict] | None = None) -> Path:
    """Format C (HEAD): ids scene_NN, narration_key == id, one JSON string per key."""
    root.mkdir(parents=True, exist_ok=True)
    if plan_scenes is None:
        plan_scenes = [{"id": key, "narration_key": key, "title": f"Title of {key}",
                        "description": f"What {key} shows", "estimated_duration_seconds": 30,
                        "visual_ideas": [f"An idea for {key}"]} for key in script]
    (root / "plan.json").write_text(json.dumps({
        "title": "Test Video", "description": "A test video", "target_duration_seconds": 600,
        "scenes": plan_scenes}, indent=2))
    lines = ["# Voiceover script",
             "# This file is imported by scene files as: from narration_script import SCRIPT", "",
             "SCRIPT = {"]
    lines += [f"    {json.dumps(k)}: {json.dumps(v)}," for k, v in script.items()]
    (root / "narration_script.py").write_text("\n".join(lines + ["}"]) + "\n")
    return root


def spoken(root: Path) -> list[str]:
    """What our pipeline would speak, scene by scene, from the converted script.md."""
    plan = compile_script((root / "script.md").read_text(encoding="utf-8")).plan
    return [speakable(" ".join(beat.narration for beat in scene.beats)) for scene in plan.scenes]


def digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


# -- the narration survives the trip through Markdown ------------------------------------------

NASTY = [
    "It costs $5, or $ 10 with tax.", "This is **bold**, *this* is not, and _neither_ __is__ this.",
    "Step {1} comes before {2}.", "A <tag> and a <b>bold</b> word, 3 < 4 > 2.",
    "# Not a heading", "1. Not a numbered item", "2) Nor this", "- Not a bullet", "+ Nor this",
    "* Nor this", "::: title", "```python", "~~~", "---", "> Not a quote", "| a | b |",
    "![not an image](x.png) and [not a link](http://example.com/a_b)",
    "<!-- not a comment --> but speech", "$$ a^2 $$", "back\\slash, \\* and \\\\ and a last \\",
    "\"Double\" and 'single' quotes, and `code`.", "Ünïcödé — “smart quotes” … 日本語 ✓",
    "__init__ and x_1 and 100% & more; {{1}} and &amp;", "= equals first", "12345. A year.",
    "Inline $x^2$ and \\(y\\) stay as written", "pay $5 or $x$",
]


@pytest.mark.parametrize("text", NASTY)
def test_narration_round_trips_through_the_script(text):
    scene = OriginalScene(key="k", original_id="scene_01", title="A scene", narration=text)
    plan = compile_script(render_script("Title", [scene])).plan
    [beat] = plan.scenes[0].beats
    assert speakable(beat.narration) == speakable(text)
    assert beat.visual == TitleCard(title="A scene")  # the card; nothing in the text a visual


def test_each_scene_shows_a_title_card_with_its_title():
    scenes = [OriginalScene(key="a", original_id="scene_01", title="*Why* $5?", narration="One.",
                            description="The cost. And a long tail " + "x" * 100),
              OriginalScene(key="b", original_id="scene_02", title="Two", narration="Two.",
                            description="y" * 120)]
    plan = compile_script(render_script("Title", scenes)).plan
    assert [s.beats[0].visual for s in plan.scenes] == [
        TitleCard(title="*Why* $5?"), TitleCard(title="Two")]


def test_a_narration_is_one_paragraph_even_with_blank_lines():
    text = "First line.\n\n   Second paragraph of the same clip.\n"
    assert escape_narration(text) == "First line. Second paragraph of the same clip."
    scene = OriginalScene(key="k", original_id=None, title="T", narration=speakable(text))
    assert len(compile_script(render_script("T", [scene])).plan.scenes[0].beats) == 1


def test_the_comment_cannot_be_closed_by_the_original_text():
    scene = OriginalScene(key="k --> ## Evil", original_id="scene_01 -->", title="T",
                          narration="Spoken.",
                          description="ends here --> ## Injected scene\n\nInjected narration.",
                          ideas=["--!> also", "-->"])
    empty = OriginalScene(key="e", original_id="scene_02", title="Gone --> ## Evil",
                          narration=None, description="-->\n## Evil two\n\nSpoken evil.")
    plan = compile_script(render_script("Title", [scene, empty])).plan
    assert [s.title for s in plan.scenes] == ["T"]
    assert [b.narration for b in plan.scenes[0].beats] == ["Spoken."]


# -- the three formats -------------------------------------------------------------------------

def test_format_a_converts_keeping_the_originals(tmp_path):
    root = format_a(tmp_path / "circle-square", clips=True)
    before = digests(root)
    assert detect(root) == ["narration_script.py", "voice_clone_config.json", "plan.json"]

    conversion = convert(root)

    assert spoken(root) == [INTRO, HISTORY, PROOF]  # narration_key, not id, found the text
    plan = compile_script((root / "script.md").read_text()).plan
    assert plan.title == "Squaring the Circle: The Impossible Construction"
    assert [s.title for s in plan.scenes] == [
        "Introduction to Squaring the Circle", "Two thousand years of trying",
        "Why it cannot be done"]
    script = (root / "script.md").read_text()
    assert "description: Hook with the basic problem" in script  # format A's summary
    assert "- Show circle and square" in script  # and its animations, as visual ideas
    # the original's files: untouched where they are, with copies of those the build replaces
    after = digests(root)
    for name, digest in before.items():
        assert after[name] == digest, name
    assert after[f"{ORIGINAL_DIR}/plan.json"] == before["plan.json"]
    assert after[f"{ORIGINAL_DIR}/project_state.json"] == before["project_state.json"]
    state = Project(root).state()  # the original's record is not taken for a damaged one of ours
    assert not state.recovered and state.data["stages"] == {}
    assert any("scene_01_intro.py" in line and "not run" in line for line in conversion.left)
    lines = "\n".join(conversion.lines())
    assert "wrote script.md (3 scenes" in lines and "wrote flaming-horse.toml" in lines
    assert "original/project_state.json" in lines and "original/plan.json" in lines
    # the voice: [voice] from voice_clone_config.json, valid settings of ours
    table = read_toml(root / "flaming-horse.toml")["voice"]
    assert table == {"backend": "qwen", "model": "Qwen/Qwen3-TTS-12Hz-1.7B-Base",
                     "device": "cpu", "dtype": "float32", "language": "English",
                     "reference": "assets/voice_ref/ref.wav",
                     "reference_text": "assets/voice_ref/ref.txt"}
    voice = load_settings(root).voice
    assert voice.reference == str(root / "assets/voice_ref/ref.wav")
    assert voice.reference_text == str(root / "assets/voice_ref/ref.txt")
    assert any("ref.wav is not here" in note for note in conversion.notes)  # gitignored WAV
    assert not any("no clip" in note for note in conversion.notes)
    # now it is one of ours: nothing more to convert, and the project opens
    assert detect(root) == [] and Project.open(root).root == root.resolve()


def test_format_b_triple_quoted_texts_on_their_own_lines(tmp_path):
    root = tmp_path / "microclots"
    format_c(root, {"scene_01_intro": "x", "scene_02_components": "y"},
             [{"id": key, "title": key, "narration_key": key, "description": "d",
               "estimated_duration_seconds": 25, "narrative_beats": [f"A beat of {key}"],
               "visual_ideas": ["Title text at UP * 3.8"]}
              for key in ("scene_01_intro", "scene_02_components")])
    (root / "narration_script.py").write_text(
        '# Voiceover script\n\nSCRIPT = {\n    "scene_01_intro": """\nLong COVID is a lingering '
        'nightmare.\nIt traps millions.\n    """,\n\n    "scene_02_components": """\nTo '
        'understand these microclots,\n\nlook closer.\n    """,\n}\n')
    convert(root)
    assert spoken(root) == ["Long COVID is a lingering nightmare. It traps millions.",
                            "To understand these microclots, look closer."]
    script = (root / "script.md").read_text()
    assert "narrative beats:\n- A beat of scene_02_components" in script
    assert "- Title text at UP * 3.8" in script


def test_format_c_and_the_title_fallbacks(tmp_path):
    root = format_c(tmp_path / "testvideo", {"scene_01": INTRO, "scene_02": HISTORY},
                    [{"id": "scene_01", "narration_key": "scene_01", "title": "",
                      "description": "Intro scene", "visual_ideas": ["Use Text mobject"]},
                     {"id": "scene_02", "narration_key": "scene_02", "title": "Two\nlines",
                      "description": "More", "visual_ideas": "one idea as a string"}])
    plan_data = json.loads((root / "plan.json").read_text())
    del plan_data["title"]
    (root / "plan.json").write_text(json.dumps(plan_data))
    (root / "project_state.json").write_text(json.dumps({"project_name": "testvideo-state"}))
    conversion = convert(root)
    plan = compile_script((root / "script.md").read_text()).plan
    assert plan.title == "testvideo-state"
    assert [s.title for s in plan.scenes] == ["Scene 1", "Two lines"]  # from the id; one line
    assert spoken(root) == [INTRO, HISTORY]
    assert "- one idea as a string" in (root / "script.md").read_text()
    # no voice_clone_config.json and no clips: our default voice, said in a note
    assert not (root / "flaming-horse.toml").exists()
    assert any("default voice (piper)" in note for note in conversion.notes)


# -- files that disagree -----------------------------------------------------------------------

def test_files_that_disagree_convert_with_a_note_for_each(tmp_path):
    script = {"scene_01": INTRO, "scene_02": HISTORY, "bonus": PROOF, "scene_04": "   "}
    scenes = [{"id": f"scene_0{n}", "narration_key": f"scene_0{n}", "title": f"Scene {n}",
               "description": "d", "visual_ideas": []} for n in (1, 2, 3, 4)]
    scenes.append({"title": "no key at all"})
    root = format_c(tmp_path / "p", script, scenes)
    (root / "voice_clone_config.json").write_text(json.dumps(
        {**CONFIG, "device": "mps", "dtype": "int8", "qwen_python": "/opt/qwen/bin/python",
         "output_dir": "/elsewhere/clips", "sample_rate": 24000}))
    mp3(root / LEGACY_DIR / "scene_01.mp3")  # scene_02 has no clip
    mp3(root / LEGACY_DIR / "orphan.mp3")  # a clip no narration names
    (root / LEGACY_DIR / "cache.json").write_text(json.dumps([
        {"narration_key": "scene_01", "text": "An older text.", "audio_file": "scene_01.mp3"}]))

    conversion = convert(root)
    notes = "\n".join(conversion.notes)

    # scene_03 has no narration; "bonus" has no plan scene and follows scene_02, as in SCRIPT
    assert spoken(root) == [INTRO, HISTORY, PROOF]
    titles = [s.title for s in compile_script((root / "script.md").read_text()).plan.scenes]
    assert titles == ["Scene 1", "Scene 2", "Bonus"]
    assert "plan scene scene_03 has no narration" in notes
    assert "its narration 'scene_04' is empty" in notes
    assert "plan.json scene 5 has neither narration_key nor id" in notes
    assert "the narration 'bonus' has no plan scene" in notes
    assert "scene_01.mp3 was made from another text" in notes  # stale: spoken again
    assert "scene_02 (narration 'scene_02') has no clip" in notes
    assert "orphan.mp3 belongs to no narration" in notes
    assert "device 'mps'" in notes and "dtype 'int8'" in notes
    assert "qwen_python (/opt/qwen/bin/python) is not used" in notes
    assert "output_dir /elsewhere/clips" in notes and "sample_rate not known" in notes
    assert "left out, as it had no narration: Scene 3" in (root / "script.md").read_text()
    table = read_toml(root / "flaming-horse.toml")["voice"]
    assert table["device"] == "auto" and table["dtype"] == "auto"


@pytest.mark.parametrize("plan_text", [None, "{not json", json.dumps({"scenes": "nope"})])
def test_without_a_usable_plan_the_script_order_is_kept(tmp_path, plan_text):
    root = format_c(tmp_path / "p", {"b_second": HISTORY, "a_first": INTRO})
    if plan_text is None:
        (root / "plan.json").unlink()
    else:
        (root / "plan.json").write_text(plan_text)
    (root / "project_state.json").write_text(json.dumps(
        {"project_name": "p", "scenes": [{"id": "x", "narration_key": "b_second",
                                          "title": "Second, by the state"}]}))
    conversion = convert(root)
    assert spoken(root) == [HISTORY, INTRO]
    titles = [s.title for s in compile_script((root / "script.md").read_text()).plan.scenes]
    assert titles == ["Second, by the state", "A first"]
    assert any("narration_script.py's order" in note for note in conversion.notes)
    if plan_text is not None:  # the unreadable plan.json is kept byte for byte too
        assert (root / ORIGINAL_DIR / "plan.json").read_text() == plan_text


def test_without_any_narration_it_is_an_error_with_a_hint(tmp_path):
    root = format_c(tmp_path / "p", {"scene_01": "x"})
    (root / "narration_script.py").write_text("SCRIPT = build_script()\n")
    with pytest.raises(ProjectError) as caught:
        convert(root)
    assert "no narration" in caught.value.message and "SCRIPT" in caught.value.hint
    assert not (root / "script.md").exists()
    assert "not converted yet" in pytest.raises(ProjectError, Project.open, root).value.message


def test_narration_script_is_read_never_run(tmp_path):
    pwned = tmp_path / "PWNED"
    root = format_c(tmp_path / "p", {"scene_01": INTRO})
    (root / "narration_script.py").write_text(
        f"import os\nos.system('touch {pwned}')\nSCRIPT = {{'scene_01': {INTRO!r}, "
        f"'scene_02': __import__('os').system('touch {pwned}')}}\n")
    convert(root)
    assert not pwned.exists() and spoken(root) == [INTRO]


def test_our_own_projects_and_other_folders_are_not_converted(tmp_path):
    assert detect(tmp_path) == []
    (tmp_path / "plan.json").write_text(json.dumps({"input_hash": "x", "plan": {"scenes": []}}))
    assert detect(tmp_path) == []  # our plan.json
    (tmp_path / "plan.json").write_text(json.dumps({"scenes": [{"id": "scene_01"}]}))
    assert detect(tmp_path) == ["plan.json"]
    (tmp_path / "narration_script.py").write_text("SCRIPT = {'scene_01': 'Hi.'}\n")
    (tmp_path / "script.md").write_text("# T\n\n## S\n\nHi.\n")
    assert detect(tmp_path) == []  # it has a script: ours


def test_an_existing_settings_file_is_left_alone(tmp_path):
    root = format_a(tmp_path / "p")
    (root / "flaming-horse.toml").write_text('quality = "medium"\n')
    conversion = convert(root)
    assert (root / "flaming-horse.toml").read_text() == 'quality = "medium"\n'
    assert any("flaming-horse.toml exists: left as it is" in n for n in conversion.notes)


def test_a_conversion_cut_short_is_done_again(tmp_path):
    root = format_a(tmp_path / "p")
    (root / "final_video.mp4").write_bytes(b"the original's video")
    convert(root)
    kept = digests(root / ORIGINAL_DIR)
    toml = (root / "flaming-horse.toml").read_text()
    (root / "script.md").unlink()  # as if killed before the last write
    assert detect(root)
    again = convert(root)
    assert digests(root / ORIGINAL_DIR) == kept  # not copied twice, nothing numbered
    assert (root / "flaming-horse.toml").read_text() == toml  # ours, written again
    assert not any("exists: left as it is" in n for n in again.notes)
    assert spoken(root) == [INTRO, HISTORY, PROOF]
    assert (root / "final_video.mp4").read_bytes() == b"the original's video"


# -- the voice settings it needs ---------------------------------------------------------------

def test_dtype_and_reference_text_settings(tmp_path):
    settings = from_mapping({"backend": "qwen", "dtype": "bfloat16",
                             "reference": "a/ref.wav", "reference_text": "b/words.txt"})
    assert settings.dtype == "bfloat16"
    with pytest.raises(FlamingHorseError, match="dtype"):
        from_mapping({"dtype": "int8"})
    resolved = with_reference(settings, tmp_path)
    assert resolved.reference_text == str(tmp_path.resolve() / "b/words.txt")
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    (tmp_path / "a" / "ref.wav").write_bytes(b"RIFF")
    (tmp_path / "b" / "words.txt").write_text(" My  voice. ")
    assert QwenBackend(resolved).reference() == (tmp_path.resolve() / "a/ref.wav", "My voice.")
    # not part of the identity, like the device
    assert QwenBackend(resolved).identity() == QwenBackend(
        with_reference(from_mapping({"dtype": "float32"}, settings), tmp_path)).identity()


def test_the_qwen_engine_honours_dtype(capfd):
    torch = pytest.importorskip("torch")
    from flaming_horse_voice.worker.engine import EngineError
    from flaming_horse_voice.worker.qwen_engine import _pick_device

    assert _pick_device(torch, "cpu", "auto") == ("cpu", torch.float32, "sdpa")
    assert _pick_device(torch, "cpu", "float32")[1] is torch.float32
    assert _pick_device(torch, "cpu", "bfloat16")[1] is torch.bfloat16
    assert "bfloat16 on the cpu" in capfd.readouterr().err
    with pytest.raises(EngineError, match="dtype"):
        _pick_device(torch, "cpu", "int8")


def test_a_missing_reference_wav_keeps_an_identity_and_fails_only_to_speak(tmp_path):
    (tmp_path / "voice").mkdir()
    (tmp_path / "voice" / "ref.txt").write_text("What the WAV says.")
    model = tmp_path / "model"
    model.mkdir()
    settings = with_reference(VoiceSettings(backend="qwen", model=str(model),
                                            reference="voice/ref.wav"), tmp_path)
    backend = QwenBackend(settings)
    identity = backend.identity()  # no error: clips made before can still be looked up
    assert identity["reference"].startswith("missing:")
    with pytest.raises(FlamingHorseError, match="ref.wav does not exist"):
        backend.reference()
    with pytest.raises(FlamingHorseError) as caught:
        backend.check_ready()
    assert "ref.wav does not exist" in caught.value.message
    (tmp_path / "voice" / "ref.wav").write_bytes(b"RIFF....WAVE")
    assert QwenBackend(settings).identity()["reference"] != identity["reference"]
    assert not QwenBackend(settings).identity()["reference"].startswith("missing:")


def test_check_ready_names_the_model_and_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    backend = QwenBackend(VoiceSettings(backend="qwen", model="Qwen/Qwen3-TTS-12Hz-1.7B-Base"))
    with pytest.raises(FlamingHorseError) as caught:
        backend.check_ready()
    assert "model Qwen/Qwen3-TTS-12Hz-1.7B-Base is not on this machine" in caught.value.message
    assert "huggingface-cli download Qwen/Qwen3-TTS-12Hz-1.7B-Base" in caught.value.hint


def test_check_ready_names_missing_packages_with_the_model(tmp_path, monkeypatch):
    class Uninstalled(QwenBackend):
        modules = ("torch", "fh_surely_not_installed")

    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    with pytest.raises(FlamingHorseError) as caught:
        Uninstalled(VoiceSettings(backend="qwen", model="Qwen/Some-Model")).check_ready()
    assert "the qwen voice (model Qwen/Some-Model) needs fh_surely_not_installed" in \
        caught.value.message
    assert "model Qwen/Some-Model is not on this machine" in caught.value.message  # both at once
    assert "pip install 'flaming-horse[qwen]'" in caught.value.hint


def test_load_script_reads_every_string_form_the_original_wrote(tmp_path):
    root = format_a(tmp_path / "p")
    assert load_script(root / "narration_script.py") == {
        "intro": f"{INTRO[:40]}\n{INTRO[40:]}", "history": HISTORY, "proof": PROOF}


def test_deleting_script_md_after_a_build_converts_again_from_the_kept_originals(tmp_path):
    root = format_a(tmp_path / "p")
    (root / "final_video.mp4").write_bytes(b"the original's video")
    convert(root)
    kept = digests(root / ORIGINAL_DIR)
    ours = {"plan.json": json.dumps({"input_hash": "h", "plan": {"title": "ours"}}),
            "project_state.json": json.dumps({"version": 1, "stages": {}}),
            "final_video.mp4": "our video"}
    for name, text in ours.items():  # what our build writes under the original's names
        (root / name).write_text(text)
    (root / "script.md").unlink()

    again = convert(root)

    assert digests(root / ORIGINAL_DIR) == kept and not again.kept  # nothing of ours was kept
    assert {name: (root / name).read_text() for name in ours} == ours  # nor moved
    plan = compile_script((root / "script.md").read_text()).plan
    assert plan.title == "Squaring the Circle: The Impossible Construction"  # original/plan.json
    assert [s.title for s in plan.scenes][0] == "Introduction to Squaring the Circle"
    assert not any("exists: left as it is" in n for n in again.notes)  # the same settings
