"""The images a script shows (``![caption](file.png)``): checked by the plan stage and copied into
``media/images/<content hash>.png`` (or ``.svg``), so the scene draws a file named by what it
holds: a changed picture changes the plan, and so re-renders its scene.

Raster images are decoded here (Pillow), turned upright by their EXIF orientation and stored as
PNG no larger than 3840 px a side; SVGs are parsed once (as manim will) and stored as they are.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from flaming_horse.authoring.script import image_reference
from flaming_horse.errors import ScriptError
from flaming_horse.project import IMAGES_DIR
from flaming_horse_voice import atomic

MAX_BYTES = 50 * 1024 * 1024
MAX_SIDE = 3840


def referenced(script_text: str) -> list[str]:
    """The image names a script shows, as written (for the plan's input hash)."""
    return [found[0] for line in script_text.splitlines() if (found := image_reference(line))]


def fingerprint(root: Path, sources: list[str]) -> dict[str, str]:
    """Each image's content hash (or why there is none), so a changed picture re-plans."""
    result = {}
    for source in sources:
        try:
            result[source] = hashlib.sha256((root / source).read_bytes()).hexdigest()
        except OSError as exc:
            result[source] = f"unreadable: {type(exc).__name__}"
    return result


class Importer:
    """The plan stage's image resolver: ``importer(source, line)`` checks ``root/source`` and
    returns the project-relative file the scene draws."""

    def __init__(self, root: Path, script: str = "script.md") -> None:
        self.root = Path(root).resolve()
        self.script = script

    def fail(self, message: str, line: int, hint: str) -> ScriptError:
        return ScriptError(message, line=line, path=self.script, hint=hint)

    def __call__(self, source: str, line: int) -> str:
        path = (self.root / source).resolve()
        if not path.is_relative_to(self.root):
            raise self.fail(f"image '{source}' is outside the project folder", line,
                            hint="copy it into the project folder and name it from there")
        if not path.is_file():
            raise self.fail(f"image '{source}' does not exist", line,
                            hint=f"put the file at {path}, or correct the name")
        data = path.read_bytes()
        if len(data) > MAX_BYTES:
            raise self.fail(f"image '{source}' is {len(data) / 2**20:.0f} MiB", line,
                            hint=f"use a file under {MAX_BYTES // 2**20} MiB")
        digest = hashlib.sha256(data).hexdigest()[:20]
        if path.suffix.lower() == ".svg":
            target, content = IMAGES_DIR / f"{digest}.svg", self._svg(data, source, line)
        else:
            target, content = IMAGES_DIR / f"{digest}.png", self._raster(data, source, line)
        if not (self.root / target).is_file():
            atomic.write_bytes(self.root / target, content)
        return target.as_posix()

    def _raster(self, data: bytes, source: str, line: int) -> bytes:
        from PIL import Image, ImageOps, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            with Image.open(io.BytesIO(data)) as picture:
                picture.seek(0)  # an animated GIF or WebP: its first frame
                picture = ImageOps.exif_transpose(picture)
                picture = picture.convert("RGBA" if "A" in picture.getbands()
                                          or "transparency" in picture.info else "RGB")
                picture.thumbnail((MAX_SIDE, MAX_SIDE))
                out = io.BytesIO()
                picture.save(out, format="PNG")
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError,
                Image.DecompressionBombError) as exc:
            raise self.fail(f"image '{source}' cannot be read: {exc}", line,
                            hint="save it again as PNG or JPEG")
        return out.getvalue()

    def _svg(self, data: bytes, source: str, line: int) -> bytes:
        import svgelements

        try:
            parsed = svgelements.SVG.parse(io.BytesIO(data))
        except Exception as exc:  # noqa: BLE001 - svgelements raises many kinds
            raise self.fail(f"image '{source}' is not a readable SVG: {exc}", line,
                            hint="save it again as plain SVG, or as PNG")
        if parsed.width in (None, 0) or not list(parsed.elements()):
            raise self.fail(f"image '{source}' is an empty SVG", line,
                            hint="save it again as plain SVG, or as PNG")
        return data
