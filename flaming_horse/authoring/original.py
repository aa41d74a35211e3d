"""Open a project made by the original flaming-horse: recognise its layout and convert it, once.

The original tool kept a project as ``plan.json`` (its storyboard), ``narration_script.py``
(``SCRIPT = {narration_key: text}``), ``voice_clone_config.json`` (the Qwen voice), scene files
flat in the folder, clips in ``media/voiceovers/qwen/<narration_key>.mp3`` and its own
``project_state.json``, in three successive formats (A: ``narration_key`` differs from the scene
``id`` and scenes have ``narration_summary``/``animations``; B and C: ``narration_key`` is the id,
scenes have ``description``/``visual_ideas``). A scene's narration is ``SCRIPT[narration_key]``,
else ``SCRIPT[id]``, as the original's orchestrator read it.

``convert`` writes what this tool needs beside those files and changes none of them:

- ``script.md``: one ``##`` scene per plan scene that has narration, in the plan's order (the
  script's order when plan.json is missing or unreadable), its narration as ONE paragraph (a clip
  is one text; Markdown syntax in it escaped with backslashes so the text spoken is exactly the
  original's, and its clip is reused), its description and visual ideas in an HTML comment for
  the author. Plan scenes without narration are kept as comments; narration without a plan scene
  becomes a scene of its own.
- ``flaming-horse.toml`` (only when the project has none): ``[voice]`` from
  voice_clone_config.json (qwen, model, device, dtype, language, reference WAV and transcript).
- ``original/``: byte-for-byte copies of the original's ``plan.json``, ``project_state.json`` and
  ``final_video.mp4``, the three names our build writes too. The root ``project_state.json`` is
  then removed: ours is a different record, and the original's would read as a damaged one of
  ours ("unreadable; rebuilding it").

Everything disagreeing (a key without clip, a clip without key, a scene without narration, ...)
becomes a note, never an error; only a project with no narration at all cannot be converted.
``narration_script.py`` is untrusted and read with ``ast`` only; nothing of the project is run.
Each file is written atomically and ``script.md`` last, so a conversion cut short is simply done
again by the next command.
"""

from __future__ import annotations

import filecmp
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flaming_horse.errors import ProjectError
from flaming_horse_voice import atomic
from flaming_horse_voice.cache import speakable
from flaming_horse_voice.legacy import LEGACY_DIR, LEGACY_SCRIPT, find_legacy, load_script
from flaming_horse_voice.settings import DEVICES, DTYPES, PROJECT_FILE, from_mapping

VOICE_CONFIG = "voice_clone_config.json"
KEPT_DIR = "original"  # where copies of the original's files that our build overwrites go
KEPT = ("plan.json", "project_state.json", "final_video.mp4")
# the original's defaults (scripts/new_project.sh)
DEFAULT_MODEL = "Qwen/Qwen3-TTS-12Hz-1.7B-Base"
DEFAULT_REFERENCE = "assets/voice_ref/ref.wav"
DEFAULT_TRANSCRIPT = "assets/voice_ref/ref.txt"
DEFAULT_QWEN_PYTHON = "~/IdeaProjects/flaming-horse/models/qwen3-tts-local/.venv/bin/python"
VOICE_KEYS = {"qwen_python", "model_id", "device", "dtype", "language", "ref_audio", "ref_text",
              "output_dir"}
MAX_JSON_BYTES = 20_000_000

# characters our script parser reads as syntax; a backslash before them keeps them as text
# (CommonMark's backslash escapes, which the parser honours in narration)
_ESCAPED = frozenset("\\*_`$[]{}<>|#!")
_LINE_START = re.compile(r"^(?:[-+:~=]|\d+[.)])")  # a bullet, a directive, a numbered item


@dataclass
class OriginalScene:
    key: str  # the narration key: narration_key, else id
    original_id: str | None  # the plan's id (None: a narration with no plan scene)
    title: str
    narration: str | None  # the spoken text (whitespace-normalised), None when there is none
    description: str = ""
    ideas: list[str] = field(default_factory=list)
    beats: list[str] = field(default_factory=list)  # format B's narrative_beats


@dataclass
class Conversion:
    root: Path
    title: str
    scenes: list[OriginalScene]
    markers: list[str]  # what marked the folder as an original project
    written: list[str] = field(default_factory=list)  # what (relative paths) we wrote
    kept: list[str] = field(default_factory=list)  # what was copied or moved to original/
    left: list[str] = field(default_factory=list)  # the original's files we did not touch
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """What the console says about it, one line each."""
        spoken = sum(1 for s in self.scenes if s.narration)
        out = [f"converted {self.root.name}, a project made by the original flaming-horse "
               f"({', '.join(self.markers)}), into {spoken} scene{'s' if spoken != 1 else ''}"]
        out += [f"wrote {name}" for name in self.written]
        out += self.kept
        if self.left:
            out.append("left as they were: " + ", ".join(self.left))
        return out


