"""A project folder: its paths, settings, state (saved atomically) and the lock against two builds."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal, get_type_hints

from flaming_horse.errors import ProjectError
from flaming_horse_voice import atomic
from flaming_horse_voice.settings import (
    PROJECT_FILE, VoiceSettings, from_environment, from_mapping, read_toml, with_reference,
)

QUALITIES: dict[str, tuple[str, int, int]] = {  # name -> (manim flag, height, fps)
    "low": ("l", 480, 15),
    "medium": ("m", 720, 30),
    "high": ("h", 1080, 60),
}
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


@dataclass(frozen=True)
class AudioSettings:
    normalize: bool = True
    loudness: float = -16.0  # integrated LUFS target (EBU R128, measured gain + limiter)
    true_peak: float = -1.5  # dBTP ceiling


@dataclass(frozen=True)
class QCSettings:
    max_av_drift_frames: float = 1.0  # per scene |audio - video|
    max_black_s: float = 1.0  # black stretches longer than this fail
    max_freeze_s: float = 20.0  # a picture held longer than this fails (explainers hold a while)
    max_silence_s: float = 1.5  # silences inside the narration longer than this fail
    min_visual_states: int = 2  # fewer distinct pictures: a scene that never changes
    loudness_tolerance_lu: float = 1.0  # |integrated - target| when normalising
    max_true_peak: float = -1.0  # dBTP
    layout: str = "fail"  # text off the frame or over other text: "fail" the scene, or "warn"
    spoken: str = "fail"  # a clip that did not say its narration (hearing): "fail" or "warn"


EXECUTORS = ("local", "ray")  # where scene renders run: this machine's process pool, or a Ray cluster


@dataclass(frozen=True)
class RaySettings:
    """The ``[ray]`` table: how a build uses a Ray cluster (``executor = "ray"``)."""

    address: str = ""  # the head node, e.g. "10.0.0.5:6379"; FLAMING_HORSE_RAY_ADDRESS; --ray-address
    num_cpus: float = 1.0  # CPUs each scene render asks the cluster for
    voice: bool = False  # speak on the cluster too (one task per scene), not in this process
    voice_num_gpus: float = 0.0  # GPUs each voice task asks for (heavy backends: 1)
    voice_num_cpus: float = 1.0  # CPUs each voice task asks for
    max_retries: int = 3  # times a task is run again when its worker or node dies
    shared_dir: str = ""  # a folder every node and this machine see (NFS ...): renders come
    # back as files there instead of bytes through Ray's object store


SUBTITLE_MODES = ("file", "soft", "burn")  # final_video.srt; + a soft track; + burned in
AUTHORS = ("template", "llm")  # who writes scene code: the offline templates or the [llm] model


@dataclass(frozen=True)
class LLMConfig:
    """The ``[llm]`` table. No API key here on purpose: it comes from the environment only
    (FLAMING_HORSE_LLM_API_KEY, else OPENAI_API_KEY), so this table is safe to commit."""

    base_url: str = ""  # e.g. https://api.openai.com/v1, http://localhost:11434/v1
    model: str = ""
    temperature: float = 0.4
    max_tokens: int = 4096
    timeout_s: float = 120.0
    repair_attempts: int = 3  # repair rounds for a scene body that fails a gate

    @property
    def configured(self) -> bool:
        return bool(self.base_url.strip() and self.model.strip())

    def identity(self) -> dict[str, Any]:
        """What changes generated code: part of an LLM-written scene's input hash."""
        return {"model": self.model, "temperature": self.temperature,
                "max_tokens": self.max_tokens, "repair_attempts": self.repair_attempts}


@dataclass(frozen=True)
class SandboxSettings:
    """The ``[sandbox]`` table: how code written by a language model runs (see README)."""

    box: str = "auto"  # auto (bubblewrap where it works), bwrap (required), none (never)
    run_unboxed_llm_code: bool = False  # where there is no box: run model code anyway
    # a render of model code may take base + per second of narration (x2 medium, x4 high);
    # a dry run half of that at least 10 s
    time_limit_base_s: float = 60.0
    time_limit_per_audio_s: float = 12.0
    memory_limit_gib: float = 6.0


