"""Reading an original project: recognising its layout, its scenes (plan.json and
narration_script.py, read with ast only), its clips and its voice (voice_clone_config.json)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flaming_horse.authoring.original.markdown import one_line, title_from_id
from flaming_horse.authoring.original.model import (
    DEFAULT_MODEL, DEFAULT_QWEN_PYTHON, DEFAULT_REFERENCE, DEFAULT_TRANSCRIPT,
    OriginalScene, VOICE_KEYS,
)
from flaming_horse.original_layout import VOICE_CONFIG, is_ours, read_json
from flaming_horse.project import ORIGINAL_DIR, State
from flaming_horse_voice.cache import speakable
from flaming_horse_voice.legacy import LEGACY_DIR, LEGACY_SCRIPT, find_legacy, load_script
from flaming_horse_voice.settings import DEVICES, DTYPES, PROJECT_FILE, from_mapping


# -- reading the original ----------------------------------------------------------------------

def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [one_line(v) for v in value if isinstance(v, str) and v.strip()]


def read_state(root: Path) -> dict:
    """The original's project_state.json, from the root or, after a conversion, original/."""
    for path in (root / "project_state.json", root / ORIGINAL_DIR / "project_state.json"):
        data = read_json(path)
        if isinstance(data, dict) and not State.is_record(data):
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
    if not path.is_file() or is_ours(read_json(path)):
        path = root / ORIGINAL_DIR / "plan.json"
    if not path.is_file():
        notes.append("there is no plan.json: scenes follow narration_script.py's order")
        return {}, None
    plan = read_json(path)
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
    state = read_state(root)
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


def clip_notes(root: Path, scenes: list[OriginalScene]) -> list[str]:
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
    config = read_json(path) if path.is_file() else None
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
