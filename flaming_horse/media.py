"""ffmpeg / ffprobe wrappers: probe streams, pad audio to the video, concat, grab a still."""

from __future__ import annotations

import functools
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

from flaming_horse.errors import ToolError

INSTALL_HINT = "install ffmpeg (Debian/Ubuntu: sudo apt-get install ffmpeg; macOS: brew install ffmpeg)"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ToolError(f"{name} is not installed or not on PATH", hint=INSTALL_HINT)
    return path


def run_ffmpeg(args: list[str], what: str, cwd: Path | None = None) -> None:
    cmd = [tool("ffmpeg"), "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-8:])
        raise ToolError(f"ffmpeg failed to {what}:\n{tail}", hint="run with --verbose for details")


def per_version(measure):
    """Keep what ``measure(path, ...)`` found for each version of the file: its device, inode,
    size and modification time. The build writes every media file once under a temporary name
    and renames it into place (same inode and time), so a file measured as it was written (the
    final video's loudness, a part's streams) is not decoded again when a later stage of the
    same build asks; a file written again is a new version. Thread-safe; a few hundred kept."""
    kept: dict[tuple, object] = {}
    lock = threading.Lock()

    @functools.wraps(measure)
    def measured(path: Path, *args, **kwargs):
        try:
            st = os.stat(path)
        except OSError:
            return measure(path, *args, **kwargs)  # let the tool say what is wrong
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, args,
               tuple(sorted(kwargs.items())))
        with lock:
            found = kept.get(key)
        if found is None:
            found = measure(path, *args, **kwargs)
            with lock:
                if len(kept) >= 512:
                    kept.clear()
                kept[key] = found
        if isinstance(found, Probe):
            return replace(found, path=Path(path))
        return dict(found) if isinstance(found, dict) else found

    return measured


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


