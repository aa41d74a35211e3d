"""Layout checks on what Manim really draws: after every animation and halfway through it, the
bounding boxes of the mobjects on screen are checked for parts outside the frame and for text
laid over text (a finding made mid-way is marked ``"phase": "mid-transition"``), and
whether a figure (anything but text and formulas) is on screen is timed (QC's figure_share).

A scene opts in by mixing ``LayoutChecked`` in first (generated scenes do):

    class Scene01(kit.LayoutChecked, VoiceoverScene): ...

Findings (time, kind, mobjects, beat) go to the JSON file named by FLAMING_HORSE_LAYOUT_REPORT
when the render ends; without that variable the checks still run and are kept on the scene.
"""

from __future__ import annotations

import json
import os
from typing import Any

from manim import Code, MathTex, Mobject, Paragraph, SingleStringMathTex, Text, config

from flaming_horse.scene_kit.layout import bounds

FRAME_MARGIN = 0.05  # scene units a mobject may poke past the frame edge
OVERLAP = 0.15  # share of the smaller text box another text may cover
REPORT_ENV = "FLAMING_HORSE_LAYOUT_REPORT"
TEXT_TYPES = (Text, Paragraph, MathTex, SingleStringMathTex, Code)


def describe(mob: Mobject) -> str:
    text = getattr(mob, "original_text", None) or getattr(mob, "tex_string", None) \
        or getattr(mob, "code_string", None) or getattr(mob, "text", None)
    if isinstance(text, str):
        short = " ".join(text.split())
        return f"{type(mob).__name__}({short[:40]!r})"
    return type(mob).__name__


def _visible(mob: Mobject) -> bool:
    if not mob.has_points() and not mob.submobjects:
        return False
    try:
        return max(mob.get_fill_opacity(), mob.get_stroke_opacity()) > 0.05
    except Exception:  # mobjects without opacity accessors (images): treat as visible
        return True


_box = bounds


def text_mobjects(roots: list[Mobject]) -> list[Mobject]:
    """The outermost text-like mobjects on screen (a Text, not each of its letters)."""
    found: list[Mobject] = []

    def walk(mob: Mobject) -> None:
        if isinstance(mob, TEXT_TYPES):
            if any(_visible(m) for m in mob.family_members_with_points()):
                found.append(mob)
            return
        for sub in mob.submobjects:
            walk(sub)

    for root in roots:
        walk(root)
    return found


def off_frame(roots: list[Mobject]) -> list[tuple[Mobject, float]]:
    """(mobject, how far it pokes out) for visible mobjects partly outside the frame."""
    half_w, half_h = config.frame_width / 2 + FRAME_MARGIN, config.frame_height / 2 + FRAME_MARGIN
    found = []
    candidates = text_mobjects(roots) + [m for m in roots if not isinstance(m, TEXT_TYPES)]
    for mob in candidates:
        if not any(_visible(m) for m in mob.family_members_with_points()):
            continue
        x0, y0, x1, y1 = _box(mob)
        out = max(-half_w - x0, x1 - half_w, -half_h - y0, y1 - half_h)
        if out > 0:
            found.append((mob, round(float(out), 3)))
    return found


def overlaps(roots: list[Mobject]) -> list[tuple[Mobject, Mobject, float]]:
    """Pairs of texts whose boxes overlap by more than OVERLAP of the smaller one."""
    texts = text_mobjects(roots)
    boxes = [_box(t) for t in texts]
    found = []
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            a, b = boxes[i], boxes[j]
            w = min(a[2], b[2]) - max(a[0], b[0])
            h = min(a[3], b[3]) - max(a[1], b[1])
            if w <= 0 or h <= 0:
                continue
            smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1])) or 1e-9
            share = w * h / smaller
            if share > OVERLAP:
                found.append((texts[i], texts[j], round(float(share), 3)))
    return found


