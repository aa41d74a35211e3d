"""Finishing and full QC on real files: chapters, subtitles, loudness, black/frozen/silent
stretches, blank scenes, and the qc command."""

from __future__ import annotations

import json
import re
import subprocess

import av
import pytest

from flaming_horse import media
from tests.helpers import events, fh

pytestmark = pytest.mark.slow
FRAME = 1 / 15


def _srt(path) -> list[tuple[float, float, str]]:
    cues = []
    for block in path.read_text().strip().split("\n\n"):
        lines = block.splitlines()
        times = re.findall(r"(\d+):(\d+):(\d+),(\d+)", lines[1])
        start, end = (int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000
                      for h, m, s, ms in times)
        cues.append((start, end, " ".join(lines[2:])))
    return cues


def test_final_video_has_chapters_subtitles_and_target_loudness(built_project):
    final = built_project / "final_video.mp4"
    chapters = media.chapters(final)
    assert [c["title"] for c in chapters] == ["First idea", "Second idea", "Third idea"]
    scenes = sorted((built_project / "media" / "assembled").glob("scene_*.mp4"))
    bounds, start = [], 0.0
    for scene in scenes:
        end = start + media.probe(scene).video_duration
        bounds.append((start, end))
        start = end
    for chapter, (begin, end) in zip(chapters, bounds):
        assert abs(chapter["start"] - begin) <= FRAME and abs(chapter["end"] - end) <= FRAME
    cues = _srt(built_project / "final_video.srt")
    assert [c[2] for c in cues] == ["Three points matter here.", "That is the rule.",
                                    "And that is all."]
    for (cue_start, cue_end, _), (begin, end) in zip(cues, bounds):  # one clip per scene here
        assert begin <= cue_start < begin + 0.5  # speech starts just after the clip starts
        assert abs(cue_end - end) <= FRAME  # and the cue runs to the clip's (= scene's) end
    level = media.loudness(final)
    assert abs(level["input_i"] - (-16.0)) <= 1.0 and level["input_tp"] <= -1.0


def _crafted(path) -> None:
    """6 s: black 0-1.5, moving 1.5-3, a held still 3-6; tone 0-1, silence 1-3, tone 3-6."""
    graph = ("color=black:s=320x240:r=15:d=1.5[a];testsrc2=s=320x240:r=15:d=1.5[b];"
             "color=gray:s=320x240:r=15:d=3[c];[a][b][c]concat=n=3:v=1:a=0[v];"
             "sine=f=440:d=1[t1];anullsrc=r=48000:cl=mono,atrim=0:2[s];sine=f=440:d=3[t2];"
             "[t1][s][t2]concat=n=3:v=0:a=1[out]")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-filter_complex", graph, "-map", "[v]",
                    "-map", "[out]", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
                    str(path)], check=True)


def test_black_frozen_and_silent_stretches_are_found(tmp_path):
    clip = tmp_path / "crafted.mp4"
    _crafted(clip)
    found = media.analyse(clip, black_s=0.5, freeze_s=1.0, silence_s=0.5).stretches
    (black_start, black_end), = found["black"]
    assert black_start == pytest.approx(0.0, abs=0.1) and black_end == pytest.approx(1.5, abs=0.1)
    assert any(a == pytest.approx(3.0, abs=0.2) and b > 5.5 for a, b in found["freeze"])
    (quiet_start, quiet_end), = found["silence"]
    assert quiet_start == pytest.approx(1.0, abs=0.1) and quiet_end == pytest.approx(3.0, abs=0.1)


def test_held_share_measures_a_scene_that_holds_still_for_6_s(tmp_path):
    from flaming_horse.stages.qc import held_check

    clip = tmp_path / "held.mp4"
    graph = ("testsrc2=s=320x240:r=15:d=2[a];color=gray:s=320x240:r=15:d=6[b];"
             "[a][b]concat=n=2:v=1:a=0[v]")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-filter_complex", graph, "-map", "[v]",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", str(clip)], check=True)
    length = media.probe(clip).video_duration
    found = media.analyse(clip, black_s=0.5, freeze_s=2.0, silence_s=0.5).stretches
    measured = held_check("scene_01", found["freeze"], length)
    assert measured.check == "held_share" and measured.passed  # a measure, never a fail
    assert measured.value["longest_s"] == pytest.approx(6.0, abs=0.3)
    assert measured.value["share"] == pytest.approx(0.75, abs=0.05)
    moving = tmp_path / "moving.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=s=320x240:r=15:d=4", "-pix_fmt", "yuv420p", str(moving)], check=True)
    found = media.analyse(moving, black_s=0.5, freeze_s=2.0, silence_s=0.5).stretches
    still = held_check("scene_02", found["freeze"], 4.0)
    assert still.value == {"share": 0.0, "held_s": 0.0, "longest_s": 0.0}


def test_blank_scene_fails_qc_naming_it(tmp_path):
    script = tmp_path / "blank.md"
    script.write_text("# Blank\n\n## Something\n\nSome words.\n\n- A point\n\n"
                      "## Nothing\n\nThis scene draws nothing but its title.\n")
    result = fh("create", "blank", "--topic", str(script), "--projects-dir", str(tmp_path),
                check=False)
    assert result.returncode == 1
    assert "scene_02 drawn_below_title" in result.stderr and "scene_01" not in result.stderr
    report = json.loads((tmp_path / "blank" / "qc_report.json").read_text())
    assert not report["passed"]
    failed = {(c["scope"], c["check"]) for c in report["checks"] if not c["passed"]}
    assert ("scene_02", "drawn_below_title") in failed
    as_json = fh("qc", str(tmp_path / "blank"), "--json", check=False)
    assert as_json.returncode == 1 and json.loads(as_json.stdout)["passed"] is False


def _bottom_brightness(path, at: float) -> float:
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if frame.time >= at:
                gray = frame.to_ndarray(format="gray")
                return float((gray[int(gray.shape[0] * 0.8):] > 200).mean())
    raise AssertionError("no frame at that time")


def test_subtitles_as_a_soft_track_or_burned_in(project_copy):
    seen = len(events(project_copy))
    config = project_copy / "flaming-horse.toml"
    config.write_text(config.read_text() + 'subtitles = "soft"\n')
    fh("build", str(project_copy))
    streams = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-of", "json",
         str(project_copy / "final_video.mp4")], capture_output=True, text=True).stdout)["streams"]
    assert [s["codec_type"] for s in streams][:3] == ["video", "audio", "subtitle"]
    soft = _bottom_brightness(project_copy / "final_video.mp4", 0.8)
    config.write_text(config.read_text().replace('"soft"', '"burn"'))
    fh("build", str(project_copy))
    burned = _bottom_brightness(project_copy / "final_video.mp4", 0.8)
    assert burned > soft + 0.002  # white subtitle text drawn into the bottom of the picture
    assert events(project_copy)[seen:] == []  # only re-assembled: nothing spoken or rendered
    assert json.loads((project_copy / "qc_report.json").read_text())["passed"]
