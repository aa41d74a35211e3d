"""plan: script.md -> plan.json (the storyboard). Formulas are compiled by LaTeX here, before any
rendering, so a bad one is reported with its line in script.md."""

from __future__ import annotations

import logging
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from flaming_horse.authoring.script import Formula, compile_script
from flaming_horse.errors import FlamingHorseError, ScriptError
from flaming_horse.hashing import hash_json
from flaming_horse.unit import Unit, default_jobs
from flaming_horse.project import Project
from flaming_horse.reporting import Progress
from flaming_horse.stages import images
from flaming_horse.stages.artifacts import recorded_hash
from flaming_horse_voice import atomic

PARSER_VERSION = "3"  # 2: formulas compiled as MathTex, as the scenes draw them; 3: Markdown
# as people write it (display math over lines, numbered lists, quotes, tables, images)


def latex_error(log_file: Path, fallback: str) -> str:
    """The first '!' line of a LaTeX log, with the line after it (which shows where)."""
    if log_file.is_file():
        lines = log_file.read_text(errors="replace").splitlines()
        for index, line in enumerate(lines):
            if line.startswith("!"):
                return " ".join([line.lstrip("! ").strip(), *lines[index + 1:index + 2]]).strip()
    return " ".join(fallback.split())[:300]


def _latex_failure(tex_file: Path, template) -> str | None:
    """Run LaTeX on one .tex file, contained (scene_kit.tex); None when it compiles, else the
    error (the log has details)."""
    from flaming_horse.scene_kit.tex import compile_tex

    try:
        compile_tex(tex_file, template.tex_compiler, template.output_format)
    except Exception as exc:  # noqa: BLE001 - manim raises ValueError, or crashes reporting it
        return str(exc) or type(exc).__name__
    return None


def check_formulas(project: Project, formulas: list[Formula], progress: Progress) -> None:
    """Compile every formula with the scenes' TeX template; manim caches the SVGs for the render."""
    if not formulas:
        return
    from manim import MathTex, config
    from manim.utils.tex_file_writing import generate_tex_file

    from flaming_horse import scene_kit
    from flaming_horse.scene_kit.tex import harden

    harden()  # formulas are untrusted input: every TeX run of this process is contained
    config.media_dir = str(project.manim_media_dir)
    logging.getLogger("manim").setLevel(logging.CRITICAL)  # we report the error ourselves
    template = scene_kit.tex_template()
    # The formula alone first, all at once (LaTeX runs as subprocesses): its errors name it,
    # while MathTex's wrapping can hide them (\frac{1}{ compiles and draws nothing).
    tex_files = [Path(generate_tex_file(f.latex, environment="align*", tex_template=template))
                 for f in formulas]
    unique = list(dict.fromkeys(tex_files))  # one LaTeX run per distinct formula: no races
    with ThreadPoolExecutor(max_workers=default_jobs()) as pool:
        failed = dict(zip(unique, pool.map(lambda tex: _latex_failure(tex, template), unique)))
    for formula, tex_file in zip(formulas, tex_files):
        failure = failed[tex_file]
        if failure is not None:
            detail = latex_error(tex_file.with_suffix(".log"), failure)
            raise ScriptError(f"LaTeX cannot compile ${formula.latex}$: {detail}",
                              line=formula.line, path="script.md",
                              hint="fix the formula; it must compile in an amsmath 'align*' block")
    for done, formula in enumerate(formulas, start=1):
        MathTex(formula.latex, tex_template=template)  # as the scene draws it: cached for render
        progress.step(done, formula.latex)


def units(project: Project, scenes: list[str] | None = None) -> list[Unit]:
    if not project.script.is_file():
        raise FlamingHorseError(f"{project.script} is missing",
                                hint="write a script.md (see README) or create the project again")
    text = project.script.read_text(encoding="utf-8")
    input_hash = hash_json({"script": text, "parser": PARSER_VERSION,
                            "images": images.fingerprint(project.root, images.referenced(text))})

    def write(progress: Progress | None) -> None:
        compiled = compile_script(text, path="script.md",
                                  images=images.Importer(project.root, "script.md"))
        if progress is not None:  # a preview skips LaTeX
            check_formulas(project, compiled.formulas, progress)
        atomic.write_json(project.plan_file, {"input_hash": input_hash,
                                              "plan": compiled.plan.model_dump(mode="json")})

    return [Unit("plan", None, input_hash,
                 is_done=lambda: recorded_hash(project.plan_file) == input_hash,
                 run=write, preview=lambda: write(None), outputs=lambda: [project.plan_file],
                 inputs={"script": sections(text), "parser": PARSER_VERSION,
                         "images": images.fingerprint(project.root, images.referenced(text))})]


def sections(text: str) -> dict[str, str]:
    """The script by Markdown heading ({"Two squares": its lines}), for a reason that says which
    part changed; what comes before the first heading is "the opening". Lines in code fences
    are never headings."""
    result: dict[str, str] = {}
    name, lines, fence = "the opening", [], False
    for line in text.splitlines(keepends=True):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        if not fence and re.match(r"#{1,6}\s", line):
            if lines:
                result[name] = "".join(lines)
            heading = line.lstrip("#").strip()[:40] or "untitled"
            name, count = heading, 2
            while name in result:
                name, count = f"{heading} ({count})", count + 1
            lines = []
        lines.append(line)
    if lines:
        result[name] = "".join(lines)
    return result
