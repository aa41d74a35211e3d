"""qc: ffprobe the final video and every scene; write qc_report.json; fail naming the scene."""

from __future__ import annotations

import json
from typing import Any

from flaming_horse import media
from flaming_horse.errors import QCError
from flaming_horse.hashing import hash_json
from flaming_horse.pipeline import Unit
from flaming_horse.project import QUALITIES, Project
from flaming_horse.reporting import Progress
from flaming_horse.stages.artifacts import recorded_hash as json_hash
from flaming_horse.stages.assemble import final_hash, parts
from flaming_horse_voice import atomic

QC_VERSION = "1"


def _check(scope: str, name: str, value: Any, threshold: Any, passed: bool) -> dict[str, Any]:
    return {"scope": scope, "check": name, "value": value, "threshold": threshold,
            "passed": bool(passed)}


def run_checks(project: Project) -> list[dict[str, Any]]:
    settings = project.settings
    _, height, fps = QUALITIES[settings.quality]
    frame = 1.0 / fps
    max_drift = settings.qc_max_av_drift_frames * frame
    checks = []
    total = 0.0
    for scene_id, _, padded in parts(project):
        info = media.probe(padded)
        checks.append(_check(scene_id, "streams", {"video": info.has_video, "audio": info.has_audio},
                             "video and audio", info.has_video and info.has_audio))
        if info.has_video and info.has_audio:
            drift = abs(info.audio_duration - info.video_duration)
            checks.append(_check(scene_id, "av_drift_s", round(drift, 4), round(max_drift, 4),
                                 drift <= max_drift))
        total += info.video_duration or 0.0
    final = media.probe(project.final_video)
    checks.append(_check("final", "streams", {"video": final.has_video, "audio": final.has_audio},
                         "video and audio", final.has_video and final.has_audio))
    checks.append(_check("final", "resolution", f"{final.width}x{final.height}@{final.fps:g}",
                         f"height {height} at {fps} fps", final.height == height
                         and final.fps is not None and abs(final.fps - fps) < 0.01))
    gap = abs((final.video_duration or 0.0) - total)
    checks.append(_check("final", "duration_vs_scenes_s", round(gap, 4), round(frame, 4),
                         gap <= frame))
    return checks


def units(project: Project, scenes: list[str] | None = None) -> list[Unit]:
    digest = hash_json({"final": final_hash(project), "version": QC_VERSION,
                        "quality": project.settings.quality,
                        "drift": project.settings.qc_max_av_drift_frames})

    def is_done() -> bool:
        if json_hash(project.qc_report) != digest:
            return False
        return bool(read_report(project).get("passed"))

    def run(progress: Progress) -> None:
        checks = run_checks(project)
        failed = [c for c in checks if not c["passed"]]
        atomic.write_json(project.qc_report, {"input_hash": digest, "passed": not failed,
                                              "checks": checks})
        if failed:
            listed = "; ".join(f"{c['scope']} {c['check']}: {c['value']} (limit {c['threshold']})"
                               for c in failed)
            raise QCError(f"quality checks failed: {listed}",
                          hint=f"see {project.qc_report}; re-render the scene with "
                               "flaming-horse reset DIR --stage render, then build")

    return [Unit("qc", None, digest, is_done=is_done, run=run, outputs=lambda: [project.qc_report])]


def read_report(project: Project) -> dict[str, Any]:
    try:
        return json.loads(project.qc_report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}