# -- detection ---------------------------------------------------------------------------------

def _read_json(path: Path) -> Any:
    """The JSON in ``path``; None when missing, too big or unreadable."""
    try:
        if path.stat().st_size > MAX_JSON_BYTES:
            return None
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _is_ours(plan: Any) -> bool:
    return isinstance(plan, dict) and "input_hash" in plan and "plan" in plan


def detect(root: Path | str) -> list[str]:
    """What marks ``root`` as a project of the original flaming-horse ([] when it is not one):
    no script.md, and narration_script.py, voice_clone_config.json or a plan.json not ours."""
    root = Path(root)
    if not root.is_dir() or (root / "script.md").exists():
        return []
    found = [name for name in (LEGACY_SCRIPT, VOICE_CONFIG) if (root / name).is_file()]
    plan = _read_json(root / "plan.json") if (root / "plan.json").is_file() else None
    if isinstance(plan, dict) and isinstance(plan.get("scenes"), list) and not _is_ours(plan):
        found.append("plan.json")
    return found


# -- the script --------------------------------------------------------------------------------

def one_line(text: object) -> str:
    return " ".join(str(text).split()) if text is not None else ""


def escape_narration(text: str) -> str:
    """``text`` as one Markdown paragraph that our parser speaks as exactly ``text`` (whitespace
    normalised): every syntax character escaped with a backslash, and a line start that would
    read as a bullet, a directive or a numbered item too."""
    flat = one_line(text)
    escaped = "".join(f"\\{c}" if c in _ESCAPED else c for c in flat)
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


# -- reading the original ----------------------------------------------------------------------

def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [one_line(v) for v in value if isinstance(v, str) and v.strip()]


def _read_state(root: Path) -> dict:
    """The original's project_state.json, from the root or, after a conversion, original/."""
    for path in (root / "project_state.json", root / KEPT_DIR / "project_state.json"):
        data = _read_json(path)
        if isinstance(data, dict) and not _is_ours_state(data):
            return data
    return {}


def _plan_title(plan: dict, state: dict, root: Path) -> str:
    for value in (plan.get("title"), state.get("project_name")):
        if isinstance(value, str) and one_line(value):
            return one_line(value)[:200]
    topic = state.get("topic")
    if isinstance(topic, str):
        for line in topic.splitlines():
            line = one_line(line.lstrip("#").strip())
            if line and not line.startswith("<"):
                return line[:120]
    return root.name


def _plan_scenes(root: Path, notes: list[str]) -> tuple[dict, list[dict] | None]:
    """(the original's plan.json as a dict, its scenes), or ({}, None) with a note when it is
    missing or unusable. After a conversion (script.md deleted since), the root plan.json is
    ours and the original's is in original/."""
    path = root / "plan.json"
    if not path.is_file() or _is_ours(_read_json(path)):
        path = root / KEPT_DIR / "plan.json"
    if not path.is_file():
        notes.append("there is no plan.json: scenes follow narration_script.py's order")
        return {}, None
    plan = _read_json(path)
    if not isinstance(plan, dict) or not isinstance(plan.get("scenes"), list):
        notes.append("plan.json could not be read as the original's plan: scenes follow "
                     "narration_script.py's order")
        return {}, None
    scenes = [s for s in plan["scenes"] if isinstance(s, dict)]
    if len(scenes) != len(plan["scenes"]):
        notes.append(f"plan.json: {len(plan['scenes']) - len(scenes)} scene entries that are not "
                     "objects were skipped")
    return plan, scenes


def _scene_from_plan(entry: dict, number: int) -> OriginalScene | None:
    key = entry.get("narration_key") or entry.get("id")
    if not isinstance(key, str) or not key.strip():
        return None
    original_id = entry.get("id") if isinstance(entry.get("id"), str) else None
    title = one_line(entry.get("title")) if isinstance(entry.get("title"), str) else ""
    description = entry.get("description")
    if not isinstance(description, str):  # format A
        description = entry.get("narration_summary")
    ideas = _strings(entry.get("visual_ideas")) or _strings(entry.get("animations"))
    return OriginalScene(key=key, original_id=original_id,
                         title=title or title_from_id(original_id or key, number), narration=None,
                         description=one_line(description) if isinstance(description, str) else "",
                         ideas=ideas, beats=_strings(entry.get("narrative_beats")))


