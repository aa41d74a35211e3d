"""flaming-horse create NAME --topic TOPIC|SCRIPT.md: start a project and build its video."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import tomli_w
import typer

from flaming_horse.authoring.starter import starter_script
from flaming_horse.cli.build import finish_message
from flaming_horse.cli.common import (
    EXECUTOR_HELP, JOBS_HELP, RAY_ADDRESS_HELP, UNBOXED_HELP, build_with_progress, console,
    open_project, show_path,
)
from flaming_horse.errors import ProjectError
from flaming_horse.project import validate_name
from flaming_horse.settings import check_quality, load_settings
from flaming_horse_voice import atomic


def _looks_like_file(topic: str) -> bool:
    return topic.endswith((".md", ".markdown", ".txt")) or "/" in topic


def copy_pictures(script: str, folder: Path, root: Path) -> list[str]:
    """The images ``script`` shows, copied from beside it (``folder``) to the same place in the
    project; names outside ``folder``, missing files and ones already there are left alone (the
    plan stage reports what is still missing, with its line)."""
    from flaming_horse.stages.images import referenced

    copied = []
    for name in dict.fromkeys(referenced(script)):
        source, target = (folder / name).resolve(), (root / name).resolve()
        if (source.is_file() and source.is_relative_to(folder) and target.is_relative_to(root)
                and source != target and not target.exists()):
            atomic.write_bytes(target, source.read_bytes())
            copied.append(name)
    return copied


def create(
    name: str = typer.Argument(..., help="Project name (letters, digits, '-', '_', '.')."),
    topic: str = typer.Option(..., "--topic", "-t",
                              help="A Markdown script file, or a topic in words."),
    projects_dir: Path = typer.Option(Path("projects"), "--projects-dir",
                                      help="Where projects live."),
    quality: str = typer.Option("low", "--quality", "-q",
                                help="low (480p15), medium (720p30) or high (1080p60)."),
    voice: Optional[str] = typer.Option(None, "--voice", help="Voice backend (default: piper)."),
    force: bool = typer.Option(False, "--force",
                               help="Replace the script of an existing project (caches are kept)."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help=JOBS_HELP),
    review: bool = typer.Option(False, "--review",
                                help="Stop after writing script.md, so you can edit it first."),
    executor: Optional[str] = typer.Option(None, "--executor", help=EXECUTOR_HELP),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", help=RAY_ADDRESS_HELP),
    run_unboxed_llm_code: bool = typer.Option(False, "--run-unboxed-llm-code",
                                              help=UNBOXED_HELP),
) -> None:
    """Create a project from a script or a topic, and build its video.

    With an LLM configured ([llm] settings or FLAMING_HORSE_LLM_*), a topic in words is written
    into a script by the model, and the model writes the scene code too (author = "llm")."""
    validate_name(name)
    check_quality(quality)
    root = projects_dir / name
    if (root / "script.md").exists() and not force:
        raise ProjectError(f"project {root} already exists",
                           hint=f"resume it with: flaming-horse build {root}  (or pass --force to "
                                "replace its script)")
    source = Path(topic).expanduser()
    if source.is_file():
        script = source.read_text(encoding="utf-8")
        starter = by_llm = False
    elif _looks_like_file(topic):
        raise ProjectError(f"script file not found: {topic}",
                           hint="pass an existing .md file, or a topic in words")
    elif (llm := load_settings(root).llm).configured:
        from flaming_horse.authoring.llm.author import write_script

        root.mkdir(parents=True, exist_ok=True)
        console.print(f"Asking {llm.model} at {llm.base_url} for a script about {topic!r} ...")
        script = write_script(topic, llm, root / "log" / "llm.jsonl")
        starter, by_llm = False, True
    else:
        script = starter_script(topic)
        starter, by_llm = True, False
    root.mkdir(parents=True, exist_ok=True)
    if source.is_file():
        for picture in copy_pictures(script, source.resolve().parent, root.resolve()):
            console.print(f"copied {picture} into the project (the script shows it)")
    atomic.write_text(root / "script.md", script)
    if force or not (root / "flaming-horse.toml").exists():
        atomic.write_text(root / "flaming-horse.toml", project_settings(quality, by_llm, voice))
    how = ("written from the topic (starter script)" if starter else
           "written from the topic by the LLM" if by_llm else f"copied from {topic}")
    console.print(f"Project [bold]{show_path(root)}[/]: script.md {how}")
    if review:
        console.print(f"Review and edit {show_path(root / 'script.md')} (see README, 'The script "
                      f"format'), then run: flaming-horse build {show_path(root)}")
        return
    project = open_project(root, executor=executor, ray_address=ray_address,
                           run_unboxed_llm_code=run_unboxed_llm_code)
    results = build_with_progress(project, jobs=jobs)
    finish_message(project, results)
    if starter:
        console.print(
            f"This is a starter video. Edit {show_path(project.script)} to tell the story "
            f"(see README, 'The script format'), then run: flaming-horse build {show_path(root)}\n"
            "To have a language model write the script instead, configure an LLM author "
            "(see README, 'Authors').")


def project_settings(quality: str, by_llm: bool, voice: str | None) -> str:
    """A new project's flaming-horse.toml, written by a TOML writer (tomli-w): a voice name
    with a quote or a backslash in it stays one valid string."""
    settings: dict[str, object] = {"quality": quality}
    if by_llm:
        settings["author"] = "llm"  # the [llm] model writes scene code ("template": offline)
    if voice:
        settings["voice"] = {"backend": voice}
    return tomli_w.dumps(settings)
