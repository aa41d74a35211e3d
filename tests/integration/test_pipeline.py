"""End to end through the real CLI: create, no-op build, edit one scene, status, reset, render."""

from __future__ import annotations

import json
import re

import pytest

from flaming_horse import media
from flaming_horse.project import Project
from flaming_horse.stages.artifacts import load_narrations
from tests.helpers import events, fh, snapshot

pytestmark = pytest.mark.slow


def test_create_renders_narrated_video(built_project):
    final = media.probe(built_project / "final_video.mp4")
    assert final.has_video and final.has_audio
    assert final.height == 480 and final.fps == 15
    scenes = sorted((built_project / "media" / "assembled").glob("scene_*.mp4"))
    assert [p.name[:8] for p in scenes] == ["scene_01", "scene_02", "scene_03"]
    total = sum(media.probe(p).video_duration for p in scenes)
    assert abs(final.video_duration - total) <= 1 / 15
    # picture and narration end together: each scene lasts as long as its clips (+ < 2 frames)
    cache = json.loads((built_project / "media/voice/piper/cache.json").read_text())["entries"]
    by_text = {e["text"]: e["duration"] for e in cache.values()}
    narrations = load_narrations(Project(built_project))
    for scene_file in scenes:
        spoken = sum(by_text[t] for t in narrations[scene_file.name[:8]])
        info = media.probe(scene_file)
        assert abs(info.video_duration - spoken) <= 1 / 15, scene_file.name
        assert abs(info.audio_duration - info.video_duration) <= 1 / 15
    report = json.loads((built_project / "qc_report.json").read_text())
    assert report["passed"] and all(c["passed"] for c in report["checks"])
    # the renders carry their sound losslessly (scene_kit.soundtrack); the final video is AAC
    import av

    for render in sorted((built_project / "media" / "scenes").glob("scene_*.mp4")):
        with av.open(str(render)) as container:
            assert container.streams.audio[0].codec_context.name == "alac", render.name
    with av.open(str(built_project / "final_video.mp4")) as container:
        assert container.streams.audio[0].codec_context.name == "aac"
    # every beat spoken exactly once, every scene rendered exactly once
    assert len(events(built_project, "tts")) == sum(len(v) for v in narrations.values()) == 3
    assert sorted(e["scene"] for e in events(built_project, "render")) == [
        "scene_01", "scene_02", "scene_03"]
    # voice and render overlap: scene_01 renders while later scenes are still being spoken
    kinds = [(e["event"], e.get("scene")) for e in events(built_project)
             if e["event"] in ("tts", "render")]
    assert kinds.index(("render", "scene_01")) < max(
        i for i, (kind, _) in enumerate(kinds) if kind == "tts")


def test_noop_build_does_no_tts_and_no_render(project_copy):
    before_events = events(project_copy)
    before_files = snapshot(project_copy)
    result = fh("build", str(project_copy), env={"PYTHONPROFILEIMPORTTIME": "1"})
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()
                if line.startswith("import time:")}
    assert "flaming_horse.stages.qc" in imported  # the import log is there to look at
    assert not imported & {"faster_whisper", "ctranslate2", "manim", "torch"}, sorted(
        imported & {"faster_whisper", "ctranslate2", "manim", "torch"})  # nothing heavy
    assert events(project_copy) == before_events  # no "tts", no "render" event was appended
    assert snapshot(project_copy) == before_files  # no artifact was rewritten
    assert "unchanged" in result.stdout and "is up to date" in result.stdout
    dry = fh("build", "--dry-run", str(project_copy))
    assert "Nothing would run" in dry.stdout and "would run " not in dry.stdout, dry.stdout