def read_original(root: Path | str) -> tuple[str, list[OriginalScene], list[str]]:
    """(video title, scenes in order, notes) from an original project's files."""
    root = Path(root)
    notes: list[str] = []
    script = load_script(root / LEGACY_SCRIPT) if (root / LEGACY_SCRIPT).is_file() else {}
    if not (root / LEGACY_SCRIPT).is_file():
        notes.append(f"there is no {LEGACY_SCRIPT}: no scene has narration")
    elif not script:
        notes.append(f"{LEGACY_SCRIPT} has no SCRIPT = {{key: text}} of plain strings (it is "
                     "read, never run): no scene has narration")
    texts = {key: speakable(text) for key, text in script.items()}
    plan, entries = _plan_scenes(root, notes)
    state = _read_state(root)
    scenes: list[OriginalScene] = []
    if entries is not None:
        for number, entry in enumerate(entries, start=1):
            scene = _scene_from_plan(entry, number)
            if scene is None:
                notes.append(f"plan.json scene {number} has neither narration_key nor id: "
                             "skipped")
                continue
            scenes.append(scene)
    else:  # the script's order; titles from the state's scene list when it names them
        titles = {}
        for entry in state.get("scenes") or []:
            if isinstance(entry, dict) and isinstance(entry.get("title"), str):
                for name in (entry.get("narration_key"), entry.get("id")):
                    if isinstance(name, str):
                        titles.setdefault(name, one_line(entry["title"]))
        scenes = [OriginalScene(key=key, original_id=None,
                                title=titles.get(key) or title_from_id(key, number),
                                narration=None)
                  for number, key in enumerate(script, start=1)]
    seen: dict[str, str] = {}
    for scene in scenes:
        where = scene.original_id or scene.key
        if scene.key in seen:
            notes.append(f"plan scenes {seen[scene.key]} and {where} share the narration "
                         f"{scene.key!r}: it is spoken in both")
        seen.setdefault(scene.key, where)
        text = texts.get(scene.key)
        if text:
            scene.narration = text
        elif scene.key in texts:
            notes.append(f"plan scene {where}: its narration {scene.key!r} is empty; the scene "
                         "is left out of script.md (kept there as a comment)")
        elif script:
            notes.append(f"plan scene {where} has no narration ({scene.key!r} is not in "
                         f"{LEGACY_SCRIPT}); the scene is left out of script.md (kept there as a "
                         "comment)")
    # narration no plan scene names: a scene of its own, after the scene spoken before it
    order = list(texts)
    for key in order:
        if key in seen or not texts[key]:
            continue
        if entries is not None:
            notes.append(f"the narration {key!r} has no plan scene: it becomes a scene of its "
                         f"own, titled {title_from_id(key, 0)!r}")
        before = {k for k in order[:order.index(key)]}
        at = max((i + 1 for i, s in enumerate(scenes) if s.key in before), default=0)
        scenes.insert(at, OriginalScene(key=key, original_id=None,
                                        title=title_from_id(key, at + 1), narration=texts[key]))
        seen[key] = key
    return _plan_title(plan, state, root), scenes, notes


def _clip_notes(root: Path, scenes: list[OriginalScene]) -> list[str]:
    """What the first build will find of each scene's clip."""
    clips = find_legacy(root)
    folder = LEGACY_DIR.as_posix()
    spoken = [s for s in scenes if s.narration]
    if clips is None:
        return [f"there is no {folder} folder: every scene is spoken by the first build"] \
            if spoken else []
    by_key = {c.narration_key: c for c in clips}
    notes, used = [], set()
    number = 0
    for scene in scenes:
        if not scene.narration:
            continue
        number += 1
        clip = by_key.get(scene.key)
        name = f"scene_{number:02d} (narration {scene.key!r})"
        if clip is None or clip.audio is None:
            notes.append(f"{name} has no clip in {folder}: it is spoken by the first build")
            continue
        used.add(clip.audio.resolve())
        if clip.recorded_text is None:
            notes.append(f"{name}: the original's {folder}/cache.json does not list "
                         f"{clip.audio.name}, so what it says is unknown: it is spoken again")
        elif clip.recorded_text != scene.narration:
            notes.append(f"{name}: {clip.audio.name} was made from another text than the "
                         "narration: it is spoken again")
    unused = sorted(p.name for p in (root / LEGACY_DIR).glob("*.mp3")
                    if p.is_file() and p.resolve() not in used)
    if unused:
        shown = ", ".join(unused[:5]) + (f" and {len(unused) - 5} more" if len(unused) > 5 else "")
        notes.append(f"{folder}: {shown} belong{'s' if len(unused) == 1 else ''} to no narration "
                     "of script.md: not used")
    return notes


