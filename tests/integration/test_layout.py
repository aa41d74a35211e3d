"""Layout checks on what manim really draws: off-frame and overlapping text are caught with the
right mobjects and times; the shipped examples are clean; a hand-edited scene fails QC."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import REPO, fh

pytestmark = pytest.mark.slow

BAD_SCENE = '''
from manim import *
from flaming_horse import scene_kit as kit

kit.configure()


class Bad(kit.LayoutChecked, Scene):
    def construct(self):
        self.play(FadeIn(Text("Inside the frame")), run_time=1)
        far = Text("Far too far to the right").move_to(RIGHT * 6)
        self.play(FadeIn(far), run_time=1)
        self.play(FadeOut(far), run_time=0.5)
        a = MathTex(r"x^2 + y^2").move_to(DOWN * 2)
        b = Text("label over it").move_to(DOWN * 2 + RIGHT * 0.3)
        self.play(FadeIn(a), FadeIn(b), run_time=1)
        self.wait(0.5)
'''


def test_off_frame_and_overlapping_text_are_caught_with_mobjects_and_times(tmp_path):
    (tmp_path / "bad.py").write_text(BAD_SCENE)
    report = tmp_path / "layout.json"
    env = {**os.environ, "FLAMING_HORSE_LAYOUT_REPORT": str(report)}
    subprocess.run([sys.executable, "-m", "manim", "render", "-ql", "--media_dir",
                    str(tmp_path / "media"), "bad.py", "Bad"], cwd=tmp_path, env=env,
                   check=True, capture_output=True, timeout=300)
    findings = json.loads(report.read_text())["findings"]
    assert [f["kind"] for f in findings] == ["off_frame", "overlap"]
    off, over = findings
    assert off["mobjects"] == ["Text('Far too far to the right')"]
    assert off["time"] == pytest.approx(1.5, abs=0.1) and off["amount"] > 2  # fading in
    assert over["mobjects"] == ["MathTex('x^2 + y^2')", "Text('label over it')"]
    assert over["time"] == pytest.approx(3.0, abs=0.1)  # half-way through both fading in
    assert over["phase"] == "mid-transition"


EXAMPLES = sorted(p.stem for p in (REPO / "examples").glob("*.md"))


@pytest.mark.parametrize("example", EXAMPLES)
def test_shipped_examples_pass_every_check_and_show_more_than_they_hold(tmp_path, example):
    """Each example: 0 layout findings (at animation ends and mid-way), held_share <= 0.30 with
    no still hold over 5 s, and a figure on screen at least 60% of the time."""
    fh("create", example, "--topic", str(REPO / "examples" / f"{example}.md"),
       "--projects-dir", str(tmp_path), "-q", "low")
    report = json.loads((tmp_path / example / "qc_report.json").read_text())
    layout = [c for c in report["checks"] if c["check"] == "layout"]
    assert layout and all(c["value"] == "clean" for c in layout)
    assert report["passed"]
    final = {c["check"]: c["value"] for c in report["checks"] if c["scope"] == "final"}
    assert final["held_share"]["share"] <= 0.30 and final["held_share"]["longest_s"] <= 5.0
    assert final["figure_share"]["share"] >= 0.60


def test_a_hand_edited_scene_that_overflows_fails_qc_unless_set_to_warn(project_copy):
    scene = project_copy / "scenes" / "scene_02.py"
    source = scene.read_text()
    marker = "            s.finish(self)\n"
    assert marker in source
    scene.write_text(source.replace(marker, "            self.play(FadeIn(Text('Runs off "
                                    "the edge').to_edge(RIGHT, buff=-2)), run_time=0.3)\n"
                                    + marker, 1))
    failed = fh("build", str(project_copy), check=False)
    assert failed.returncode == 1
    assert "scene_02 layout" in failed.stderr and "Runs off the edge" in failed.stderr
    preview = fh("render", str(project_copy), "--scene", "2")
    assert "off_frame" in preview.stdout and "Runs off the edge" in preview.stdout
    config = project_copy / "flaming-horse.toml"
    config.write_text(config.read_text() + '\n[qc]\nlayout = "warn"\n')
    fh("build", str(project_copy))  # passes, and the finding stays in the report
    report = json.loads((project_copy / "qc_report.json").read_text())
    layout = next(c for c in report["checks"] if c["scope"] == "scene_02"
                  and c["check"] == "layout")
    assert layout["passed"] and "Runs off the edge" in layout["value"][0]


CROSSFADE = '''
from manim import *
from flaming_horse import scene_kit as kit

kit.configure()


class Crossfade(kit.LayoutChecked, Scene):
    def construct(self):
        title = Text("A title card")
        self.play(FadeIn(title), run_time=1)
        row = Text("A bullet row").move_to(title)
        self.play(FadeOut(title), FadeIn(row), run_time=1)  # both half there mid-way
        self.play(FadeOut(row), run_time=0.5)
        again = Text("Then one after the other")
        self.play(FadeIn(again), run_time=1)
'''


def test_text_fading_in_over_fading_text_is_caught_mid_transition(tmp_path):
    """At animation ends the picture is clean; halfway through the cross-fade it is not."""
    (tmp_path / "crossfade.py").write_text(CROSSFADE)
    report = tmp_path / "layout.json"
    env = {**os.environ, "FLAMING_HORSE_LAYOUT_REPORT": str(report)}
    subprocess.run([sys.executable, "-m", "manim", "render", "-ql", "--media_dir",
                    str(tmp_path / "media"), "crossfade.py", "Crossfade"], cwd=tmp_path, env=env,
                   check=True, capture_output=True, timeout=300)
    findings = json.loads(report.read_text())["findings"]
    assert [(f["kind"], f.get("phase")) for f in findings] == [("overlap", "mid-transition")]
    assert findings[0]["mobjects"] == ["Text('A title card')", "Text('A bullet row')"]
    assert findings[0]["time"] == pytest.approx(1.5, abs=0.1)  # half-way through the cross-fade
