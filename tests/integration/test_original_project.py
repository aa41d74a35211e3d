"""A project made by the original flaming-horse, through the real CLI: converted once, built with
its own clips (no synthesis, no model), and a changed narration without the model stopping in
seconds, before anything renders. The clips are real MP3s made by ffmpeg, as the original made
them (mono, 24 kHz, 192k)."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from flaming_horse import media
from flaming_horse.project import State
from tests.helpers import events, fh, voice_reference

pytestmark = pytest.mark.slow

MODEL = "Qwen/Qwen3-TTS-12Hz-1.7B-Base"
TEXTS = {"intro": "Imagine being asked to draw a square\nwith the same area as a circle.",
         "history": "For two thousand years, people tried. In 1882 it was shown impossible.",
         "proof": "The reason is that pi is *transcendental*: it costs more than $5 to explain."}


def spoken_clip(path: Path, text: str) -> None:
    """The original's clip of ``text``: real speech (Piper), as a 24 kHz MP3 like Qwen's, so
    that the build hears it say its narration."""
    from flaming_horse_voice.audio import encode_audio
    from flaming_horse_voice.factory import create_backend
    from flaming_horse_voice.settings import VoiceSettings

    path.parent.mkdir(parents=True, exist_ok=True)
    said = create_backend(VoiceSettings()).synthesize(" ".join(text.replace("*", "").split()))
    wav = path.with_suffix(".wav")
    encode_audio(said.samples, said.sample_rate, "wav", wav)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(wav), "-ar", "24000", "-ac", "1",
                    "-b:a", "192k", str(path)], check=True)
    wav.unlink()


def clip(path: Path, seconds: float, frequency: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency={frequency}:duration={seconds}", "-ar", "24000", "-ac", "1",
                    "-b:a", "192k", str(path)], check=True)


def original_project(root: Path, with_wav: bool, era: str = "A") -> Path:
    """Format A: ids scene_0N_<slug>, narration keys the slugs, texts triple-quoted and in
    parentheses. Format C: ids scene_0N, narration keys the ids, one JSON string per text.
    Both with voice_clone_config.json as new_project.sh wrote it, clips in
    media/voiceovers/qwen/<key>.mp3 and the original's scene code flat in the folder."""
    root.mkdir(parents=True)
    if era == "A":
        ids = {key: f"scene_0{n}_{key}" for n, key in enumerate(TEXTS, start=1)}
        keys = {key: key for key in TEXTS}
        (root / "plan.json").write_text(json.dumps({
            "title": "Squaring the circle", "topic_summary": "...", "scenes": [
                {"id": ids[key], "title": f"About the {key}", "narration_key": key,
                 "narration_summary": f"The {key}", "estimated_duration": "30s",
                 "animations": [f"Animate the {key}"], "complexity": "low", "risk_flags": []}
                for key in TEXTS]}))
        (root / "narration_script.py").write_text(
            '"""\nNarration script for: Squaring the circle\n"""\n\nSCRIPT = {\n'
            f'    "intro": """{TEXTS["intro"]}""",\n'
            f'    "history": (\n        "{TEXTS["history"][:38]}"\n'
            f'        "{TEXTS["history"][38:]}"\n    ),\n'
            f'    "proof": {TEXTS["proof"]!r},\n}}\n')
    else:
        ids = keys = {key: f"scene_0{n}" for n, key in enumerate(TEXTS, start=1)}
        (root / "plan.json").write_text(json.dumps({
            "title": "Squaring the circle", "description": "...", "target_duration_seconds": 90,
            "scenes": [{"id": ids[key], "narration_key": ids[key], "title": f"About the {key}",
                        "description": f"The {key}", "estimated_duration_seconds": 30,
                        "visual_ideas": [f"Animate the {key}"]} for key in TEXTS]}, indent=2))
        (root / "narration_script.py").write_text(
            "# Voiceover script\n\nSCRIPT = {\n" + "".join(
                f"    {json.dumps(ids[key])}: {json.dumps(text)},\n"
                for key, text in TEXTS.items()) + "}\n")
    (root / "voice_clone_config.json").write_text(json.dumps({
        "qwen_python": "~/IdeaProjects/flaming-horse/models/qwen3-tts-local/.venv/bin/python",
        "model_id": MODEL, "device": "cpu", "dtype": "float32", "language": "English",
        "ref_audio": "assets/voice_ref/ref.wav", "ref_text": "assets/voice_ref/ref.txt",
        "output_dir": "media/voiceovers/qwen"}, indent=2))
    voice_reference(root / "assets" / "voice_ref")
    if not with_wav:  # the original's .gitignore left *.wav out
        (root / "assets" / "voice_ref" / "ref.wav").unlink()
    for key, text in TEXTS.items():
        spoken_clip(root / "media" / "voiceovers" / "qwen" / f"{keys[key]}.mp3", text)
    (root / "project_state.json").write_text(json.dumps({
        "project_name": "circle", "phase": "complete",
        "scenes": [{"id": ids[key], "file": f"{ids[key]}.py"} for key in TEXTS]}))
    for key in TEXTS:  # run, it would leave a mark
        (root / f"{ids[key]}.py").write_text(f"open({str(root / 'RAN')!r}, 'w')\n")
    return root


