"""The converted project as script.md: one paragraph per clip, escaped so it is spoken exactly as
the clip says it, the original's notes in comments, a title card per scene."""

from __future__ import annotations

import json
import re

from flaming_horse.authoring.inline_markdown import escape
from flaming_horse.authoring.original.model import OriginalScene


# a line start the parser would read as a block even with its marks escaped
_LINE_START = re.compile(r"^(?:[-+:~=]|\d+[.)])")  # a bullet, a directive, a numbered item


def one_line(text: object) -> str:
    return " ".join(str(text).split()) if text is not None else ""


def escape_narration(text: str) -> str:
    """``text`` as one Markdown paragraph that our parser speaks as exactly ``text`` (whitespace
    normalised): every syntax character escaped with a backslash, and a line start that would
    read as a bullet, a directive or a numbered item too."""
    flat = one_line(text)
    escaped = escape(flat)
    match = _LINE_START.match(escaped)
    if match:
        end = match.end()
        escaped = f"{escaped[:end - 1]}\\{escaped[end - 1:]}"
    return escaped


def comment_safe(text: str) -> str:
    """Text that cannot close the HTML comment it is put in."""
    return text.replace("-->", "-- >").replace("--!>", "--! >")


def title_from_id(key: str, number: int) -> str:
    """A readable title from an id or key: scene_03_trap_mechanism -> "Trap mechanism"."""
    words = re.sub(r"^scene_?\d+_?", "", key, flags=re.IGNORECASE)
    words = one_line(re.sub(r"[_\-]+", " ", words))
    return words[:1].upper() + words[1:] if words else f"Scene {number}"


def _details(scene: OriginalScene) -> list[str]:
    lines = []
    if scene.description:
        lines.append(f"description: {comment_safe(scene.description)}")
    if scene.ideas:
        lines.append("visual ideas:")
        lines += [f"- {comment_safe(idea)}" for idea in scene.ideas]
    if scene.beats:
        lines.append("narrative beats:")
        lines += [f"- {comment_safe(beat)}" for beat in scene.beats]
    return lines


def title_card(scene: OriginalScene) -> list[str]:
    """A '::: title' card with the scene's title, so each converted scene shows something until
    the author adds visuals. (The original's descriptions are notes to the author, such as
    "Introduce microclots", not text for the viewer: they stay in the comment.)"""
    return ["::: title", escape_narration(scene.title) or "...", ":::"]


def _origin(scene: OriginalScene) -> str:
    where = f"plan.json scene {scene.original_id}" if scene.original_id else "no plan.json scene"
    return comment_safe(f"{where}, narration {json.dumps(scene.key, ensure_ascii=False)}")


def render_script(title: str, scenes: list[OriginalScene]) -> str:
    """script.md for ``scenes``: the ones with narration as scenes, the others as comments."""
    out = ["<!-- Converted from a project made by the original flaming-horse (plan.json,",
           "narration_script.py; they are left as they were). Each paragraph is one clip, spoken",
           "as written: a backslash keeps a character such as * _ $ { } < # as plain text. The",
           "original's scene descriptions and visual ideas are kept in comments like this one.",
           "Each scene shows a title card for now: replace it with visuals, or add them under",
           "the paragraph (see README, 'The script format'). -->", "",
           f"# {one_line(title)}", ""]
    for scene in scenes:
        name = comment_safe(one_line(scene.title))
        if scene.narration:
            out += [f"## {one_line(scene.title)}", "",
                    f"<!-- from the original flaming-horse: {_origin(scene)}", *_details(scene),
                    "-->", "", *title_card(scene), "", escape_narration(scene.narration), ""]
        else:
            out += [f"<!-- left out, as it had no narration: {name} ({_origin(scene)}).",
                    f"To keep it, write a paragraph under a '## {name}' heading outside this "
                    "comment.", *_details(scene), "-->", ""]
    return "\n".join(out).rstrip("\n") + "\n"