def voice_table(root: Path) -> tuple[dict[str, Any] | None, list[str]]:
    """The ``[voice]`` table for the original's voice (None: keep our default), with notes."""
    notes: list[str] = []
    path = root / VOICE_CONFIG
    config = _read_json(path) if path.is_file() else None
    if path.is_file() and not isinstance(config, dict):
        notes.append(f"{VOICE_CONFIG} could not be read: the original's default voice settings "
                     "are used")
    if not isinstance(config, dict):
        if not path.is_file() and not (root / LEGACY_DIR).is_dir():
            notes.append(f"there is no {VOICE_CONFIG} and no {LEGACY_DIR.as_posix()}: the "
                         "project speaks with the default voice (piper); set [voice] in "
                         f"{PROJECT_FILE} to change it")
            return None, notes
        if not path.is_file():
            notes.append(f"there is no {VOICE_CONFIG}: the original's default voice settings "
                         "are used")
        config = {}

    def text(name: str, default: str | None) -> str | None:
        value = config.get(name, default)
        if value is not None and not isinstance(value, str):
            notes.append(f"{VOICE_CONFIG}: {name} is not a string: ignored")
            return default
        return value.strip() if isinstance(value, str) and value.strip() else default

    table: dict[str, Any] = {"backend": "qwen", "model": text("model_id", DEFAULT_MODEL)}
    def choice(name: str, default: str, allowed, meaning: str) -> str:
        value = (text(name, default) or default).lower()
        if value not in allowed:
            notes.append(f"{VOICE_CONFIG}: {name} {value!r} is not one of {', '.join(allowed)}: "
                         f"\"auto\" is used{meaning}")
            value = "auto"
        return value

    table["device"] = choice("device", "cpu", DEVICES, " (cuda when there is one, else cpu)")
    table["dtype"] = choice("dtype", "float32", DTYPES, "")
    language = text("language", "English")
    if language:
        table["language"] = language
    reference = text("ref_audio", DEFAULT_REFERENCE)
    transcript = text("ref_text", None if "ref_audio" in config else DEFAULT_TRANSCRIPT)
    if reference:
        table["reference"] = str(Path(reference).expanduser())
        if transcript:
            table["reference_text"] = str(Path(transcript).expanduser())
        audio = root / table["reference"]
        words = root / table.get("reference_text", str(Path(table["reference"]).with_suffix(
            ".txt")))
        if not audio.is_file():
            notes.append(f"the reference voice {table['reference']} is not here (the original's "
                         ".gitignore left WAV files out): clips already made are still used, but "
                         "new narration needs it")
        if not words.is_file():
            notes.append(f"the reference's transcript {table.get('reference_text') or words} is "
                         "not here: new narration needs it")
    qwen_python = text("qwen_python", None)
    if qwen_python and qwen_python != DEFAULT_QWEN_PYTHON:
        notes.append(f"{VOICE_CONFIG}: qwen_python ({qwen_python}) is not used: the qwen voice "
                     "runs in this tool's own Python (pip install 'flaming-horse[qwen]')")
    output_dir = text("output_dir", LEGACY_DIR.as_posix())
    if output_dir and Path(output_dir).expanduser() != LEGACY_DIR \
            and (root / Path(output_dir).expanduser()).resolve() != (root / LEGACY_DIR).resolve():
        notes.append(f"{VOICE_CONFIG}: the clips are looked for in {LEGACY_DIR.as_posix()}, not "
                     f"in output_dir {output_dir}: move them there to reuse them")
    unknown = sorted(set(config) - VOICE_KEYS)
    if unknown:
        notes.append(f"{VOICE_CONFIG}: {', '.join(unknown)} not known here: ignored")
    from_mapping({k: v for k, v in table.items()})  # the table must be valid settings
    return table, notes


# -- converting --------------------------------------------------------------------------------

def _is_ours_state(data: Any) -> bool:
    return isinstance(data, dict) and "stages" in data and "version" in data


