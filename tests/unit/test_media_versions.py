"""media.per_version: a file measured once per version (device, inode, size, time)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from flaming_horse import media


def test_a_version_is_measured_once_and_a_new_version_again(tmp_path):
    calls: list[Path] = []

    @media.per_version
    def measure(path: Path, scale: int = 1) -> dict[str, int]:
        calls.append(path)
        return {"size": path.stat().st_size * scale}

    written = tmp_path / ".tmp-final.bin"
    written.write_bytes(b"abc")
    assert measure(written) == {"size": 3}
    final = tmp_path / "final.bin"
    os.replace(written, final)  # renamed into place, as the build does: the same version
    found = measure(final)
    assert found == {"size": 3} and len(calls) == 1
    found["size"] = 99  # callers get copies
    assert measure(final) == {"size": 3}
    assert measure(final, scale=2) == {"size": 6} and len(calls) == 2  # other arguments
    final.write_bytes(b"abcdef")  # written again: measured again
    os.utime(final, ns=(1, 1))
    assert measure(final) == {"size": 6} and len(calls) == 3
    final.unlink()
    missing = tmp_path / "missing.bin"
    try:
        measure(missing)
    except FileNotFoundError:
        pass
    assert calls[-1] == missing  # no file: asked every time, the measure says what is wrong


def test_a_probe_kept_for_a_renamed_file_names_the_file_asked_about(tmp_path):
    first = tmp_path / ".tmp-a.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=d=0.5", "-c:a", "aac",
                    str(first)], check=True)
    probed = media.probe(first)
    second = tmp_path / "a.mp4"
    os.replace(first, second)
    again = media.probe(second)
    assert again.path == second and again.audio_duration == probed.audio_duration
