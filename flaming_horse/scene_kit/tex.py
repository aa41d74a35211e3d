"""LaTeX for MathTex and Tex: the template (plain article class, no standalone.cls needed) and
how every TeX run of a process is contained.

A formula is untrusted input wherever it comes from (a model's plan, a script someone downloaded),
and TeX is a programming language with files and a shell. ``harden()`` makes every TeX run of
this process (manim's ``Tex``/``MathTex`` and the plan stage's formula check) go through
``compile_tex`` and ``convert_to_svg`` below instead of manim's:

- kpathsea's ``openin_any=p``, ``openout_any=p`` (no absolute paths outside the TeX folder, no
  ``..``, no dot files) and ``shell_escape=f`` (no ``\\write18``, no ``\\input|"cmd"`` pipes, not
  even the "restricted" list with kpsewhich), and ``-no-shell-escape`` on the command line;
- the compiler fixed to ``latex`` producing DVI (a template that asks for lualatex, whose
  ``\\directlua`` runs Lua, or xelatex is refused);
- dvisvgm with PostScript specials off (they hand code to Ghostscript outside its safe mode), and
  the raw-SVG and PDF special sets too;
- a time limit on each run, with the whole process group killed at the limit
  (``\\def\\x{\\x}\\x`` loops forever otherwise).
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from manim import TexTemplate

PREAMBLE = "\n".join([
    r"\usepackage{amsmath}",
    r"\usepackage{amssymb}",
    r"\pagestyle{empty}",
])
# kpathsea reads texmf.cnf variables from the environment first
TEX_ENVIRONMENT = {"openin_any": "p", "openout_any": "p", "shell_escape": "f"}
# dvisvgm's special sets that read files or run code: PostScript (Ghostscript), raw SVG and
# images (dvisvgm:img reads a file) and PDF (font map files). At most three names: dvisvgm 3.0
# ignores a list of four or more (measured), and html specials are only hyperlinks.
SPECIALS_OFF = "ps,dvisvgm,pdf"
COMPILER = "latex"
TIMEOUT_S = 30.0


def tex_template() -> TexTemplate:
    """A TexTemplate on ``\\documentclass[preview]{article}`` that compiles with texlive-latex-base.

    ``article`` ignores the ``preview`` option; ``\\pagestyle{empty}`` drops the page number and
    dvisvgm crops the page to the formula. Returns a fresh object each call (callers may edit it).
    """
    return TexTemplate(
        description="flaming-horse article template",
        documentclass=r"\documentclass[preview]{article}",
        preamble=PREAMBLE,
    )


def tex_environment(tex_dir: Path) -> dict[str, str]:
    """The environment of one TeX run: this process's, with the safety settings forced and
    ``TEXMFOUTPUT`` (the one folder absolute paths may name) set to the run's own folder."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("TEXMFCNF", "TEXINPUTS", "TEXMFHOME", "TEXMFLOCAL")}
    return env | TEX_ENVIRONMENT | {"TEXMFOUTPUT": str(tex_dir)}


def run_contained(command: list[str], cwd: Path, env: dict[str, str],
                  timeout_s: float | None = None) -> int:
    """Run a TeX tool in its own session; at the time limit (default ``TIMEOUT_S``) its whole
    process group is killed. Returns the exit code (-9 when killed)."""
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        return proc.wait(timeout=TIMEOUT_S if timeout_s is None else timeout_s)
    except subprocess.TimeoutExpired:
        return _kill_group(proc)
    except BaseException:
        _kill_group(proc)
        raise


def _kill_group(proc: subprocess.Popen) -> int:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    return -9


def compile_tex(tex_file: Path, tex_compiler: str | list[str], output_format: str) -> Path:
    """Replaces manim's ``compile_tex``: ``latex`` only, contained, time-limited. Raises
    ValueError (as manim does) when it fails; the log beside the .tex file says why."""
    tex_file = Path(tex_file)
    compilers = [tex_compiler] if isinstance(tex_compiler, str) else list(tex_compiler)
    if compilers != [COMPILER] or output_format != ".dvi":
        raise ValueError(f"TeX compiler {tex_compiler!r} ({output_format}) is not allowed: "
                         f"formulas compile with {COMPILER} to DVI only")
    result = tex_file.with_suffix(output_format)
    if result.exists():
        return result
    tex_dir = tex_file.parent
    command = [COMPILER, "-interaction=batchmode", "-halt-on-error", "-no-shell-escape",
               "-output-format=dvi", tex_file.name]
    code = run_contained(command, tex_dir, tex_environment(tex_dir))
    if code != 0 or not result.exists():
        result.unlink(missing_ok=True)
        why = f"did not finish in {TIMEOUT_S:g} s" if code == -9 else f"failed (exit {code})"
        raise ValueError(f"{COMPILER} {why} on {tex_file.name}; see "
                         f"{tex_file.with_suffix('.log')}")
    return result


def convert_to_svg(dvi_file: Path, extension: str, page: int = 1) -> Path:
    """Replaces manim's ``convert_to_svg``: dvisvgm without the specials that run code or read
    files, contained and time-limited."""
    dvi_file = Path(dvi_file)
    result = dvi_file.with_suffix(".svg")
    if result.exists():
        return result
    if extension != ".dvi":
        raise ValueError(f"only DVI converts to SVG here, not {extension}")
    tmp = result.with_name(f".fh-tmp-{result.name}")
    command = ["dvisvgm", f"--page={page}", "--no-fonts", f"--no-specials={SPECIALS_OFF}",
               "--verbosity=0", f"--output={tmp.name}", dvi_file.name]
    code = run_contained(command, dvi_file.parent, tex_environment(dvi_file.parent))
    if code != 0 or not tmp.is_file() or tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        raise ValueError(f"dvisvgm could not convert {dvi_file.name} to SVG (exit {code})")
    os.replace(tmp, result)
    return result


def harden() -> None:
    """Contain every TeX run of this process from now on (idempotent): the safety settings go
    into the environment, and manim's compile and convert steps are replaced by ours."""
    from manim.utils import tex_file_writing

    os.environ.update(TEX_ENVIRONMENT)
    tex_file_writing.compile_tex = compile_tex
    tex_file_writing.convert_to_svg = convert_to_svg
