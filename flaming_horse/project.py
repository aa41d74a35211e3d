"""A project folder: its paths, its settings (read by ``settings.py``), its state (saved atomically)
and the lock against two builds."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from flaming_horse.errors import ProjectError
from flaming_horse_voice import atomic
from flaming_horse.settings import Settings, load_settings
from flaming_horse_voice.settings import PROJECT_FILE

ORIGINAL_DIR = "original"  # where a converted project keeps the original's files we overwrite
IMAGES_DIR = Path("media") / "images"  # the pictures a script shows, as the plan stage copied them
STAGES = ("plan", "narration", "scenes", "voice", "render", "hear", "part", "assemble", "qc")
SCENE_STAGES = ("scenes", "voice", "render", "hear", "part")  # one unit per scene
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
Status = Literal["pending", "running", "done", "failed", "interrupted"]


def validate_name(name: str) -> str:
    if not _NAME.match(name) or ".." in name:
        raise ProjectError(f"invalid project name {name!r}",
                           hint="use letters, digits, '-', '_' or '.', starting with a letter or "
                                "digit, at most 64 characters, no path separators")
    return name


class State:
    """project_state.json, the ledger: per stage and per scene, status, what the unit was built
    from (input hash, named inputs), what it wrote (outputs with size, time and digest), when,
    how long, error, attempts. Rewritten atomically after every unit.

    It alone says whether a unit is done (``ledger.verdict``). Where it cannot, the stages'
    own checks of their artifacts decide once and their answer is recorded (``adopting``): a
    missing or corrupt file, and a record of the first format (version 1, outputs without
    digests), which is how a project built before the ledger resumes with nothing rerun.
    """

    VERSION = 2
    READS = (1, 2)  # the formats it loads; it saves VERSION

    def __init__(self, path: Path) -> None:
        self.path = path
        self.recovered = False
        self.adopting = True  # no ledger of this format was found: artifacts are asked once
        self.lock = threading.RLock()  # units record from the scheduler's thread and the pools'
        self.data: dict[str, Any] = {"version": self.VERSION, "stages": {}}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if self.is_record(data):
                self.adopting = data["version"] != self.VERSION
                self.data = {**data, "version": self.VERSION}
            elif not (path.parent / ORIGINAL_DIR / path.name).is_file() \
                    or path.read_bytes() != (path.parent / ORIGINAL_DIR / path.name).read_bytes():
                self.recovered = True
            # else: the original flaming-horse's record, kept in original/ by the conversion:
            # ours starts here, and replaces it at the first save
        except FileNotFoundError:
            pass
        except (OSError, ValueError):
            self.recovered = True

    @classmethod
    def is_record(cls, data: Any) -> bool:
        """Whether ``data`` (a project_state.json's JSON) is a record of ours."""
        return isinstance(data, dict) and data.get("version") in cls.READS \
            and isinstance(data.get("stages"), dict)

    def record(self, stage: str, scene: str | None = None) -> dict[str, Any]:
        with self.lock:
            entry = self.data["stages"].setdefault(stage, {})
            if scene is not None:
                entry = entry.setdefault("scenes", {}).setdefault(scene, {})
            return entry

    def peek(self, stage: str, scene: str | None = None) -> dict[str, Any]:
        """The record, or {} when there is none (nothing is added)."""
        entry = self.data["stages"].get(stage, {})
        return entry.get("scenes", {}).get(scene, {}) if scene is not None else entry

    def update(self, stage: str, scene: str | None = None, **fields: Any) -> None:
        with self.lock:
            entry = self.record(stage, scene)
            if fields.get("status") == "running":
                entry["attempts"] = entry.get("attempts", 0) + 1
            entry.update(fields,
                         updated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
            self.save()

    def forget(self, stage: str, scenes: list[str] | None = None) -> None:
        """The user reset the stage (or some of its scenes): their records say so, and nothing
        else, so the next build runs them again with the reason "reset by user"."""
        reset = {"status": "reset",
                 "updated_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        if scenes is None and stage in SCENE_STAGES:
            scenes = list(self.data["stages"].get(stage, {}).get("scenes", {}))
        if scenes is None:
            self.data["stages"][stage] = reset
        else:
            for scene in scenes:
                self.record(stage, scene).clear()
                self.record(stage, scene).update(reset)
        self.save()

    def prune_scenes(self, stage: str, keep: set[str]) -> None:
        scenes = self.data["stages"].get(stage, {}).get("scenes", {})
        for scene in set(scenes) - keep:
            del scenes[scene]

    def save(self) -> None:
        with self.lock:  # never serialised while another thread adds a record
            atomic.write_json(self.path, self.data)


class Project:
    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.name = self.root.name
        self._settings: Settings | None = None
        self.overrides: dict[str, str | None] = {}

    # -- paths -----------------------------------------------------------------------------
    script = property(lambda self: self.root / "script.md")
    config_file = property(lambda self: self.root / PROJECT_FILE)
    plan_file = property(lambda self: self.root / "plan.json")
    narration_file = property(lambda self: self.root / "narration.json")
    scenes_dir = property(lambda self: self.root / "scenes")
    media_dir = property(lambda self: self.root / "media")
    manim_media_dir = property(lambda self: self.root / "media" / "manim")
    renders_dir = property(lambda self: self.root / "media" / "scenes")
    assembled_dir = property(lambda self: self.root / "media" / "assembled")
    preview_dir = property(lambda self: self.root / "media" / "preview")
    images_dir = property(lambda self: self.root / IMAGES_DIR)
    log_dir = property(lambda self: self.root / "log")
    events_file = property(lambda self: self.root / "log" / "events.jsonl")
    final_video = property(lambda self: self.root / "final_video.mp4")
    qc_report = property(lambda self: self.root / "qc_report.json")
    qc_page = property(lambda self: self.root / "qc" / "index.html")  # the QC page (report.page)
    state_file = property(lambda self: self.root / "project_state.json")
    lock_file = property(lambda self: self.root / ".flaming-horse.lock")

    def scene_file(self, scene_id: str) -> Path:
        return self.scenes_dir / f"{scene_id}.py"

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.root).with_overrides(**self.overrides)
        return self._settings

    def set_overrides(self, quality: str | None = None, voice: str | None = None,
                      executor: str | None = None, ray_address: str | None = None,
                      run_unboxed_llm_code: bool = False) -> None:
        self.overrides = {"quality": quality, "voice": voice, "executor": executor,
                          "ray_address": ray_address,
                          "run_unboxed_llm_code": run_unboxed_llm_code}
        self._settings = None

    def state(self) -> State:
        return State(self.state_file)

    def discard(self, paths: list[Path]) -> int:
        """Delete pipeline files (a unit's superseded outputs, what ``reset`` names): the one
        place that does. Only inside the project, never its script or settings. Returns how
        many files and folders went."""
        removed = 0
        keep = {self.script.resolve(), self.config_file.resolve(), self.root}
        for path in paths:
            path = Path(path)
            if path.resolve() in keep or not path.resolve().is_relative_to(self.root):
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            elif path.exists() or path.is_symlink():
                path.unlink()
            else:
                continue
            removed += 1
        return removed

    # -- opening -----------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str) -> "Project":
        root = Path(path)
        if not root.is_dir():
            raise ProjectError(f"no project at {root}",
                               hint="create one with: flaming-horse create NAME --topic ...")
        if not (root / "script.md").is_file():
            from flaming_horse.original_layout import detect

            markers = detect(root)
            if markers:
                raise ProjectError(
                    f"{root} was made by the original flaming-horse ({', '.join(markers)}) "
                    "and is not converted yet",
                    hint=f"flaming-horse build {root} (or status) converts it once, keeping "
                         "its files; see README, 'Projects made by the original flaming-horse'")
            raise ProjectError(f"{root} has no script.md, so it is not a flaming-horse project",
                               hint="create one with: flaming-horse create NAME --topic ...")
        return cls(root)

    def lock(self) -> "ProjectLock":
        return ProjectLock(self.lock_file)


class ProjectLock:
    """An exclusive flock on the project's lock file; the kernel drops it if the process dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: Any = None

    def __enter__(self) -> "ProjectLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise ProjectError(f"another build of {self.path.parent.name} is running (pid {holder})",
                               hint="wait for it to finish, or stop it (Ctrl-C) and run build again")
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self.handle = handle
        return self

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            self.handle.seek(0)
            self.handle.truncate()
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