def test_a_project_recorded_by_the_previous_version_resumes_with_nothing_rerun(project_copy):
    """The state as the versions before the ledger wrote it (format 1): outputs as a list of
    names without digests, no inputs in any record (before named inputs), no part records
    (before the part stage). The artifacts are all there, so nothing runs again, and the
    ledger is written in its own format: from then on it alone says what is done."""
    path = project_copy / "project_state.json"
    state = json.loads(path.read_text())
    state["version"] = 1
    del state["stages"]["part"]
    for record in state["stages"].values():
        for entry in [record, *record.get("scenes", {}).values()]:
            entry.pop("inputs", None)
            entry.pop("seconds", None)
            entry["outputs"] = sorted(entry.get("outputs", {}))
    path.write_text(json.dumps(state))
    before_events, before_files = events(project_copy), snapshot(project_copy)
    out = fh("build", str(project_copy)).stdout
    assert "done in" not in out and "is up to date" in out, out
    assert events(project_copy) == before_events and snapshot(project_copy) == before_files
    again = json.loads(path.read_text())
    assert again["version"] == 2
    assert again["stages"]["part"]["scenes"]["scene_01"]["status"] == "done"
    render = again["stages"]["render"]["scenes"]["scene_01"]
    assert "inputs" in render  # recorded for the next reason
    [name] = [n for n in render["outputs"] if n.endswith(".mp4")]
    assert name.startswith("media/scenes/scene_01-")
    assert len(render["outputs"][name]["sha256"]) == 64
    # the ledger decides now: a render changed behind its back is made again, and says so
    (project_copy / name).write_bytes(b"not a video")
    out = fh("build", str(project_copy)).stdout
    assert re.search(r"render +scene_01 +done in [\d.]+ s +\(output changed: " + re.escape(name),
                     out), out
    assert [e["scene"] for e in events(project_copy)[len(before_events):]
            if e["event"] == "render"] == ["scene_01"]


def test_editing_one_scene_redoes_only_that_scene(project_copy):
    renders = project_copy / "media" / "scenes"
    scene1 = {p.name: p.stat().st_mtime_ns for p in renders.glob("scene_01-*.mp4")}
    script = project_copy / "script.md"
    script.write_text(script.read_text().replace("That is the rule.", "That is the famous rule."))
    old_final = (project_copy / "final_video.mp4").stat().st_mtime_ns
    seen = len(events(project_copy))
    before = snapshot(project_copy)
    neighbours = set(project_copy.parent.iterdir())
    dry = fh("build", "-n", str(project_copy))  # says what would run and why, runs nothing
    assert re.search(r"plan +would run +\(changed: script \([^)]+\)\)", dry.stdout), dry.stdout
    assert snapshot(project_copy) == before and len(events(project_copy)) == seen
    assert set(project_copy.parent.iterdir()) == neighbours  # its scratch copy is gone
    foreseen = re.findall(r"▸ (\w+) +(scene_\d+ )?would run +\((.*?)\)\n", dry.stdout)
    out = fh("build", str(project_copy)).stdout
    ran = re.findall(r"✓ (\w+) +(scene_\d+ )?done in [\d.]+ s +\((.*?)\)\n", out)
    assert {(stage, scene.strip()) for stage, scene, _ in ran} == {
        ("plan", ""), ("narration", ""), ("scenes", "scene_02"), ("voice", "scene_02"),
        ("render", "scene_02"), ("hear", "scene_02"), ("part", "scene_02"), ("assemble", ""),
        ("qc", "")}, out
    # the dry run saw past the plan: every unit the build ran, for the same reason (qc's
    # reason can also name the clips heard, which only hearing the new clip changes)
    assert {u for u in foreseen if u[0] != "qc"} == {u for u in ran if u[0] != "qc"}, dry.stdout
    assert ("qc", "") in {(stage, scene) for stage, scene, _ in foreseen}, dry.stdout
    why = {stage: reason for stage, _, reason in ran}
    assert re.fullmatch(r"changed: narration \(beat \d+\)", why["voice"]), why
    assert "scenes (scene_02)" in why["narration"] and "voice clips (beat" in why["render"], why
    assert "scene renders (scene_02)" in why["assemble"], why
    new = events(project_copy)[seen:]
    assert [e["text"] for e in new if e["event"] == "tts"] == ["That is the famous rule."]
    assert [e["scene"] for e in new if e["event"] == "render"] == ["scene_02"]
    assert {p.name: p.stat().st_mtime_ns for p in renders.glob("scene_01-*.mp4")} == scene1
    assert len(list(renders.glob("scene_02-*.mp4"))) == 1  # the old render was replaced
    assert (project_copy / "final_video.mp4").stat().st_mtime_ns != old_final
    assert json.loads((project_copy / "qc_report.json").read_text())["passed"]


