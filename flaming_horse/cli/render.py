"""flaming-horse render DIR --scene N: render one scene quickly and show where to look."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from flaming_horse import media
from flaming_horse.cli.common import (
    UNBOXED_HELP, build_with_progress, console, open_project, show_path,
)
from flaming_horse.errors import ProjectError
from flaming_horse.stages import manim_run
from flaming_horse.stages.layout_findings import layout_findings
from flaming_horse.stages import render as render_stage
from flaming_horse.stages.artifacts import load_plan


def render(
    directory: Path = typer.Argument(..., help="The project folder."),
    scene: int = typer.Option(..., "--scene", "-s", help="Scene number (1 is the first '##')."),
    quality: str = typer.Option("low", "--quality", "-q", help="low, medium or high."),
    run_unboxed_llm_code: bool = typer.Option(False, "--run-unboxed-llm-code",
                                              help=UNBOXED_HELP),
) -> None:
    """Render one scene (low quality by default) and print the mp4 and a still frame."""
    project = open_project(directory, quality=quality,
                           run_unboxed_llm_code=run_unboxed_llm_code)
    build_with_progress(project, until="narration")
    plan = load_plan(project)
    ids = [s.id for s in plan.scenes]
    scene_id = f"scene_{scene:02d}"
    if scene_id not in ids:
        raise ProjectError(f"there is no scene {scene}: the plan has {len(ids)} scene(s)",
                           hint=f"pick a number from 1 to {len(ids)}")
    build_with_progress(project, until="render", scenes=[scene_id])
    unit = render_stage.units(project, [scene_id])[0]
    mp4 = manim_run.output_path(project, scene_id, quality, unit.input_hash)
    still = project.preview_dir / f"{scene_id}.png"
    still.parent.mkdir(parents=True, exist_ok=True)
    media.last_frame(mp4, still)
    info = media.probe(mp4)
    console.print(f"{scene_id} ({info.duration:.1f} s, {info.width}x{info.height})\n"
                  f"  video: {show_path(mp4)}\n  still: {show_path(still)}")
    findings = layout_findings(mp4)
    if findings:
        console.print(f"[red]layout: {len(findings)} problem(s)[/]")
        for f in findings:
            console.print(escape(f"  {f.time:6.2f} s  beat {f.beat}  {f.kind}: "
                                 f"{' / '.join(f.mobjects)}"), highlight=False)
    elif findings is not None:
        console.print("  layout: nothing off the frame, no text over text")