@dataclass(frozen=True)
class Settings:
    quality: str = "low"
    voice: VoiceSettings = field(default_factory=VoiceSettings)
    audio: AudioSettings = field(default_factory=AudioSettings)
    qc: QCSettings = field(default_factory=QCSettings)
    subtitles: str = "file"
    author: str = "template"
    llm: LLMConfig = field(default_factory=LLMConfig)
    executor: str = "local"
    ray: RaySettings = field(default_factory=RaySettings)
    sandbox: SandboxSettings = field(default_factory=SandboxSettings)

    @property
    def fps(self) -> int:
        return QUALITIES[self.quality][2]

    def with_overrides(self, quality: str | None = None, voice: str | None = None,
                       subtitles: str | None = None, executor: str | None = None,
                       ray_address: str | None = None,
                       run_unboxed_llm_code: bool = False) -> "Settings":
        settings = self
        if run_unboxed_llm_code:
            settings = replace(settings, sandbox=replace(settings.sandbox,
                                                         run_unboxed_llm_code=True))
        if executor is not None:
            settings = replace(settings, executor=check_executor(executor))
        if ray_address is not None:
            settings = replace(settings, ray=replace(settings.ray, address=ray_address))
        if quality is not None:
            settings = replace(settings, quality=check_quality(quality))
        if subtitles is not None:
            settings = replace(settings, subtitles=check_subtitles(subtitles))
        if voice is not None:
            settings = replace(settings, voice=replace(settings.voice, backend=voice))
        return settings


def _choice(value: str, allowed, what: str, hint: str) -> str:
    """``value`` when it is one of ``allowed``; else ProjectError naming ``what`` it should be."""
    if value not in allowed:
        raise ProjectError(f"unknown {what} {value!r}", hint=hint)
    return value


def check_executor(value: str) -> str:
    return _choice(value, EXECUTORS, "executor", "local (this machine's process pool, the "
                   "default) or ray (a Ray cluster: --ray-address HOST:PORT)")


def check_quality(value: str) -> str:
    return _choice(value, QUALITIES, "quality",
                   f"use one of: {', '.join(QUALITIES)} (480p15, 720p30, 1080p60)")


def user_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "flaming-horse" / "config.toml"


def _table(cls: type, base: Any, table: dict[str, Any], source: Path, name: str) -> Any:
    """A settings table read into ``cls``: each value validated against its field's type by
    pydantic, so "false" is False (not the truthy string) and 2.5 is no whole number."""
    from pydantic import TypeAdapter, ValidationError

    known = get_type_hints(cls)
    unknown = set(table) - set(known)
    if unknown:
        raise ProjectError(f"{source}: unknown [{name}] setting(s): {', '.join(sorted(unknown))}",
                           hint=f"known: {', '.join(sorted(known))}")
    values = {}
    for key, value in table.items():
        kind = known[key]
        try:
            values[key] = TypeAdapter(kind).validate_python(value)
        except ValidationError as exc:
            wanted = getattr(kind, "__name__", str(kind))
            raise ProjectError(f"{source}: [{name}] {key} = {value!r} is not a valid {wanted}",
                               hint=exc.errors()[0]["msg"]) from None
    return replace(base, **values)


def _apply(settings: Settings, table: dict[str, Any], source: Path) -> Settings:
    known = {"quality", "voice", "audio", "qc", "subtitles", "author", "llm", "executor", "ray",
             "sandbox"}
    unknown = set(table) - known
    if unknown:
        raise ProjectError(f"{source}: unknown setting(s): {', '.join(sorted(unknown))}",
                           hint=f"known top-level settings: {', '.join(sorted(known))}")
    if "quality" in table:
        settings = replace(settings, quality=check_quality(str(table["quality"])))
    if "voice" in table:
        settings = replace(settings, voice=from_mapping(table["voice"], settings.voice))
    if "audio" in table:
        settings = replace(settings, audio=_table(AudioSettings, settings.audio, table["audio"],
                                                  source, "audio"))
    if "qc" in table:
        settings = replace(settings, qc=_table(QCSettings, settings.qc, table["qc"], source, "qc"))
    if "subtitles" in table:
        settings = replace(settings, subtitles=check_subtitles(str(table["subtitles"])))
    if "author" in table:
        settings = replace(settings, author=check_author(str(table["author"])))
    if "executor" in table:
        settings = replace(settings, executor=check_executor(str(table["executor"])))
    if "ray" in table:
        settings = replace(settings, ray=_table(RaySettings, settings.ray, table["ray"], source,
                                                "ray"))
    if "sandbox" in table:
        sandbox = _table(SandboxSettings, settings.sandbox, table["sandbox"], source, "sandbox")
        _choice(sandbox.box, ("auto", "bwrap", "none"), "[sandbox] box",
                "auto (a box where one can be made), bwrap (always; fail without) or none")
        if not isinstance(table["sandbox"].get("run_unboxed_llm_code", False), bool):
            raise ProjectError(f"{source}: [sandbox] run_unboxed_llm_code must be true or false")
        settings = replace(settings, sandbox=sandbox)
    if "llm" in table:
        if "api_key" in table["llm"]:
            raise ProjectError(f"{source}: [llm] api_key is not read from files",
                               hint="put the key in the environment: FLAMING_HORSE_LLM_API_KEY "
                                    "(or OPENAI_API_KEY), and remove it from the file")
        settings = replace(settings, llm=_table(LLMConfig, settings.llm, table["llm"], source,
                                                "llm"))
    return settings