def test_a_dry_run_stops_where_the_build_would_fail(project_copy):
    """An edit the plan refuses (a picture that is not there): the dry run cannot see past the
    plan, says so, and lists nothing made from it; the build then fails at the plan."""
    script = project_copy / "script.md"
    script.write_text(script.read_text().replace("That is the rule.",
                                                 "That is the rule.\n\n![a](missing.png)\n"))
    dry = fh("build", "-n", str(project_copy)).stdout
    assert re.search(r"plan +would run +\(changed: script", dry), dry
    assert re.search(r"\? narration +decided after", dry) and "scene_0" not in dry, dry
    assert not [p for p in project_copy.parent.iterdir() if p.name.startswith(".fh-dry-run")]
    failed = fh("build", str(project_copy), check=False)
    assert failed.returncode == 1 and "missing.png" in failed.stderr


def test_a_scene_that_fails_to_render_holds_up_only_what_needs_it(project_copy):
    """The graph: scene_02's render fails (the user broke its file), so its part and the final
    video do not run; scene_01's render and part still do, and the build fails naming scene_02."""
    scenes = project_copy / "scenes"
    first = scenes / "scene_01.py"
    first.write_text(first.read_text() + "\n# edited: rendered again\n")
    broken = scenes / "scene_02.py"
    broken.write_text(broken.read_text().replace("    def construct(self):\n",
                                                 "    def construct(self):\n        1 / 0\n"))
    final = (project_copy / "final_video.mp4").stat().st_mtime_ns
    failed = fh("build", str(project_copy), "-j", "2", check=False)
    assert failed.returncode == 1 and "scene_02" in failed.stderr, failed.stdout + failed.stderr
    ran = set(re.findall(r"✓ (\w+) +(scene_\d+) done in", failed.stdout))
    assert ran == {("render", "scene_01"), ("part", "scene_01")}, failed.stdout
    assert re.search(r"✗ render +scene_02 failed", failed.stdout), failed.stdout
    assert "assemble" not in failed.stdout and "✓ qc" not in failed.stdout, failed.stdout
    assert (project_copy / "final_video.mp4").stat().st_mtime_ns == final
    state = json.loads((project_copy / "project_state.json").read_text())["stages"]
    assert state["render"]["scenes"]["scene_02"]["status"] == "failed"
    assert state["part"]["scenes"]["scene_01"]["status"] == "done"


def test_a_scene_taken_out_of_the_script_leaves_no_files(project_copy):
    """The runner discards what a unit supersedes once it is done: the third scene's file,
    render and part go with the final video made without it; the voice cache keeps its clip."""
    script = project_copy / "script.md"
    script.write_text(script.read_text().split("## Third idea")[0])
    def third() -> list:
        return sorted(p.name for p in project_copy.rglob("scene_03*")
                      if "manim" not in p.parts and "log" not in p.parts)
    assert third()  # scene file, render (+ layout), part (+ its checks)
    clips = sorted((project_copy / "media" / "voice").rglob("*.mp3"))
    fh("build", str(project_copy))
    assert third() == []
    assert sorted((project_copy / "media" / "voice").rglob("*.mp3")) == clips
    state = json.loads((project_copy / "project_state.json").read_text())["stages"]
    assert set(state["render"]["scenes"]) == {"scene_01", "scene_02"}
    assert json.loads((project_copy / "qc_report.json").read_text())["passed"]


def test_status_and_reset(project_copy):
    status = json.loads(fh("status", str(project_copy), "--json").stdout)
    assert all(v == [] for v in status["pending"].values()), status["pending"]
    assert status["stages"]["render"]["scenes"]["scene_02"]["status"] == "done"
    fh("reset", str(project_copy), "--stage", "render", "--scene", "2")
    assert not list((project_copy / "media" / "scenes").glob("scene_02-*.mp4"))
    status = json.loads(fh("status", str(project_copy), "--json").stdout)
    assert status["pending"]["render"] == ["scene_02"]
    assert status["reasons"]["render"] == {"scene_02": "reset by user"}, status["reasons"]
    assert status["stages"]["render"]["scenes"]["scene_02"]["status"] == "reset"
    seen = len(events(project_copy))
    out = fh("build", str(project_copy)).stdout
    assert re.search(r"render +scene_02 done in [\d.]+ s +\(reset by user\)", out), out
    assert [e["scene"] for e in events(project_copy)[seen:] if e["event"] == "render"] == [
        "scene_02"]