def _keep(root: Path, name: str) -> str | None:
    """Copy the original's ``name`` into original/ (byte for byte, atomically, verified): the
    copy's path relative to ``root``, None when there is nothing of the original's to keep. Once
    original/ holds a ``name``, the original's is kept: a different file at the root since then
    is ours (a build after an earlier conversion), and is neither copied nor moved."""
    source = root / name
    if not source.is_file():
        return None
    if name == "plan.json" and _is_ours(_read_json(source)):
        return None
    if name == "project_state.json" and _is_ours_state(_read_json(source)):
        return None
    target = root / KEPT_DIR / name
    if target.exists():
        if target.is_file() and filecmp.cmp(source, target, shallow=False):
            return target.relative_to(root).as_posix()  # kept by a conversion cut short
        return None
    target.parent.mkdir(exist_ok=True)
    with atomic.atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)
        if not filecmp.cmp(source, tmp, shallow=False):
            raise ProjectError(f"could not copy {source} to {target} intact",
                               hint="check the disk, then run the command again")
    return target.relative_to(root).as_posix()


TOML_HEADER = ("# Written by flaming-horse from the original flaming-horse's voice_clone_config.json"
               " (left as it was).\n# See README, \"Voices\", for every [voice] setting.\n")


def convert(root: Path | str) -> Conversion:
    """Convert the original project at ``root`` (see the module doc); returns what was done."""
    import tomli_w

    root = Path(root).resolve()
    markers = detect(root)
    if not markers:
        raise ProjectError(f"{root} is not a project of the original flaming-horse")
    title, scenes, notes = read_original(root)
    if not any(scene.narration for scene in scenes):
        raise ProjectError(
            f"{root} looks like a project of the original flaming-horse ({', '.join(markers)}) "
            "but has no narration to make a script from",
            hint=f"{LEGACY_SCRIPT} must hold SCRIPT = {{\"key\": \"text\", ...}}; or write "
                 "script.md yourself (see README, 'The script format')")
    notes += _clip_notes(root, scenes)
    notes.append("script.md has no visuals of its own yet (the original drew them in its own "
                 "scene code, which is not run): each scene shows a title card with its title "
                 "while its narration plays; replace it with "
                 "visuals, or add them under the paragraphs")
    conversion = Conversion(root=root, title=title, scenes=scenes, markers=markers, notes=notes)
    # 1. the original's files that our build writes under the same names: copied first
    for name in KEPT:
        target = _keep(root, name)
        if target is None:
            continue
        if name == "project_state.json":  # ours is another record: it starts afresh
            (root / name).unlink()
            conversion.kept.append(f"moved the original's {name} to {target} (this tool keeps "
                                   "its own record under that name)")
        else:
            conversion.kept.append(f"copied the original's {name} to {target} (the build "
                                   f"replaces {name} with its own)")
    # 2. the voice settings
    table, voice_notes = voice_table(root)
    notes += voice_notes
    config = root / PROJECT_FILE
    settings = TOML_HEADER + tomli_w.dumps({"voice": table}) if table is not None else None
    same = config.is_file() and settings is not None and \
        config.read_text(encoding="utf-8", errors="replace") == settings  # a run cut short
    if config.exists() and not same:
        notes.append(f"{PROJECT_FILE} exists: left as it is ({VOICE_CONFIG} not applied)")
    elif settings is not None:
        atomic.write_text(config, settings)
        source = VOICE_CONFIG if (root / VOICE_CONFIG).is_file() else "the original's defaults"
        conversion.written.append(
            f"{PROJECT_FILE} ([voice] from {source}: {table['backend']}, {table['model']}, "
            f"device {table['device']}, dtype {table['dtype']})")
    # 3. the script, last: until it exists the folder is still an original project
    atomic.write_text(root / "script.md", render_script(title, scenes))
    spoken = sum(1 for s in scenes if s.narration)
    planned = "plan.json and " if any(s.original_id for s in scenes) else ""
    conversion.written.insert(0, f"script.md ({spoken} scene{'s' if spoken != 1 else ''} from "
                                 f"{planned}{LEGACY_SCRIPT})")
    conversion.left = _left_in_place(root, scenes)
    return conversion


def _left_in_place(root: Path, scenes: list[OriginalScene]) -> list[str]:
    """The original's files that stay where they are, its scene code by name (not run)."""
    left = [name for name in (LEGACY_SCRIPT, VOICE_CONFIG) if (root / name).is_file()]
    code = []
    state = _read_state(root)
    for entry in state.get("scenes") or []:
        if isinstance(entry, dict) and isinstance(entry.get("file"), str):
            code.append(entry["file"])
    code += [f"{s.original_id}.py" for s in scenes if s.original_id]
    code = [name for name in dict.fromkeys(code)
            if "/" not in name and (root / name).is_file()]
    if code:
        left.append("its scene code " + ", ".join(code) + " (kept for you, not run: scenes/ "
                    "holds ours)")
    if (root / LEGACY_DIR).is_dir():
        left.append(f"{LEGACY_DIR.as_posix()}/ (its clips, reused by the first build)")
    return left
