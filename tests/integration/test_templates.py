"""The offline author: deterministic, valid scene code that renders in sync with its voice."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from flaming_horse.authoring.storyboard import (
    Beat, BulletList, CodeListing, Comparison, EquationSteps, FunctionPlot, Plan, Recap, Scene,
    TitleCard,
)
from flaming_horse.authoring.template import TEMPLATE_VERSION, scene_source

CODE = "\n".join(f"def step_{i}(x):\n    return x + {i}" for i in range(10))  # 20 lines: 2 pages

BEATS = [
    Beat(narration="Hello there.", visual=TitleCard(title="Every kind", subtitle="in one scene")),
    Beat(narration="Three points.", visual=BulletList(items=["One", "Two", "Three"])),
    Beat(narration="Same picture.", visual=None),
    Beat(narration="Some algebra.",
         visual=EquationSteps(steps=[r"a^2 + b^2 = c^2", r"c = \sqrt{a^2 + b^2}"])),
    Beat(narration="A curve.", visual=FunctionPlot(function="sin(x)", x_range=(-6, 6),
                                                   y_range=(-2, 2), label=r"y = \sin x")),
    Beat(narration="Some code.", visual=CodeListing(language="python", code=CODE)),
    Beat(narration="Two sides.", visual=Comparison(left_title="Old", right_title="New",
                                                    left=["slow"], right=["fast", "safe"])),
    Beat(narration="To recap.", visual=Recap(items=["First", "Second"])),
]
SCENE = Scene(id="scene_01", title="Everything at once", beats=BEATS)
PLAN = Plan(title="Templates", scenes=[SCENE])
NARRATIONS = [b.narration for b in BEATS]


def _duration(path: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                          "-of", "json", str(path)], capture_output=True, text=True, check=True)
    return float(json.loads(out.stdout)["format"]["duration"])


def test_scene_source_is_deterministic_and_compiles():
    first = scene_source(PLAN, SCENE, NARRATIONS)
    assert first == scene_source(PLAN, SCENE.model_copy(deep=True), list(NARRATIONS))
    compile(first, "scene_01.py", "exec")
    assert "class Scene01(kit.LayoutChecked, VoiceoverScene):" in first
    assert first.count("with self.voiceover(") == len(BEATS)
    assert not first.startswith("#"), "the pipeline adds its own header"
    assert isinstance(TEMPLATE_VERSION, str)
    for call in ("kit.title_card", "kit.bullet_list", "kit.equation_steps", "kit.function_plot",
                 "kit.code_pages", "kit.comparison", "kit.recap"):
        assert call in first


def test_scene_source_embeds_text_safely():
    nasty = 'He said "hi" \'\'\' and {braces} \\ backslash\n"""; import os'
    one_line = nasty.replace("\n", " ")  # a bullet is one line (storyboard.OneLine)
    with pytest.raises(ValueError, match="single line"):
        BulletList(items=[nasty])
    scene = Scene(id="scene_07", title=nasty, beats=[
        Beat(narration="x", visual=BulletList(items=[one_line, "ok"])),
        Beat(narration="y", visual=CodeListing(language="python", code=nasty)),
    ])
    source = scene_source(PLAN, scene, [nasty, "plain"])
    tree = ast.parse(source)
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)]
    assert strings.count(nasty) >= 2  # title, narration (code is split per line)
    assert one_line in strings  # the bullet
    assert "import os" not in [ast.unparse(n) for n in tree.body]
    assert "class Scene07(kit.LayoutChecked, VoiceoverScene):" in source


def test_scene_source_rejects_mismatched_narrations():
    with pytest.raises(ValueError):
        scene_source(PLAN, SCENE, NARRATIONS[:-1])


@pytest.mark.slow
def test_generated_scene_renders_in_sync_with_its_voice(tmp_path):
    project = tmp_path / "proj"
    scene_file = project / "scenes" / "scene_01.py"
    scene_file.parent.mkdir(parents=True)
    scene_file.write_text(scene_source(PLAN, SCENE, NARRATIONS), encoding="utf-8")
    media = tmp_path / "media"
    result = subprocess.run(
        [sys.executable, "-m", "manim", "render", "-ql", "--disable_caching",
         "--media_dir", str(media), str(scene_file.relative_to(project)), "Scene01"],
        cwd=project, capture_output=True, text=True, timeout=540,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    videos = list(media.glob("videos/**/Scene01.mp4"))
    assert len(videos) == 1
    clips = [p for p in (project / "media" / "voice").rglob("*")
             if p.suffix in {".mp3", ".wav"}]
    assert len(clips) == len(BEATS)
    voice = sum(_duration(p) for p in clips)
    assert _duration(videos[0]) == pytest.approx(voice, abs=0.2)