def test_render_one_scene_prints_video_and_still(project_copy):
    result = fh("render", str(project_copy), "--scene", "2")
    assert "video:" in result.stdout and "still:" in result.stdout
    still = project_copy / "media" / "preview" / "scene_02.png"
    assert still.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the project is at low quality already: the preview reuses the build's render
    assert events(project_copy, "render")[-1]["scene"] == "scene_03"
    bad = fh("render", str(project_copy), "--scene", "9", check=False)
    assert bad.returncode == 1 and "no scene 9" in bad.stderr


def test_lost_cache_index_is_rebuilt_from_audio(project_copy):
    index = project_copy / "media" / "voice" / "piper" / "cache.json"
    before = json.loads(index.read_text())["entries"]
    index.unlink()
    seen = len(events(project_copy))
    fh("build", str(project_copy))
    assert events(project_copy)[seen:] == []  # nothing re-spoken, nothing re-rendered
    after = json.loads(index.read_text())["entries"]
    assert set(after) == set(before)
    from flaming_horse_voice.audio import measure_duration
    for key, entry in after.items():
        assert entry["duration"] == measure_duration(index.parent / entry["audio"])
        assert entry["text"] == before[key]["text"]


def test_corrupt_state_is_rebuilt_from_artifacts(project_copy):
    (project_copy / "project_state.json").write_text("{not json")
    seen = len(events(project_copy))
    result = fh("build", str(project_copy))
    assert "unreadable" in result.stdout
    assert events(project_copy)[seen:] == []
    state = json.loads((project_copy / "project_state.json").read_text())
    assert state["stages"]["render"]["scenes"]["scene_01"]["status"] == "done"
    assert state["stages"]["qc"]["status"] == "done"


def test_parallel_render_gives_the_same_scenes_as_serial(project_copy):
    renders = project_copy / "media" / "scenes"
    serial = {p.name: (media.probe(p).video_duration, media.probe(p).frames)
              for p in renders.glob("*.mp4")}
    fh("reset", str(project_copy), "--stage", "render")
    seen = len(events(project_copy))
    fh("build", str(project_copy), "-j", "2")
    new = events(project_copy)[seen:]
    parallel = {p.name: (media.probe(p).video_duration, media.probe(p).frames)
                for p in renders.glob("*.mp4")}
    assert parallel == serial  # same inputs -> same names, durations and frame counts
    kinds = [e["event"] for e in new]
    assert kinds[:2] == ["render", "render"]  # the second scene started before the first ended
    assert sorted(e["scene"] for e in new if e["event"] == "rendered") == [
        "scene_01", "scene_02", "scene_03"]


def test_a_formula_latex_rejects_is_reported_with_its_line_before_any_render(tmp_path):
    script = tmp_path / "bad.md"
    script.write_text("# Bad\n\n## One\n\nSome words here.\n\n$$ x = 2 $$\n$$ x = \\notamacro{1} $$\n")
    result = fh("create", "bad", "--topic", str(script), "--projects-dir", str(tmp_path),
                check=False)
    assert result.returncode == 1
    assert "script.md:8" in result.stderr and "LaTeX cannot compile" in result.stderr
    assert events(tmp_path / "bad") == []  # nothing spoken, nothing rendered


def test_formulas_compiled_by_the_plan_are_not_compiled_again_by_the_render(tmp_path):
    script = tmp_path / "eq.md"
    script.write_text("# Eq\n\n## One\n\nA short line.\n\n$$ y = x^2 $$\n$$ y' = 2x $$\n")
    fh("create", "eq", "--topic", str(script), "--projects-dir", str(tmp_path))
    log = (tmp_path / "eq" / "log" / "render" / "scene_01.log").read_text()
    assert "Writing" not in log  # manim logs "Writing ... .tex" only when it compiles LaTeX
