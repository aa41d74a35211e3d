"""Converting: copying aside the original's files our build overwrites, then writing
flaming-horse.toml and script.md (last), atomically."""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

from flaming_horse.authoring.original.markdown import render_script
from flaming_horse.authoring.original.model import (
    Conversion, KEPT, OriginalScene,
)
from flaming_horse.authoring.original.reading import (
    clip_notes, read_original, read_state,
    voice_table,
)
from flaming_horse.errors import ProjectError
from flaming_horse.original_layout import VOICE_CONFIG, detect, is_ours, read_json
from flaming_horse.project import ORIGINAL_DIR, State
from flaming_horse_voice import atomic
from flaming_horse_voice.legacy import LEGACY_DIR, LEGACY_SCRIPT
from flaming_horse_voice.settings import PROJECT_FILE


def _keep(root: Path, name: str) -> str | None:
    """Copy the original's ``name`` into original/ (byte for byte, atomically, verified): the
    copy's path relative to ``root``, None when there is nothing of the original's to keep. Once
    original/ holds a ``name``, the original's is kept: a different file at the root since then
    is ours (a build after an earlier conversion), and is neither copied nor moved."""
    source = root / name
    if not source.is_file():
        return None
    if name == "plan.json" and is_ours(read_json(source)):
        return None
    if name == "project_state.json" and State.is_record(read_json(source)):
        return None
    target = root / ORIGINAL_DIR / name
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


TOML_HEADER = ("# Written by flaming-horse from the original flaming-horse's "
               "voice_clone_config.json (left as it was).\n"
               "# See README, \"Voices\", for every [voice] setting.\n")


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
    notes += clip_notes(root, scenes)
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
    state = read_state(root)
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
