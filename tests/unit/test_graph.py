"""The build's declared graph: which unit needs which, per scene and across scenes."""

from __future__ import annotations

from flaming_horse.graph import MADE_FROM, NEEDS, RUNS_ON, edges
from flaming_horse.project import STAGES


def test_a_scene_needs_only_its_own_units_and_the_final_video_needs_every_scene():
    graph = edges(list(STAGES), ["scene_01", "scene_02"])
    assert graph[("render", "scene_02")] == {("voice", "scene_02")}
    assert graph[("part", "scene_01")] == {("render", "scene_01")}
    assert graph[("hear", "scene_01")] == {("voice", "scene_01")}
    assert graph[("assemble", None)] == {("part", "scene_01"), ("part", "scene_02")}
    assert graph[("qc", None)] == {("assemble", None), ("hear", "scene_01"), ("hear", "scene_02")}
    assert ("plan", None) not in graph  # the stages before the voice run one after another


def test_a_build_that_stops_early_has_no_units_past_its_last_stage():
    graph = edges(list(STAGES[:STAGES.index("render") + 1]), ["scene_01"])
    assert set(graph) == {("voice", "scene_01"), ("render", "scene_01")}


def test_every_stage_is_declared_and_needs_only_earlier_stages():
    assert set(NEEDS) == set(RUNS_ON) and set(MADE_FROM) == set(STAGES)
    for stage, needs in {**NEEDS, **MADE_FROM}.items():
        assert all(STAGES.index(n) < STAGES.index(stage) for n in needs), stage
