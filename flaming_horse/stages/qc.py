"""qc: check the final video and every scene; write qc_report.json; fail naming the scene.

Per scene: streams, |audio - video| drift, black and frozen stretches, silences inside the
narration, and whether anything is drawn at all (blank or stub scenes). Overall: streams,
resolution and frame rate, duration equal to the sum of the scenes, loudness and true peak,
chapters. Each check records its value, threshold and pass/fail. Two measures never fail, per
scene and for the whole video: held_share (time in still holds of 2 s or more) and
figure_share (time a figure, not just text, is on screen)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from flaming_horse import media
from flaming_horse.errors import QCError
from flaming_horse.hashing import hash_json
from flaming_horse.unit import Unit, default_jobs
from flaming_horse.project import Project
from flaming_horse.settings import QUALITIES
from flaming_horse.report.model import Check, LayoutReport, QCReport, SceneChecks
from flaming_horse.report.page import write_page
from flaming_horse.reporting import Progress
from flaming_horse.stages.artifacts import load_plan
from flaming_horse.stages.assemble import final_hash, parts
from flaming_horse.stages.layout_findings import layout_report
from flaming_horse.stages.qc_view import scene_views
from flaming_horse_voice import atomic

QC_VERSION = "7"  # 2: black, freeze, silence, blank scenes, loudness, chapters; 3: layout;
# 4: timelines and the QC page; 5: held_share and figure_share; 6: spoken_match; 7: the
# waveform kept in the timeline, black and frozen stretches found at 15 fps at most
HOLD_S = 2.0  # a still picture this long or longer is a hold (held_share)
HELD = f"measure (holds of {HOLD_S:g} s or more)"  # held_share's threshold: it never fails


def _check(scope: str, name: str, value: Any, threshold: Any, passed: bool) -> Check:
    return Check(scope=scope, check=name, value=value, threshold=threshold, passed=bool(passed))


def _longest(spans: list[tuple[float, float]], end: float, inside: bool = False) -> float:
    """The longest stretch; with ``inside``, only stretches that do not touch either end."""
    lengths = [min(b, end) - a for a, b in spans
               if not inside or (a > 0.05 and min(b, end) < end - 0.05)]
    return round(max(lengths, default=0.0), 3)


def layout_check(project: Project, scene_id: str, report: LayoutReport | None) -> Check:
    """The layout findings LayoutChecked recorded (``report``: the render's layout report)."""
    mode = project.settings.qc.layout
    if report is None:
        return _check(scene_id, "layout", "not checked (the scene has no LayoutChecked)",
                      "no findings", True)
    findings = report.findings
    value = [finding.said() for finding in findings]
    return _check(scene_id, "layout", value or "clean", f"no findings ({mode})",
                  not findings or mode == "warn")


def held_check(scope: str, frozen: list, length: float) -> Check:
    """held_share: the share of the running time spent in still holds of HOLD_S or more."""
    held = [min(b, length) - a for a, b in frozen if min(b, length) - a >= HOLD_S]
    value = {"share": round(sum(held) / length, 3) if length > 0 else 0.0,
             "held_s": round(float(sum(held)), 3), "longest_s": round(max(held, default=0.0), 3)}
    return _check(scope, "held_share", value, HELD, True)


def figure_check(scope: str, report: LayoutReport | None) -> Check:
    """figure_share: the share of the running time a figure (anything but text and formulas)
    is on screen, as LayoutChecked timed it from the mobjects manim drew."""
    if report is None or report.figure_s is None or not report.checked_s:
        return _check(scope, "figure_share", "not measured (rendered before it was timed)",
                      "measure", True)
    value = {"share": round(min(1.0, report.figure_s / report.checked_s), 3),
             "figure_s": report.figure_s}
    return _check(scope, "figure_share", value, "measure", True)


def spoken_check(project: Project, scene_id: str, rows: list | None,
                 skipped: str | None) -> Check:
    """spoken_match: whether every clip of the scene said its narration, as the recogniser
    heard it (``rows``: (text, Hearing or None) per clip); each failing clip with the words
    missing and added."""
    mode = project.settings.qc.spoken
    threshold = f"every clip says its text ({mode})"
    if skipped is not None or rows is None:
        return _check(scene_id, "spoken_match", f"not checked: {skipped or 'no clips'}",
                      threshold, True)
    heard = [(text, h) for text, h in rows if h is not None]
    if len(heard) < len(rows):
        return _check(scene_id, "spoken_match", f"not checked: {len(rows) - len(heard)} clip(s) "
                      "not heard yet (run build)", threshold, True)
    failed = [{"text": text, "heard": h.transcript, "wer": round(h.verdict.wer, 3),
               "missing": h.verdict.missing, "added": h.verdict.added,
               "reasons": h.verdict.reasons} for text, h in heard if not h.verdict.passed]
    worst = max((h.verdict.wer for _, h in heard), default=0.0)
    value = {"clips": len(heard), "failed": failed, "wer": round(worst, 3)}
    return _check(scene_id, "spoken_match", value, threshold, not failed or mode == "warn")


def spoken_checks(project: Project) -> list[Check]:
    from flaming_horse.stages.artifacts import ear
    from flaming_horse.stages.hear import hearings

    skipped = ear(project).skipped
    rows = hearings(project) if skipped is None else {}
    return [spoken_check(project, scene_id, rows.get(scene_id), skipped)
            for scene_id, _, _ in parts(project)]


def video_measures(checks: list[Check], timelines: dict[str, dict[str, Any]],
                   total: float) -> list[Check]:
    """held_share and figure_share of the whole video, from its scenes' seconds."""
    by = {(c.scope, c.check): c.value for c in checks}
    out = []
    for name, seconds, threshold in (("held_share", "held_s", HELD),
                                     ("figure_share", "figure_s", "measure")):
        values = [by.get((scene, name)) for scene in timelines]
        if total <= 0 or not values or not all(isinstance(v, dict) for v in values):
            continue  # a scene not measured (rendered before figure_share was timed)
        spent = sum(v[seconds] for v in values)
        value = {"share": round(min(1.0, spent / total), 3), seconds: round(spent, 3)}
        if name == "held_share":
            value["longest_s"] = max(v["longest_s"] for v in values)
        out.append(_check("final", name, value, threshold, True))
    return out


def scene_checks(project: Project, scene_id: str, path, rendered=None,
                 timeline: dict[str, Any] | None = None) -> list[Check]:
    """The checks of one scene; ``timeline`` (if given) receives where its black, frozen and silent
    stretches are and its waveform, for the QC page."""
    qc = project.settings.qc
    fps = QUALITIES[project.settings.quality][2]
    info = media.probe(path)
    checks = [_check(scene_id, "streams", {"video": info.has_video, "audio": info.has_audio},
                     "video and audio", info.has_video and info.has_audio)]
    if not (info.has_video and info.has_audio):
        return checks
    drift = abs(info.audio_duration - info.video_duration)
    limit = qc.max_av_drift_frames / fps
    checks.append(_check(scene_id, "av_drift_s", round(drift, 4), round(limit, 4), drift <= limit))
    analysis = media.analyse(path, black_s=min(qc.max_black_s, 0.5),
                             freeze_s=min(qc.max_freeze_s, 2.0),
                             silence_s=min(qc.max_silence_s, 0.5))
    found = analysis.stretches
    length = info.video_duration
    if timeline is not None:
        timeline.update({"duration": round(length, 3), **{
            kind: [[round(a, 3), round(min(b, length), 3)] for a, b in spans]
            for kind, spans in found.items()}, "waveform": analysis.waveform})
    black = _longest(found["black"], length)
    frozen = _longest(found["freeze"], length)
    silent = _longest(found["silence"], length, inside=True)
    checks += [
        _check(scene_id, "longest_black_s", black, qc.max_black_s, black <= qc.max_black_s),
        _check(scene_id, "longest_freeze_s", frozen, qc.max_freeze_s, frozen <= qc.max_freeze_s),
        _check(scene_id, "longest_silence_in_narration_s", silent, qc.max_silence_s,
               silent <= qc.max_silence_s),
    ]
    checks.append(held_check(scene_id, found["freeze"], length))
    if rendered is not None:
        report = layout_report(rendered)
        checks += [layout_check(project, scene_id, report), figure_check(scene_id, report)]
    activity = analysis.activity
    checks.append(_check(scene_id, "visual_states", activity.states, qc.min_visual_states,
                         activity.states >= qc.min_visual_states))
    checks.append(_check(scene_id, "drawn_below_title", round(activity.body_drawn, 4), 0.003,
                         activity.body_drawn > 0.003))
    return checks


def final_checks(project: Project, scene_total: float, scenes: int) -> list[Check]:
    settings = project.settings
    _, height, fps = QUALITIES[settings.quality]
    final = media.probe(project.final_video)
    checks = [_check("final", "streams", {"video": final.has_video, "audio": final.has_audio},
                     "video and audio", final.has_video and final.has_audio),
              _check("final", "resolution", f"{final.width}x{final.height}@{final.fps:g}",
                     f"height {height} at {fps} fps",
                     final.height == height and final.fps is not None
                     and abs(final.fps - fps) < 0.01)]
    gap = abs((final.video_duration or 0.0) - scene_total)
    checks.append(_check("final", "duration_vs_scenes_s", round(gap, 4), round(1 / fps, 4),
                         gap <= 1 / fps))
    chapters = media.chapters(project.final_video)
    checks.append(_check("final", "chapters", len(chapters), scenes, len(chapters) == scenes))
    if final.has_audio:
        audio = settings.audio
        measured = media.loudness(project.final_video)
        level, peak = measured["input_i"], measured["input_tp"]
        if audio.normalize:
            tolerance = settings.qc.loudness_tolerance_lu
            checks.append(_check("final", "integrated_loudness_lufs", level,
                                 f"{audio.loudness} ± {tolerance}",
                                 abs(level - audio.loudness) <= tolerance))
        checks.append(_check("final", "true_peak_dbtp", peak, settings.qc.max_true_peak,
                             peak <= settings.qc.max_true_peak))
    return checks


def scene_cache_path(padded: Path) -> Path:
    """Where a scene's checks are kept (beside the padded scene; assemble drops stale ones)."""
    return padded.with_suffix(".qc.json")


def scene_key(project: Project, padded: Path) -> str:
    """What a scene's kept checks were made from: its padded file (whose name carries the render
    hash), the checks' version and the [qc] settings."""
    return hash_json({"scene": padded.name, "version": QC_VERSION, "qc": project.settings.qc,
                      "quality": project.settings.quality})


def kept_checks(padded: Path, key: str) -> SceneChecks | None:
    """A scene's checks kept beside its padded file, if they were made for ``key``."""
    try:
        kept = SceneChecks.model_validate_json(scene_cache_path(padded).read_bytes())
    except (OSError, ValueError):  # missing, or not kept checks (pydantic's error is one)
        return None
    return kept if kept.key == key else None


def cached_scene_checks(project: Project, scene_id: str, rendered: Path,
                        padded: Path) -> SceneChecks:
    """A scene's checks and timeline, reused while the scene (its padded file, whose name carries
    the render hash) and the [qc] settings are the same: after an edit, only the edited scene is
    decoded and analysed again."""
    key = scene_key(project, padded)
    kept = kept_checks(padded, key)
    if kept is not None:
        return kept
    timeline: dict[str, Any] = {}
    checks = scene_checks(project, scene_id, padded, rendered, timeline)
    result = SceneChecks(key=key, checks=checks, timeline=timeline)
    if padded.is_file():
        atomic.write_json(scene_cache_path(padded), result.model_dump(mode="json"))
    return result


def run_checks(project: Project, progress: Progress | None = None) -> QCReport:
    """Every check, and each scene's timeline ({duration, black, freeze, silence}); not yet
    judged (``write_report`` does)."""
    checks: list[Check] = []
    timelines: dict[str, dict[str, Any]] = {}
    total = 0.0
    items = parts(project)
    # each scene's checks are ffmpeg passes in child processes: two at a time use both cores
    with ThreadPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1))) as pool:
        results = pool.map(lambda item: cached_scene_checks(project, *item), items)
        scenes = list(results)
    for done, ((scene_id, _, padded), scene) in enumerate(zip(items, scenes), start=1):
        checks += scene.checks
        timelines[scene_id] = scene.timeline
        total += scene.timeline.get("duration") or media.probe(padded).video_duration or 0.0
        if progress:
            progress.step(done, scene_id)
    from flaming_horse.stages.scenes import fallback_checks  # LLM scenes that fell back

    checks += spoken_checks(project)
    return QCReport(checks=checks + final_checks(project, total, len(items))
                    + video_measures(checks, timelines, total) + fallback_checks(project),
                    timelines=timelines)


