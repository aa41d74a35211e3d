"""qc/index.html: one self-contained page (inline CSS, no script, no network) that shows the final
video, and for every scene its checks, a contact sheet of frames with each layout finding outlined
on the frame where it happened, a timeline strip with the black, frozen and silent stretches, and
the narration's waveform. Every path in it is relative, so the project folder can move."""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from flaming_horse.project import Project

from flaming_horse.settings import QUALITIES
from flaming_horse.report.model import DEFAULT_FRAME, Check, Finding, QCReport
from flaming_horse.report.frames import extract, frame_indices
from flaming_horse_voice import atomic

SHEET_EVERY_S = 2.0  # a frame every 2 s, plus one in each beat, at each finding and at the end


@dataclass
class SceneView:
    """What the page shows of one scene."""

    scene_id: str
    title: str
    video: Path  # the scene as it is in the final video (padded)
    duration: float
    checks: list[Check]
    timeline: dict[str, Any]
    beats: list[float]  # start of each beat, seconds into the scene
    findings: list[Finding] = field(default_factory=list)
    frame: tuple[float, float] = DEFAULT_FRAME

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)


def _pct(value: float) -> str:
    return f"{value:.3f}%"


def _box_style(box: list[float], frame: tuple[float, float]) -> str:
    """CSS placing a manim bounding box (x0, y0, x1, y1; origin at the centre, y up) on the
    frame's picture, in percent."""
    width, height = frame
    x0, y0, x1, y1 = box
    return (f"left:{_pct((x0 + width / 2) / width * 100)};top:{_pct((height / 2 - y1) / height * 100)};"
            f"width:{_pct((x1 - x0) / width * 100)};height:{_pct((y1 - y0) / height * 100)}")


def _edges(box: list[float], frame: tuple[float, float]) -> list[str]:
    """Which frame edges a box pokes past."""
    width, height = frame
    x0, y0, x1, y1 = box
    return [side for side, out in (("left", x0 < -width / 2), ("right", x1 > width / 2),
                                   ("top", y1 > height / 2), ("bottom", y0 < -height / 2)) if out]


def _finding_boxes(finding: Finding, frame: tuple[float, float]) -> str:
    label = escape(f"{finding.kind}: {' / '.join(finding.mobjects)}")
    boxes = finding.boxes or [finding.box]
    parts = []
    for box in boxes:
        if box:
            parts.append(f'<div class="finding {escape(finding.kind)}" title="{label}" '
                         f'style="{_box_style(box, frame)}"></div>')
            parts += [f'<div class="edge {side}" title="{label}"></div>'
                      for side in _edges(box, frame)]
    return "".join(parts)


def _strip(view: SceneView) -> str:
    """The timeline: black, frozen and silent stretches, beat starts and findings."""
    length = view.duration or 1.0
    marks = []
    for kind in ("black", "freeze", "silence"):
        for a, b in view.timeline.get(kind, []):
            marks.append(f'<span class="span {kind}" title="{kind} {a:.2f}-{b:.2f} s" '
                         f'style="left:{_pct(a / length * 100)};'
                         f'width:{_pct(max(b - a, 0.02) / length * 100)}"></span>')
    for i, beat in enumerate(view.beats, start=1):
        marks.append(f'<span class="beat" title="beat {i} at {beat:.2f} s" '
                     f'style="left:{_pct(beat / length * 100)}"></span>')
    for finding in view.findings:
        marks.append(f'<span class="mark" title="{escape(finding.kind)} at '
                     f'{finding.time:.2f} s" style="left:{_pct(finding.time / length * 100)}">'
                     '</span>')
    return f'<div class="strip">{"".join(marks)}</div>'


def _wave(levels: list[float]) -> str:
    levels = levels or [0.0, 0.0]  # a scene without audio: a flat line
    points = " ".join(f"{i},{40 - level * 38:.1f}" for i, level in enumerate(levels))
    lower = " ".join(f"{i},{40 + level * 38:.1f}" for i, level in reversed(list(enumerate(levels))))
    return (f'<svg class="wave" viewBox="0 0 {len(levels)} 80" preserveAspectRatio="none">'
            f'<polygon points="{points} {lower}"/></svg>')


