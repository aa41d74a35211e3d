"""ffmpeg / ffprobe wrappers: probe streams, pad audio to the video, concat, grab a still."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from flaming_horse.errors import ToolError

INSTALL_HINT = "install ffmpeg (Debian/Ubuntu: sudo apt-get install ffmpeg; macOS: brew install ffmpeg)"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ToolError(f"{name} is not installed or not on PATH", hint=INSTALL_HINT)
    return path


def run_ffmpeg(args: list[str], what: str) -> None:
    cmd = [_tool("ffmpeg"), "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-8:])
        raise ToolError(f"ffmpeg failed to {what}:\n{tail}", hint="run with --verbose for details")


@dataclass(frozen=True)
class Probe:
    path: Path
    duration: float  # container duration
    video_duration: float | None
    audio_duration: float | None
    fps: float | None
    frames: int | None
    width: int | None
    height: int | None
    tags: dict[str, str]

    @property
    def has_video(self) -> bool:
        return self.video_duration is not None

    @property
    def has_audio(self) -> bool:
        return self.audio_duration is not None


def probe(path: Path) -> Probe:
    cmd = [_tool("ffprobe"), "-v", "error", "-print_format", "json", "-show_format",
           "-show_streams", str(path)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ToolError(f"ffprobe cannot read {path}: {proc.stderr.strip()[-300:]}",
                        hint="the file is missing or damaged; run build again to recreate it")
    data = json.loads(proc.stdout)
    video = next((s for s in data.get("streams", []) if s.get("codec_type") == "video"), None)
    audio = next((s for s in data.get("streams", []) if s.get("codec_type") == "audio"), None)
    rate = (video or {}).get("r_frame_rate", "0/0")  # the nominal rate; avg drifts after concat
    fps = float(Fraction(rate)) if rate != "0/0" else None
    frames = int(video["nb_frames"]) if video and video.get("nb_frames", "").isdigit() else None
    fmt = data.get("format", {})
    return Probe(
        path=path,
        duration=float(fmt.get("duration", 0.0)),
        video_duration=_stream_duration(video, frames, fps),
        audio_duration=_stream_duration(audio, None, None),
        fps=fps, frames=frames,
        width=video.get("width") if video else None,
        height=video.get("height") if video else None,
        tags={k.lower(): v for k, v in fmt.get("tags", {}).items()},
    )


def _stream_duration(stream: dict | None, frames: int | None, fps: float | None) -> float | None:
    if stream is None:
        return None
    if frames and fps:
        return frames / fps
    return float(stream.get("duration", 0.0))


def pad_audio_to_video(src: Path, dst: Path) -> None:
    """Copy the video; pad (or trim) the audio to exactly the video's length, or add silence."""
    info = probe(src)
    if not info.has_video:
        raise ToolError(f"{src.name} has no video stream", hint="render the scene again")
    length = f"{info.video_duration:.6f}"
    audio_args = ["-af", f"apad,atrim=0:{length}", "-c:a", "aac", "-b:a", "160k", "-ar", "48000",
                  "-ac", "2"]
    if info.has_audio:
        inputs = ["-i", str(src)]
        maps = ["-map", "0:v:0", "-map", "0:a:0"]
    else:
        inputs = ["-i", str(src), "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo"]
        maps = ["-map", "0:v:0", "-map", "1:a:0"]
    run_ffmpeg([*inputs, *maps, "-c:v", "copy", *audio_args, "-t", length, "-f", "mp4", str(dst)],
               f"pad the audio of {src.name}")


def concat(parts: list[Path], dst: Path, metadata: dict[str, str]) -> None:
    """Join scene files with the concat demuxer (stream copy), moov atom first (+faststart)."""
    listing = dst.with_name(dst.name + ".txt")
    listing.write_text("".join(f"file '{p.resolve()}'\n" for p in parts), encoding="utf-8")
    meta = [arg for k, v in metadata.items() for arg in ("-metadata", f"{k}={v}")]
    try:
        run_ffmpeg(["-f", "concat", "-safe", "0", "-i", str(listing), "-map", "0", "-c", "copy",
                    *meta, "-movflags", "+faststart", "-f", "mp4", str(dst)], "join the scenes")
    finally:
        listing.unlink(missing_ok=True)


def last_frame(src: Path, dst: Path) -> None:
    """A PNG of the video's last frame."""
    run_ffmpeg(["-sseof", "-0.5", "-i", str(src), "-update", "1", "-frames:v", "1000",
                "-f", "image2", str(dst)], f"grab a still from {src.name}")
