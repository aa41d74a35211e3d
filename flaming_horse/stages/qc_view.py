"""What the QC page shows of each scene (``report.page.SceneView``), gathered from the project's
files: its title, its checks and timeline from the report, where its beats start (the clips'
durations), its layout findings and the frame they were measured in. The checks themselves are
``qc.py``'s."""

from __future__ import annotations

from flaming_horse import media
from flaming_horse.project import Project
from flaming_horse.report.model import QCReport
from flaming_horse.report.page import SceneView
from flaming_horse.stages.artifacts import clips, load_plan
from flaming_horse.stages.assemble import parts
from flaming_horse.stages.layout_findings import layout_report


def scene_views(project: Project, report: QCReport) -> list[SceneView]:
    """What the QC page shows of each scene: title, checks, timeline, beat starts (the clips'
    durations), layout findings and the frame they were measured in."""
    titles = {scene.id: scene.title for scene in load_plan(project).scenes}
    spoken = clips(project)
    views = []
    for scene_id, rendered, padded in parts(project):
        beats, start = [], 0.0
        for entry in spoken.get(scene_id, []):
            beats.append(round(start, 3))
            start += entry.duration if entry else 0.0
        layout = layout_report(rendered)
        timeline = report.timelines.get(scene_id, {})
        views.append(SceneView(
            scene_id, titles.get(scene_id, scene_id), padded,
            float(timeline.get("duration") or media.probe(padded).video_duration or 0.0),
            report.of(scene_id), timeline, beats,
            *(() if layout is None else (layout.findings, layout.frame))))
    return views
