"""Every TeX run is contained (scene_kit.tex.harden): real latex and dvisvgm on the red-team
formulas of tests/corpus/hostile.py. No file is read outside the formula's folder, none written,
no command runs (not through \\write18, a pipe, kpsewhich or Ghostscript), and a formula that
loops forever ends at the time limit with its whole process group."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from flaming_horse.scene_kit import tex

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "corpus"))
import hostile  # noqa: E402

SECRET = "tex-secret-8e1f20c4"


@pytest.fixture
def world(tmp_path, monkeypatch):
    from manim import config

    (tmp_path / "canary").mkdir()
    (tmp_path / "home").mkdir()
    (tmp_path / "secret.txt").write_text(SECRET)
    monkeypatch.setenv("FH_TEX_SECRET", SECRET)
    monkeypatch.setattr(tex, "TIMEOUT_S", 4.0)
    old = config.media_dir
    config.media_dir = str(tmp_path / "media")
    tex.harden()
    yield tmp_path
    config.media_dir = old


def compile_formula(latex: str) -> tuple[bool, str]:
    """(compiled, what the TeX log says) for one formula, as MathTex would compile it."""
    from manim.utils.tex_file_writing import tex_to_svg_file

    try:
        svg = tex_to_svg_file(latex, environment="align*", tex_template=tex.tex_template())
        return True, svg.read_text()
    except ValueError as exc:
        log = Path(str(exc).split("see ")[-1]) if "see " in str(exc) else None
        return False, log.read_text(errors="replace") if log and log.is_file() else str(exc)


@pytest.mark.parametrize("entry", hostile.FORMULAS, ids=[f["name"] for f in hostile.FORMULAS])
def test_hostile_formula_is_contained(world, entry):
    latex = entry["latex"]
    for key, value in {"SECRET_FILE": world / "secret.txt", "SECRET_ENV": "FH_TEX_SECRET",
                       "CANARY_DIR": world / "canary", "PORT": "9", "HOME": world / "home"
                       }.items():
        latex = latex.replace(f"@{key}@", str(value))
    started = time.monotonic()
    _, said = compile_formula(latex)
    assert time.monotonic() - started < 30
    assert SECRET not in said
    assert sorted(p.name for p in (world / "canary").iterdir()) == []
    assert sorted(p.name for p in (world / "home").iterdir()) == []
    assert not (world / "x").exists() and not (world.parent / "x").exists()


def test_a_postscript_special_compiles_without_running(world):
    canary = world / "canary" / "gs"
    ok, svg = compile_formula(rf"x^2 \special{{ps: ({canary}) (w) file dup (pwned) writestring "
                              r"closefile}")
    assert ok and "<svg" in svg and not canary.exists()


def test_ordinary_formulas_still_compile(world):
    ok, svg = compile_formula(r"\int_0^1 x^2\,dx = \frac{1}{3}")
    assert ok and "<path" in svg


def test_only_latex_to_dvi_is_allowed(world, tmp_path):
    source = tmp_path / "x.tex"
    source.write_text(r"\directlua{os.execute('touch pwned')}")
    with pytest.raises(ValueError, match="not allowed"):
        tex.compile_tex(source, "lualatex", ".pdf")
    assert not (tmp_path / "pwned").exists()
