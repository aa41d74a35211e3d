"""A user's own script is trusted, its LaTeX is not: a `$$` formula with a PostScript special
renders without running it, and a formula that reads a file outside its folder is refused
before any rendering, with the script's line and without the file's content. Real CLI, LaTeX,
dvisvgm, manim, Piper and ffmpeg."""

from __future__ import annotations

import pytest

from flaming_horse import media
from tests.helpers import fh

pytestmark = pytest.mark.slow

SCRIPT = """# Squares

## The rule

The area grows with the square of the side.

$$ A = s^2 \\special{{ps: ({canary}) (w) file dup (pwned) writestring closefile}} $$
"""


def test_a_postscript_special_in_a_users_formula_renders_without_running(tmp_path):
    canary = tmp_path / "gs-ran"
    script = tmp_path / "squares.md"
    script.write_text(SCRIPT.format(canary=canary), encoding="utf-8")
    fh("create", "squares", "--topic", str(script), "--projects-dir", str(tmp_path / "p"),
       "-j", "1")
    final = media.probe(tmp_path / "p" / "squares" / "final_video.mp4")
    assert final.has_video and final.has_audio
    assert not canary.exists()


def test_a_formula_reading_a_file_is_refused_with_its_line(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("the-secret-d41d8cd9")
    script = tmp_path / "leak.md"
    script.write_text(f"# Leak\n\n## One\n\nA formula.\n\n$$ x = \\input{{{secret}}} $$\n",
                      encoding="utf-8")
    result = fh("create", "leak", "--topic", str(script), "--projects-dir",
                str(tmp_path / "p"), "-j", "1", check=False)
    assert result.returncode != 0
    assert "script.md:7:" in result.stderr and "not found" in result.stderr
    assert "the-secret" not in result.stdout + result.stderr
    assert not list((tmp_path / "p" / "leak" / "media").rglob("*.mp4"))