def check_author(value: str) -> str:
    return _choice(value, AUTHORS, "author",
                   "template (offline, from the storyboard) or llm (the [llm] model)")


def check_subtitles(mode: str) -> str:
    return _choice(mode, SUBTITLE_MODES, "subtitles mode", "file (final_video.srt), soft (also "
                   "a subtitle track in the mp4) or burn (also drawn into the picture)")


def load_settings(root: Path) -> Settings:
    """defaults < user config < the project's flaming-horse.toml < FLAMING_HORSE_* environment
    (FLAMING_HORSE_QUALITY, FLAMING_HORSE_LLM_BASE_URL, FLAMING_HORSE_LLM_MODEL,
    FLAMING_HORSE_EXECUTOR, FLAMING_HORSE_RAY_ADDRESS, voice ones)."""
    settings = Settings()
    for path in (user_config_path(), root / PROJECT_FILE):
        settings = _apply(settings, read_toml(path), path)
    if os.environ.get("FLAMING_HORSE_QUALITY"):
        settings = replace(settings, quality=check_quality(os.environ["FLAMING_HORSE_QUALITY"]))
    if os.environ.get("FLAMING_HORSE_EXECUTOR"):
        settings = replace(settings, executor=check_executor(os.environ["FLAMING_HORSE_EXECUTOR"]))
    if os.environ.get("FLAMING_HORSE_RAY_ADDRESS"):
        settings = replace(settings, ray=replace(settings.ray,
                                                 address=os.environ["FLAMING_HORSE_RAY_ADDRESS"]))
    if os.environ.get("FLAMING_HORSE_SANDBOX"):
        box = _choice(os.environ["FLAMING_HORSE_SANDBOX"], ("auto", "bwrap", "none"),
                      "FLAMING_HORSE_SANDBOX", "auto, bwrap or none")
        settings = replace(settings, sandbox=replace(settings.sandbox, box=box))
    if os.environ.get("FLAMING_HORSE_RUN_UNBOXED_LLM_CODE", "").lower() in ("1", "true", "yes"):
        settings = replace(settings, sandbox=replace(settings.sandbox, run_unboxed_llm_code=True))
    llm = settings.llm
    for name, env in (("base_url", "FLAMING_HORSE_LLM_BASE_URL"),
                      ("model", "FLAMING_HORSE_LLM_MODEL")):
        if os.environ.get(env):
            llm = replace(llm, **{name: os.environ[env]})
    return replace(settings, voice=with_reference(from_environment(settings.voice), root),
                   llm=llm)


class State:
    """project_state.json: per stage and per scene, status, input hash, outputs, error, attempts.

    Artifacts on disk are the truth (each records its own input hash); this file is the record of
    what happened, rewritten atomically after every unit. A missing or corrupt file starts empty
    and is filled in again as the stages re-check their artifacts.
    """

    VERSION = 1

    def __init__(self, path: Path) -> None:
        self.path = path
        self.recovered = False
        self.lock = threading.RLock()  # units record from the scheduler's thread and the pools'
        self.data: dict[str, Any] = {"version": self.VERSION, "stages": {}}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if self.is_record(data):
                self.data = data
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
        return isinstance(data, dict) and data.get("version") == cls.VERSION \
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