def figure_on_screen(roots: list[Mobject]) -> bool:
    """Whether anything but text and formulas is drawn: a kit figure (``kit_figure``), an image,
    a shape. Kit text visuals (``kit_text``: titles, lists, equations, tables ...) and their dots
    and rules are text."""
    def walk(mob: Mobject) -> bool:
        if getattr(mob, "kit_text", False) or isinstance(mob, TEXT_TYPES):
            return False
        if getattr(mob, "kit_figure", False) or mob.has_points():
            return any(_visible(m) for m in mob.family_members_with_points())
        return any(walk(sub) for sub in mob.submobjects)

    return any(walk(root) for root in roots)


class LayoutChecked:
    """Scene mixin: check the layout at the end of every animation (play or wait)."""

    def _layout_findings(self) -> list[dict[str, Any]]:
        if not hasattr(self, "_fh_findings"):
            self._fh_findings: list[dict[str, Any]] = []
            self._fh_seen: set[tuple] = set()
            self._fh_beat = 0
        return self._fh_findings

    def _inspect_layout(self, mid: float | None = None) -> None:
        """Check what is on screen now: at the end of an animation, or ``mid`` seconds into
        one (then the figure clock is left alone: it is kept at animation ends)."""
        # (the renderer's clock advances frame by frame during a play)
        findings = self._layout_findings()
        roots = [m for m in self.mobjects if _visible(m) or m.submobjects]
        now = round(float(self.renderer.time), 3)  # the renderer's clock runs during a play
        if mid is None:
            # the time since the last check counts as a figure's when one is on screen now
            last, on = getattr(self, "_fh_last", 0.0), figure_on_screen(roots)
            self._fh_figure_s = getattr(self, "_fh_figure_s", 0.0) + (now - last if on else 0.0)
            self._fh_last = now
        phase = {} if mid is None else {"phase": "mid-transition"}
        for mob, out in off_frame(roots):
            key = ("off_frame", describe(mob))
            if key not in self._fh_seen:
                self._fh_seen.add(key)
                findings.append({"kind": "off_frame", "time": now, "beat": self._fh_beat,
                                 **phase, "mobjects": [describe(mob)], "amount": out,
                                 "box": [round(float(v), 3) for v in _box(mob)]})
        for a, b, share in overlaps(roots):
            key = ("overlap", describe(a), describe(b))
            if key not in self._fh_seen:
                self._fh_seen.add(key)
                findings.append({"kind": "overlap", "time": now, "beat": self._fh_beat,
                                 **phase, "mobjects": [describe(a), describe(b)],
                                 "amount": share,
                                 "boxes": [[round(float(v), 3) for v in _box(m)] for m in (a, b)]})

    def play(self, *args: Any, **kwargs: Any) -> None:
        self._fh_mid_done = False
        super().play(*args, **kwargs)  # type: ignore[misc]
        self._inspect_layout()

    def update_to_time(self, t: float) -> None:
        """Manim's per-frame update during a play: halfway through an animation (not a wait),
        check the layout once more, where a fading picture meets the next one."""
        super().update_to_time(t)  # type: ignore[misc]
        duration = float(getattr(self, "duration", 0.0) or 0.0)
        if getattr(self, "_fh_mid_done", True) or duration <= 0 or t < duration / 2:
            return
        self._fh_mid_done = True
        if not all(type(a).__name__ == "Wait" for a in (getattr(self, "animations", None) or [])):
            self._inspect_layout(mid=t)

    def wait(self, *args: Any, **kwargs: Any) -> None:
        super().wait(*args, **kwargs)  # type: ignore[misc]
        self._inspect_layout()

    def add_voiceover_text(self, *args: Any, **kwargs: Any) -> Any:
        self._layout_findings()
        self._fh_beat += 1
        return super().add_voiceover_text(*args, **kwargs)  # type: ignore[misc]

    def tear_down(self) -> None:
        super().tear_down()  # type: ignore[misc]
        target = os.environ.get(REPORT_ENV)
        if target:
            tmp = f"{target}.fh-tmp"
            with open(tmp, "w", encoding="utf-8") as handle:
                frame = [round(float(config.frame_width), 4), round(float(config.frame_height), 4)]
                json.dump({"frame": frame, "findings": self._layout_findings(),
                           "figure_s": round(getattr(self, "_fh_figure_s", 0.0), 3),
                           "checked_s": round(getattr(self, "_fh_last", 0.0), 3)},
                          handle, indent=1)
            os.replace(tmp, target)