def _sheet(view: SceneView, fps: float, folder: Path, root: Path) -> str:
    # a scene starts blank: frames half a step in, half a second into each beat, and the last one
    times = [(i + 0.5) * SHEET_EVERY_S for i in range(int(view.duration / SHEET_EVERY_S))]
    times += [beat + 0.5 for beat in view.beats] + [view.duration]
    shown_at = {id(f): max(0.0, f.time - 0.5 / fps) for f in view.findings}
    times += list(shown_at.values())
    indices = frame_indices(times, fps, view.duration)
    frames = extract(view.video, folder / view.scene_id, view.video.name, indices)
    by_index: dict[int, list[Finding]] = {}
    for finding in view.findings:
        index = frame_indices([shown_at[id(finding)]], fps, view.duration)[0]
        by_index.setdefault(index, []).append(finding)
    figures = []
    for index in indices:
        image = frames.get(index)
        if image is None:
            continue
        href = escape(image.relative_to(root).as_posix())
        found = by_index.get(index, [])
        boxes = "".join(_finding_boxes(f, view.frame) for f in found)
        cls = "frame flagged" if found else "frame"
        figures.append(
            f'<figure class="{cls}" data-time="{index / fps:.3f}" data-frame="{index}">'
            f'<a href="{href}"><img src="{href}" alt="{view.scene_id} at {index / fps:.2f} s" '
            f'loading="eager"></a>{boxes}<figcaption>{index / fps:.1f} s</figcaption></figure>')
    return f'<div class="sheet">{"".join(figures)}</div>'


def _check_chips(checks: list[Check]) -> str:
    chips = []
    for check in checks:
        state = "pass" if check.passed else "fail"
        detail = escape(f"{check.value} (limit {check.threshold})")
        label = check.check
        value = check.value
        if str(check.threshold).startswith("measure") and isinstance(value, dict):
            label += f" {value.get('share', 0):.0%}"  # held_share 40%, figure_share 95%
        chips.append(f'<li class="check {state}" data-check="{escape(check.check)}" '
                     f'title="{detail}">{escape(label)}'
                     f'{"" if check.passed else ": " + detail}</li>')
    return f'<ul class="checks">{"".join(chips)}</ul>'


def _marked(words: list[str], matched: set[int], tag: str) -> str:
    return " ".join(escape(w) if i in matched else f"<{tag}>{escape(w)}</{tag}>"
                    for i, w in enumerate(words))


def _spoken(checks: list[Check]) -> str:
    """Each clip that did not say its text: the narration with the words not heard struck
    through, and the transcript with the words not meant marked."""
    from flaming_horse_voice.hearing.compare import compare

    rows = []
    for check in checks:
        value = check.value
        if check.check != "spoken_match" or not isinstance(value, dict):
            continue
        for clip in value.get("failed", []):
            found = compare(clip["text"], clip["heard"])
            meant = _marked(found.meant, {i for i, _ in found.pairs}, "del")
            heard = _marked(found.heard, {j for _, j in found.pairs}, "ins")
            rows.append(f'<div class="spoken"><p class="why">{escape("; ".join(clip["reasons"]))}'
                        f' (word error rate {clip["wer"]:.0%})</p>'
                        f'<p class="meant"><b>meant:</b> {meant}</p>'
                        f'<p class="heard"><b>heard:</b> {heard}</p></div>')
    return "".join(rows)


def _vtt_data_uri(srt: Path) -> str | None:
    """The subtitles as WebVTT in a data: URI (browsers read only WebVTT in <track>, and a
    file:// page may not fetch a file:// track)."""
    if not srt.is_file():
        return None
    body = srt.read_text(encoding="utf-8")
    vtt = "WEBVTT\n\n" + "\n".join(
        line.replace(",", ".") if "-->" in line else line for line in body.splitlines())
    return "data:text/vtt;base64," + base64.b64encode(vtt.encode("utf-8")).decode("ascii")


CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f4f4f6;color:#222}
header{background:#1d1f27;color:#eee;padding:16px 24px;display:flex;gap:24px;align-items:center}
header video{max-width:480px;width:40vw;background:#000}
h1{font-size:20px;margin:0 0 6px}.verdict{font-weight:700;padding:2px 8px;border-radius:4px}
.passed .verdict,.verdict.pass{background:#2e7d32;color:#fff}.failed .verdict,.verdict.fail{background:#c62828;color:#fff}
main{padding:12px 24px}section.scene{background:#fff;border-radius:6px;margin:12px 0;padding:12px 16px;border-left:6px solid #2e7d32}
section.scene.failed{border-left-color:#c62828}section.scene h2{font-size:16px;margin:0 0 6px}
.checks{list-style:none;padding:0;margin:6px 0;display:flex;flex-wrap:wrap;gap:4px}
.check{font-size:12px;padding:1px 6px;border-radius:3px}.check.pass{background:#e8f5e9;color:#1b5e20}
.check.fail{background:#ffebee;color:#b71c1c;font-weight:600}
.strip{position:relative;height:14px;background:#e3e6ee;border-radius:3px;margin:8px 0 0}
.strip .span{position:absolute;top:0;bottom:0;opacity:.8}.span.black{background:#000}
.span.freeze{background:#1e88e5}.span.silence{background:#fb8c00}
.strip .beat{position:absolute;top:-3px;bottom:-3px;width:2px;background:#5e35b1}
.strip .mark{position:absolute;top:-5px;bottom:-5px;width:3px;background:#e53935}
.wave{display:block;width:100%;height:40px;background:#fafafa}.wave polygon{fill:#78909c}
.sheet{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}
figure.frame{position:relative;margin:0;width:200px;overflow:hidden;border:1px solid #ccc}
figure.frame.flagged{border:2px solid #e53935}figure img{display:block;width:100%}
figcaption{position:absolute;right:2px;bottom:2px;font-size:11px;background:rgba(0,0,0,.6);color:#fff;padding:0 3px}
.finding{position:absolute;outline:2px solid #ff1744;background:rgba(255,23,68,.12);pointer-events:none}
.finding.overlap{outline-color:#ffab00;background:rgba(255,171,0,.15)}
.edge{position:absolute;background:#ff1744}.edge.left{left:0;top:0;bottom:0;width:4px}
.edge.right{right:0;top:0;bottom:0;width:4px}.edge.top{top:0;left:0;right:0;height:4px}
.edge.bottom{bottom:0;left:0;right:0;height:4px}
.legend span{display:inline-block;width:10px;height:10px;margin:0 3px 0 10px;vertical-align:middle}
.spoken{background:#fff8e1;border-radius:4px;padding:4px 8px;margin:6px 0}.spoken p{margin:2px 0}
.spoken del{background:#ffcdd2;color:#b71c1c}.spoken ins{background:#c8e6c9;color:#1b5e20;text-decoration:none}
table.final{border-collapse:collapse}table.final td{padding:2px 8px;border-bottom:1px solid #ddd}
"""


def render_page(project: Project, report: QCReport, views: list[SceneView], jobs: int = 1) -> str:
    root = project.qc_page.parent
    fps = float(QUALITIES[project.settings.quality][2])
    total = sum(view.duration for view in views)
    passed = report.passed
    track = _vtt_data_uri(project.final_video.with_suffix(".srt"))
    track_tag = (f'<track kind="subtitles" srclang="en" label="English" src="{track}" default>'
                 if track else "")

    def section(view: SceneView) -> str:
        state = "passed" if view.passed else "failed"
        return (
            f'<section class="scene {state}" id="{view.scene_id}" data-scene="{view.scene_id}" '
            f'data-passed="{str(view.passed).lower()}"><h2>{escape(view.scene_id)}: '
            f'{escape(view.title)} <small>{view.duration:.2f} s</small> '
            f'<span class="verdict {"pass" if view.passed else "fail"}">{state}</span></h2>'
            f'{_check_chips(view.checks)}{_spoken(view.checks)}{_strip(view)}'
            f'{_wave(view.timeline.get("waveform", []))}'
            f'{_sheet(view, fps, root / "frames", root)}</section>')

    # each scene's frames are an ffmpeg pass in a child process: ``jobs`` scenes side by side
    # use the cores (this runs at the very end of a build, when nothing else does)
    with ThreadPoolExecutor(max_workers=max(1, min(len(views), jobs))) as pool:
        rows = list(pool.map(section, views))
    finals = "".join(
        f'<tr class="check {"pass" if c.passed else "fail"}" data-check="{escape(c.check)}">'
        f'<td>{"pass" if c.passed else "FAIL"}</td><td>{escape(c.check)}</td>'
        f'<td>{escape(str(c.value))}</td><td>{escape(str(c.threshold))}</td></tr>'
        for c in report.of("final"))
    title = escape(project.root.name)
    video = escape(Path("..", project.final_video.name).as_posix())
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<title>QC: {title}</title><style>{CSS}</style></head>'
        f'<body class="{"passed" if passed else "failed"}"><header>'
        f'<video controls preload="metadata" src="{video}">{track_tag}</video><div>'
        f'<h1>{title}</h1><p>{len(views)} scenes, {total:.1f} s, quality '
        f'{escape(project.settings.quality)} <span class="verdict" id="verdict">'
        f'{"passed" if passed else "failed"}</span></p><p class="legend">'
        f'<span style="background:#000"></span>black<span style="background:#1e88e5"></span>frozen'
        f'<span style="background:#fb8c00"></span>silent<span style="background:#5e35b1"></span>'
        f'beat<span style="background:#e53935"></span>layout finding</p></div></header><main>'
        f'<table class="final">{finals}</table>{"".join(rows)}</main></body></html>')


def write_page(project: Project, report: QCReport, views: list[SceneView],
               jobs: int = 1) -> Path:
    """Write qc/index.html (atomically) and return its path. ``views``: what the qc stage knows
    of each scene (the page reads no stage artifacts itself); ``jobs``: scenes taken at once."""
    path = project.qc_page
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(path, render_page(project, report, views, jobs))
    return path