def no_model(tmp_path: Path) -> dict[str, str]:
    """An empty Hugging Face cache: the Qwen weights are not on this machine."""
    return {"HF_HUB_CACHE": str(tmp_path / "empty-hf-cache"), "HF_HUB_OFFLINE": "1"}


def test_an_original_project_builds_from_its_own_clips(tmp_path):
    project = original_project(tmp_path / "circle", with_wav=True)
    state_bytes = (project / "project_state.json").read_bytes()

    run = fh("build", str(project), "--quality", "low", env=no_model(tmp_path), check=False)
    output = " ".join((run.stdout + run.stderr).split())  # the console wraps long lines

    assert "a project made by the original flaming-horse" in output, output
    assert "wrote script.md (3 scenes" in output and "wrote flaming-horse.toml" in output
    assert "original/project_state.json" in output
    assert "recovered 3 clips, 0 stale, 0 missing" in output, output
    assert "unreadable" not in output  # the original's state was moved aside, not misread
    assert not events(project, "tts")  # zero synthesis, and no model needed for it
    recovered = events(project, "voice_recovered")
    assert sorted(e["source"] for e in recovered) == [
        f"legacy:media/voiceovers/qwen/{key}.mp3" for key in sorted(TEXTS)]
    for event in recovered:  # measured from the MP3s
        mp3 = project / event["source"].split(":", 1)[1]
        assert abs(event["audio_seconds"] - media.probe(mp3).audio_duration) < 0.1, event
    # the video: three scenes (each shows a title card until visuals are added), QC passes
    assert media.probe(project / "final_video.mp4").has_audio
    failed = [c for c in json.loads((project / "qc_report.json").read_text())["checks"]
              if not c["passed"]]
    assert not failed and run.returncode == 0, (failed, output)
    assert sorted(p.name[:8] for p in (project / "media" / "scenes").glob("*.mp4")) == [
        "scene_01", "scene_02", "scene_03"]
    # the original's files: its state kept byte for byte, its scene code never run
    assert (project / "original" / "project_state.json").read_bytes() == state_bytes
    assert json.loads((project / "project_state.json").read_text())["version"] == State.VERSION  # ours
    assert not (project / "RAN").exists()

    # later: a narration changes, and another scene must render again; without the model the
    # build stops in seconds and renders nothing, not even the scene whose clip is there
    script = project / "script.md"
    script.write_text(script.read_text().replace("shown impossible", "finally shown impossible"))
    for video in (project / "media" / "scenes").glob("scene_01-*"):
        video.unlink()
    renders = len(events(project, "render"))
    started = time.monotonic()
    again = fh("build", str(project), "--quality", "low", env=no_model(tmp_path), check=False)
    said = " ".join((again.stdout + again.stderr).split())
    assert again.returncode != 0 and time.monotonic() - started < 30, said
    assert f"model {MODEL} is not on this machine" in said
    assert len(events(project, "render")) == renders, said
    assert not list((project / "media" / "scenes").glob("scene_01-*.mp4"))


def test_a_changed_narration_without_the_model_stops_before_rendering(tmp_path):
    project = original_project(tmp_path / "circle", with_wav=False, era="C")
    clip(project / "media" / "voiceovers" / "qwen" / "orphan.mp3", 0.5, 900)  # no key names it
    env = no_model(tmp_path)
    status = fh("status", str(project), "--json", env=env)
    assert json.loads(status.stdout)["pending"]["plan"] == ["plan"]  # stdout: only the JSON
    said = " ".join(status.stderr.split())
    assert "converted circle" in said and "ref.wav is not here" in said  # notes, not errors
    assert "orphan.mp3 belongs to no narration" in said
    assert "converted" not in fh("status", str(project), env=env).stdout  # once only

    script = project / "script.md"
    script.write_text(script.read_text().replace("shown impossible", "finally shown impossible"))
    started = time.monotonic()
    run = fh("build", str(project), env=env, check=False)
    seconds = time.monotonic() - started
    output = " ".join((run.stdout + run.stderr).split())  # the console wraps long lines

    assert run.returncode != 0 and seconds < 30, (seconds, output)
    assert "recovered 2 clips" in output, output
    assert "scene_02 has narration with no clip yet (1 clip: new or changed text" in output, \
        output
    assert f"model {MODEL} is not on this machine" in output
    assert f"huggingface-cli download {MODEL}" in output
    assert "ref.wav does not exist" in output  # every problem at once
    assert not events(project, "tts") and not events(project, "render")
    assert not list((project / "media").rglob("*.mp4"))  # nothing rendered
