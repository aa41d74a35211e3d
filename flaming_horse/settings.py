"""Settings: defaults < the user's config < the project's flaming-horse.toml < FLAMING_HORSE_*
environment < the command line. Each table is read by pydantic per field type (``_table``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, get_type_hints

from flaming_horse.errors import ProjectError
from flaming_horse_voice.settings import (
    PROJECT_FILE, VoiceSettings, from_environment, from_mapping, read_toml, with_reference,
)

QUALITIES: dict[str, tuple[str, int, int]] = {  # name -> (manim flag, height, fps)
    "low": ("l", 480, 15),
    "medium": ("m", 720, 30),
    "high": ("h", 1080, 60),
}


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
