"""doctor checks the real machine, and names the command that fixes each missing piece."""

from __future__ import annotations

from tests.helpers import fh


def test_doctor_passes_on_a_machine_set_up_by_make():
    result = fh("doctor")
    for name in ("ffmpeg", "ffprobe", "latex", "dvisvgm", "LaTeX formula", "cairo + pango",
                 "Piper voice", "manim_voiceover_plus", "free disk", "sandbox"):
        assert name in result.stdout, name
    assert "Everything flaming-horse needs is here" in result.stdout
    assert "bubblewrap" in result.stdout and "no network" in " ".join(result.stdout.split())
    out = " ".join(result.stdout.split())
    assert "speech recogniser" in out and "whisper-tiny.en" in out and "x real time" in out


def test_doctor_names_a_missing_recogniser_model_with_the_fix(tmp_path):
    (tmp_path / "flaming-horse.toml").write_text('[voice.verify]\nmodel = "nobody/no-model"\n')
    result = fh("doctor", "--project", str(tmp_path), env={"COLUMNS": "400"}, check=False)
    out = " ".join(result.stdout.split())
    assert result.returncode == 1
    assert "nobody/no-model is not on this machine" in out and "huggingface-cli download" in out


def test_doctor_reports_a_missing_box_with_the_fix(tmp_path):
    # wide enough that no cell wraps: the row's words stay in one line
    result = fh("doctor", env={"FLAMING_HORSE_SANDBOX": "none", "COLUMNS": "400"}, check=False)
    out = " ".join(result.stdout.split())
    assert result.returncode == 1
    assert "LLM-written code is refused" in out and "bubblewrap" in out


def test_doctor_names_the_fix_for_missing_tools(tmp_path):
    result = fh("doctor", env={"PATH": str(tmp_path)}, check=False)  # no ffmpeg, no latex
    assert result.returncode == 1
    out = " ".join(result.stdout.split())
    assert "sudo apt-get install -y ffmpeg" in out
    assert "sudo apt-get install -y texlive-latex-base" in out
    assert "install bubblewrap" in out  # no bwrap on that PATH either
    assert "problem(s)" in out