def inputs(project: Project) -> dict[str, Any]:
    """What the checks are made from (``input_hash`` digests it). The hearing verdicts enter
    as what they are judged from (each clip's transcript, the judge), not judged on every
    build."""
    from flaming_horse.stages.hear import heard_inputs

    heard, judge = heard_inputs(project)
    return {"final": final_hash(project), "version": QC_VERSION,
            "quality": project.settings.quality, "qc": project.settings.qc,
            "audio": project.settings.audio, "heard": heard, "judge": judge}


WORDS = {"final": "final video", "qc": "qc settings", "audio": "audio settings",
         "heard": "clips heard", "judge": "hearing judge"}  # the inputs' names in reasons


def write_report(project: Project, result: QCReport, digest: str) -> None:
    """qc_report.json and the QC page (qc/index.html); QCError naming what failed."""
    report = result.model_copy(update={"input_hash": digest, "passed": not result.failed})
    atomic.write_json(project.qc_report, report.model_dump(mode="json"))
    write_page(project, report, scene_views(project, report), jobs=default_jobs())
    failed = report.failed
    if failed:
        listed = "; ".join(f"{c.scope} {c.check}: {c.value} (limit {c.threshold})"
                           for c in failed)
        scenes = sorted({c.scope for c in failed if c.scope != "final"})
        fix = (f"look at {', '.join(scenes)} with: flaming-horse render DIR --scene N; "
               if scenes else "")
        raise QCError(f"quality checks failed: {listed}",
                      hint=f"{fix}see the frames in {project.qc_page}; thresholds are the "
                           f"[qc] settings; the report is {project.qc_report}")


def read_report(project: Project) -> QCReport | None:
    """qc_report.json, or None when there is none (or it is not a report)."""
    try:
        return QCReport.model_validate_json(project.qc_report.read_bytes())
    except (OSError, ValueError):
        return None


def stale_frames(project: Project) -> list[Path]:
    """The QC page's frames of scenes the plan no longer has."""
    kept = {scene.id for scene in load_plan(project).scenes}
    return [folder for folder in (project.qc_page.parent / "frames").glob("scene_*")
            if folder.name not in kept]


def units(project: Project, scenes: list[str] | None = None) -> list[Unit]:
    made_from = inputs(project)
    digest = hash_json(made_from)

    def is_done() -> bool:
        report = read_report(project)
        return (report is not None and report.input_hash == digest and report.passed
                and project.qc_page.is_file())

    def run(progress: Progress) -> None:
        write_report(project, run_checks(project, progress), digest)

    return [Unit("qc", None, digest, is_done=is_done, run=run, steps=len(parts(project)),
                 superseded=lambda: stale_frames(project),
                 inputs={WORDS.get(k, k): v for k, v in made_from.items()},
                 outputs=lambda: [project.qc_report, project.qc_page])]