@per_version
def probe(path: Path) -> Probe:
    cmd = [tool("ffprobe"), "-v", "error", "-print_format", "json", "-show_format",
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


def mp4_header(path: Path) -> tuple[str, float] | None:
    """The comment tag and the length of an MP4, read from its header by mutagen: well under a
    millisecond where ``probe`` (ffprobe) takes about 0.1 s, which a no-op build pays twice.
    None when the file is missing or not an MP4 mutagen can read."""
    from mutagen import MutagenError
    from mutagen.mp4 import MP4

    try:
        mp4 = MP4(path)
    except (MutagenError, OSError):
        return None
    comment = (mp4.tags or {}).get("\xa9cmt", [""])
    return (comment[0] if comment else ""), float(mp4.info.length)


def _stream_duration(stream: dict | None, frames: int | None, fps: float | None) -> float | None:
    if stream is None:
        return None
    if frames and fps:
        return frames / fps
    return float(stream.get("duration", 0.0))


def pad_audio_to_video(src: Path, dst: Path) -> list[float]:
    """Copy the video; pad (or trim) the audio to exactly the video's length, or add silence.
    The audio is lossless (ALAC): these are intermediates, encoded to AAC once, in ``finish``
    (an AAC encode per scene cost more than the rest of assembling, and lost quality twice).
    Returns the padded audio's gating blocks (``blocks``), measured in the same pass: the
    final video's loudness is found from its parts' (``gated_loudness``), not decoded again."""
    info = probe(src)
    if not info.has_video:
        raise ToolError(f"{src.name} has no video stream", hint="render the scene again")
    length = f"{info.video_duration:.6f}"
    audio_args = ["-af", f"apad,atrim=0:{length},ebur128=framelog=info", "-c:a", "alac",
                  "-ar", "48000", "-ac", "2"]
    if info.has_audio:
        inputs = ["-i", str(src)]
        maps = ["-map", "0:v:0", "-map", "0:a:0"]
    else:
        inputs = ["-i", str(src), "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo"]
        maps = ["-map", "0:v:0", "-map", "1:a:0"]
    log = _ffmpeg_stderr([*inputs, *maps, "-c:v", "copy", *audio_args, "-t", length, "-y",
                          "-f", "mp4", str(dst)], f"pad the audio of {src.name}")
    return blocks(log)


def concat(parts: list[Path], dst: Path, chapters: Path | None = None) -> None:
    """Join scene files with the concat demuxer (stream copy), with chapters if given."""
    listing = dst.with_name(dst.name + ".txt")
    listing.write_text("".join(f"file '{p.resolve()}'\n" for p in parts), encoding="utf-8")
    extra = ["-i", str(chapters), "-map_chapters", "1"] if chapters else []
    try:
        run_ffmpeg(["-f", "concat", "-safe", "0", "-i", str(listing), *extra, "-map", "0",
                    "-c", "copy", "-f", "mp4", str(dst)], "join the scenes")
    finally:
        listing.unlink(missing_ok=True)


def finish(src: Path, dst: Path, *, audio_filter: str | None, subtitles: Path | None,
           burn: bool, metadata: dict[str, str]) -> None:
    """The last pass: audio filtered (loudness), subtitles muxed or burned, chapters and metadata
    kept, moov atom first (+faststart). Video is stream-copied unless subtitles are burned in."""
    inputs = ["-i", str(src.resolve())]
    maps = ["-map", "0:v:0", "-map", "0:a:0"]
    codecs = ["-c:v", "copy"]
    if subtitles is not None and burn:
        codecs = ["-vf", f"subtitles={subtitles.name}", "-c:v", "libx264", "-crf", "18",
                  "-preset", "veryfast", "-pix_fmt", "yuv420p"]
    elif subtitles is not None:
        inputs += ["-i", subtitles.name]
        maps += ["-map", "1:s:0"]
        codecs += ["-c:s", "mov_text", "-metadata:s:s:0", "language=eng"]
    # aac_coder fast: a third of the default coder's time, no audible difference on narration
    audio = (["-af", audio_filter] if audio_filter else []) + [
        "-c:a", "aac", "-aac_coder", "fast", "-b:a", "160k", "-ar", "48000"]
    meta = [arg for k, v in metadata.items() for arg in ("-metadata", f"{k}={v}")]
    cwd = subtitles.parent if subtitles is not None else None
    run_ffmpeg([*inputs, *maps, *codecs, *audio, "-map_metadata", "0", "-map_chapters", "0",
                *meta, "-movflags", "+faststart", "-f", "mp4", str(dst.resolve())],
               "finish the video", cwd=cwd)


def chapters(path: Path) -> list[dict]:
    """The chapters ffprobe sees: [{start, end, title}]."""
    cmd = [tool("ffprobe"), "-v", "error", "-print_format", "json", "-show_chapters", str(path)]
    data = json.loads(subprocess.run(cmd, capture_output=True, text=True).stdout or "{}")
    return [{"start": float(c["start_time"]), "end": float(c["end_time"]),
             "title": c.get("tags", {}).get("title", "")} for c in data.get("chapters", [])]


def last_frame(src: Path, dst: Path) -> None:
    """A PNG of the video's last frame."""
    run_ffmpeg(["-sseof", "-0.5", "-i", str(src), "-update", "1", "-frames:v", "1000",
                "-f", "image2", str(dst)], f"grab a still from {src.name}")


def _ffmpeg_logged(args: list[str], what: str) -> tuple[str, bytes]:
    """Run ffmpeg for its log (analysis filters print there): (stderr, stdout as bytes)."""
    cmd = [tool("ffmpeg"), "-hide_banner", "-nostats", "-nostdin", *args]
    proc = subprocess.run(cmd, capture_output=True)
    log = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        tail = "\n".join(log.strip().splitlines()[-8:])
        raise ToolError(f"ffmpeg failed to {what}:\n{tail}", hint="run with --verbose for details")
    return log, proc.stdout


def _ffmpeg_stderr(args: list[str], what: str) -> str:
    """Run ffmpeg for its log; return stderr."""
    return _ffmpeg_logged(args, what)[0]


@per_version
def loudness(path: Path, pre_filter: str | None = None, peak: bool = True) -> dict[str, float]:
    """EBU R128 measurement (ffmpeg's ebur128, true peak oversampled): input_i (LUFS), input_tp
    (dBTP), input_lra (LU). With pre_filter, what is measured is the audio after that chain.
    ebur128 is about 3x faster than loudnorm's analysis pass, which matters because
    normalise_filter measures several times; ``peak=False`` skips the true peak (its 4x
    oversampling is most of the pass) and leaves input_tp -inf."""
    chain = "ebur128=peak=true" if peak else "ebur128=peak=none"
    log = _ffmpeg_stderr(["-i", str(path), "-map", "0:a:0", "-af",
                          f"{pre_filter},{chain}" if pre_filter else chain,
                          "-f", "null", "-"], f"measure the loudness of {path.name}")
    summary = log[log.rfind("Summary:"):]
    values = {}
    for key, label in (("input_i", r"I:"), ("input_lra", r"LRA:"), ("input_tp", r"Peak:")):
        found = re.search(rf"{label}\s+(-?[\d.]+|-inf)", summary)
        values[key] = float(found.group(1)) if found else float("-inf")
    return values


def gain_limiter_filter(gain_db: float, true_peak: float, oversample: bool = True) -> str:
    """A linear gain, then a brick-wall limiter at 4x the sample rate, so that true peaks (the
    peaks between samples) stay under the ceiling too. ``oversample=False`` limits at the
    sample rate: the same loudness within a hundredth of a LU, at a third of the cost, for
    measuring."""
    ceiling = 10 ** (true_peak / 20)
    rate = 192000 if oversample else 48000
    return (f"volume={gain_db:.3f}dB,aformat=sample_fmts=flt:channel_layouts=stereo,"
            f"aresample={rate},alimiter=limit={ceiling:.4f}:attack=1:release=50:level=disabled,"
            "aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo")


def blocks(log: str) -> list[float]:
    """The loudness (LUFS, to 0.1) of each 400 ms gating block, one every 100 ms, that ebur128
    logged with ``framelog=info``: the blocks before the first full 400 ms are left out, as
    ebur128 leaves them out of its own integrated loudness."""
    return [float(m) for m in re.findall(r"^\[Parsed_ebur128[^\]]*\].*?\bM:\s*(-?[\d.]+|-inf)",
                                         log, re.M)][3:]


def gated_loudness(levels: list[float]) -> float:
    """The integrated loudness (LUFS) of audio whose gating blocks have ``levels`` (EBU R128 /
    ITU-R BS.1770-4: an absolute gate at -70 LUFS, then a relative one 10 LU under the mean of
    what passed it); -inf for silence. Blocks of several files, joined, give the loudness of
    the files joined, less the three blocks across each seam (within 0.02 LU on narration)."""
    loud = [10 ** ((level + 0.691) / 10) for level in levels if level > -70.0]
    if not loud:
        return float("-inf")
    gate = 10 ** (-1.0) * sum(loud) / len(loud)  # -10 LU, as energy
    kept = [energy for energy in loud if energy > gate]
    return -0.691 + 10 * math.log10(sum(kept) / len(kept))


LOUDNESS_TOLERANCE = 0.15  # LU from the target a normalised video may land (what is made, too)


def normalise_gain(path: Path, target: float, true_peak: float, level: float | None = None,
                   tolerance: float = LOUDNESS_TOLERANCE, step: float = 1.0,
                   rounds: int = 6) -> float | None:
    """The gain that, before a limiter at ``true_peak`` (``gain_limiter_filter``), brings
    ``path`` to the ``target`` integrated loudness; None for silence. ``level``: path's own
    loudness when it is known (``gated_loudness`` of its parts), else it is measured.

    The limiter takes off more the more gain it is given, so a gain to the target alone falls
    short. Two gains, ``step`` dB apart, are measured at once (a core each), and the answer is
    the one within ``tolerance`` of the target, or else on their secant: taken unmeasured where
    the curve is nearly straight and the answer near (on narration: within 0.1 LU of the
    target; the caller checks what it made), else measured, and so on for ``rounds``.
    (loudnorm alone falls back to its dynamic mode whenever the gain would break the peak
    ceiling, and then misses the target by a LU or more on short narrations: -17.1 LUFS for a
    -16 target on a 20 s clip.)"""
    if level is None:
        level = loudness(path, peak=False)["input_i"]
    if not level > -70.0:  # silence (or -inf): nothing to normalise
        return None

    def error(gain: float) -> float:
        # the limiter holds the peaks: only the loudness is measured here, limited at 1x
        chain = gain_limiter_filter(gain, true_peak, oversample=False)
        return loudness(path, pre_filter=chain, peak=False)["input_i"] - target

    gains = [target - level, target - level + step]
    with ThreadPoolExecutor(max_workers=2) as pool:
        errors = list(pool.map(error, gains))
    for _ in range(rounds):
        order = sorted(range(len(gains)), key=lambda i: abs(errors[i]))
        best, other = order[0], order[1]
        if abs(errors[best]) <= tolerance:
            return gains[best]
        slope = (errors[best] - errors[other]) / (gains[best] - gains[other])
        if not 0.2 <= slope <= 1.5:  # not a slope a gain and a limiter make: step by the error
            slope = 1.0
        guess = gains[best] - errors[best] / slope
        if slope >= 0.5 and abs(guess - gains[best]) <= step:
            return guess  # close, where the limiter bends the curve little: the caller checks
        gains.append(guess)
        errors.append(error(guess))
    return gains[min(range(len(gains)), key=lambda i: abs(errors[i]))]


def segments(log: str, kind: str) -> list[tuple[float, float]]:
    """(start, end) intervals reported by blackdetect, freezedetect or silencedetect."""
    found: list[tuple[float, float]] = []
    if kind == "black":
        for m in re.finditer(r"black_start:\s*([\d.]+)\s+black_end:\s*([\d.]+)", log):
            found.append((float(m.group(1)), float(m.group(2))))
        return found
    key = {"freeze": "lavfi.freezedetect.freeze_", "silence": "silence_"}[kind]
    start = None
    for m in re.finditer(re.escape(key) + r"(start|end):\s*([\d.]+)", log):
        if m.group(1) == "start":
            start = float(m.group(2))
        elif start is not None:
            found.append((start, float(m.group(2))))
            start = None
    if start is not None:
        found.append((start, float("inf")))  # still frozen/silent at the end
    return found


@dataclass(frozen=True)
class Activity:
    states: int  # visibly different pictures over the video
    body_drawn: float  # largest share of the area below the title band that ever changed


@dataclass(frozen=True)
class Analysis:
    stretches: dict[str, list[tuple[float, float]]]  # black, freeze and silence: (start, end)
    activity: Activity  # what the video shows over time
    waveform: list[float]  # the audio's peak level (0..1) in ``peaks`` slices ([]: no audio)


ACTIVITY_FPS = 4.0  # frames a second sampled for ``Activity``, at 160x90 grey
DETECT_FPS = 15.0  # frames a second, at most, the black and frozen stretches are found on


def analyse(path: Path, *, black_s: float, freeze_s: float, silence_s: float,
            silence_db: float = -45.0) -> Analysis:
    """Black, frozen and silent stretches of a file, what its video shows (``activity``) and
    its audio's waveform, from one decode: ffmpeg's detectors log the stretches while a split
    of the video, sampled small, comes back on stdout and the audio, sampled small, in a file.
    The detectors see at most ``DETECT_FPS`` frames a second: at 60 fps, looking at every
    pixel of every frame for black cost more than decoding it, and a stretch is still found
    to a fifteenth of a second (low quality renders at 15 fps: it sees every frame)."""
    info = probe(path)
    rate = f"fps={DETECT_FPS:g}," if info.fps and info.fps > DETECT_FPS else ""
    video = "{r}blackdetect=d={b}:pix_th=0.10,freezedetect=n=0.001:d={f}".format(
        r=rate, b=black_s, f=freeze_s)
    graph = (f"[0:v:0]split=2[look][sample];[look]{video}[seen];"
             f"[sample]fps={ACTIVITY_FPS:g},scale=160:90,format=gray[frames]")
    outputs = ["-map", "[seen]", "-f", "null", "-"]
    with tempfile.TemporaryDirectory(prefix="fh-analyse-") as folder:
        wave = Path(folder) / "wave.s16"
        if info.has_audio:
            graph += (f";[0:a:0]silencedetect=n={silence_db}dB:d={silence_s},"
                      f"aresample={WAVE_RATE},aformat=channel_layouts=mono[heard]")
            outputs += ["-map", "[heard]", "-f", "s16le", str(wave)]
        log, frames = _ffmpeg_logged(["-i", str(path), "-filter_complex", graph, *outputs,
                                      "-map", "[frames]", "-f", "rawvideo", "pipe:1"],
                                     f"analyse {path.name}")
        samples = wave.read_bytes() if wave.is_file() else b""
    return Analysis({kind: segments(log, kind) for kind in ("black", "freeze", "silence")},
                    activity(frames), peaks(samples) if samples else [])


WAVE_RATE = 8000  # samples a second the waveform is taken from


def peaks(raw: bytes, bins: int = 600) -> list[float]:
    """Peak level (0..1) of 16-bit mono samples ``raw`` in ``bins`` equal slices: the QC page's
    waveform, where dead air shows as a flat line."""
    import numpy as np

    samples = np.abs(np.frombuffer(raw, dtype="<i2").astype(np.float32)) / 32768.0
    if samples.size == 0:
        return [0.0] * bins
    edges = np.linspace(0, samples.size, bins + 1).astype(int)
    return [round(float(samples[a:b].max()) if b > a else 0.0, 3)
            for a, b in zip(edges[:-1], edges[1:])]


def activity(raw: bytes, changed: float = 0.003, title_band: float = 0.16) -> Activity:
    """What a video shows over time, from its frames sampled as 160x90 grey (``raw``). A frame
    is a new state when more than ``changed`` of its pixels differ from every state seen so
    far."""
    import numpy as np

    frames = np.frombuffer(raw, dtype=np.uint8)
    frames = frames[:len(frames) // (90 * 160) * 90 * 160].reshape(-1, 90, 160).astype(np.int16)
    if not len(frames):
        return Activity(0, 0.0)
    states: list = []
    for frame in frames:
        if all(float((np.abs(frame - s) > 24).mean()) > changed for s in states):
            states.append(frame)
    top = int(90 * title_band)
    body = np.abs(frames[:, top:, :] - frames[0, top:, :]) > 24
    return Activity(len(states), float(body.mean(axis=(1, 2)).max()))
