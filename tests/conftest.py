"""Shared fixtures. Everything here is real: manim renders, Piper speaks, ffmpeg assembles."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import SHORT_SCRIPT, fh


@pytest.fixture(scope="session")
def built_project(tmp_path_factory) -> Path:
    """A finished 3-scene project, built once per session by `flaming-horse create -j 1`."""
    base = tmp_path_factory.mktemp("built")
    script = base / "tiny.md"
    script.write_text(SHORT_SCRIPT, encoding="utf-8")
    fh("create", "tiny", "--topic", str(script), "--projects-dir", str(base / "projects"),
       "-j", "1")
    return base / "projects" / "tiny"


@pytest.fixture
def project_copy(built_project, tmp_path) -> Path:
    """A private copy of the finished project that a test may change."""
    target = tmp_path / "tiny"
    shutil.copytree(built_project, target)
    return target
