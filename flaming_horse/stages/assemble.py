"""assemble: pad each scene's audio to exactly its video length, concat (stream copy) with one
chapter per scene, write final_video.srt from the word timings, normalise loudness (EBU R128:
measured gain, then a true-peak limiter), mux or burn the subtitles if asked, +faststart. Without the pad, concat starts the
next scene's audio early by the missing length. The final file records its input hash in its
metadata comment."""

from __future__ import annotations

import json
import math
from pathlib import Path

from flaming_horse import media
from flaming_horse.errors import ToolError
from flaming_horse.hashing import hash_json
from flaming_horse.unit import Unit
from flaming_horse.project import Project
from flaming_horse.reporting import Progress
from flaming_horse.stages.artifacts import clips, load_narrations, load_plan
from flaming_horse.stages.render import scene_outputs
from flaming_horse.subtitles import Cue, clip_cues, ffmetadata_chapters, to_srt, to_vtt
from flaming_horse_voice import atomic

PADDED_TAG = "alac"  # in padded scenes' names: older ones (AAC) are made again, never mixed in
ASSEMBLE_VERSION = "9"  # 2: chapters, subtitles, loudness; 3-4: true-peak limiting; 5-6: measured gain;
# 7: one AAC encode (padded scenes are lossless); 8: .vtt and .words.json beside the .srt;
# 9: the gain found from the parts' kept loudness, two measures at once, the result checked
COMMENT_PREFIX = "flaming-horse input-hash "
CODEC_HEADROOM_DB = 0.5
OVERSHOOT_DB = 0.3  # a peak this far over the ceiling after encoding is encoded again
BLOCKS_VERSION = 1  # the kept gating blocks of a padded scene (blocks_path)


def srt_path(project: Project) -> Path:
    return project.final_video.with_suffix(".srt")


def vtt_path(project: Project) -> Path:
    return project.final_video.with_suffix(".vtt")


def words_path(project: Project) -> Path:
    return project.final_video.with_suffix(".words.json")


def parts(project: Project, scenes: list[str] | None = None) -> list[tuple[str, Path, Path]]:
    """(scene id, rendered file, padded file) in plan order (of ``scenes`` only, if given)."""
    return [(scene_id, rendered, project.assembled_dir / f"{rendered.stem}-{PADDED_TAG}.mp4")
            for scene_id, rendered in scene_outputs(project, scenes)]


def blocks_path(padded: Path) -> Path:
    """Where the loudness of a padded scene's gating blocks is kept, beside it."""
    return padded.with_suffix(".loudness.json")


def pad(scene_id: str, rendered: Path, padded: Path) -> None:
    """The scene with its audio padded (or trimmed) to its video's length, made once, and its
    audio's gating blocks kept beside it (``blocks_path``; written before the part is)."""
    if padded.is_file():
        return
    if not rendered.is_file():
        raise ToolError(f"{scene_id} has not been rendered", hint="run build again")
    with atomic.atomic_path(padded) as tmp:
        levels = media.pad_audio_to_video(rendered, tmp)
        atomic.write_json(blocks_path(padded), {"version": BLOCKS_VERSION, "blocks": levels})


def joined_loudness(padded: list[Path]) -> float | None:
    """The integrated loudness of the parts joined, from their kept gating blocks; None when
    one has none (a part padded by an older version): then the joined file is measured."""
    levels: list[float] = []
    for path in padded:
        try:
            kept = json.loads(blocks_path(path).read_text(encoding="utf-8"))
            if kept["version"] != BLOCKS_VERSION:
                return None
            levels += [float(level) for level in kept["blocks"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None
    return media.gated_loudness(levels)


def final_hash(project: Project) -> str:
    settings = project.settings
    return hash_json({"parts": [r.name for _, r, _ in parts(project)],
                      "titles": [s.title for s in load_plan(project).scenes],
                      "narration": load_narrations(project), "audio": settings.audio,
                      "subtitles": settings.subtitles, "version": ASSEMBLE_VERSION})


def named_inputs(project: Project) -> dict[str, object]:
    """What the final video is made from, by name and by scene (``final_hash`` digests it)."""
    settings = project.settings
    return {"scene renders": {scene_id: r.name for scene_id, r, _ in parts(project)},
            "scene titles": {s.id: s.title for s in load_plan(project).scenes},
            "narration": load_narrations(project), "audio settings": settings.audio,
            "subtitles": settings.subtitles, "version": ASSEMBLE_VERSION}


def recorded_hash(path: Path) -> str | None:
    header = media.mp4_header(path)
    comment = header[0] if header else ""
    return comment[len(COMMENT_PREFIX):] if comment.startswith(COMMENT_PREFIX) else None


def stale_files(project: Project) -> list[Path]:
    """Files of scenes the plan no longer has, and superseded padded scenes: once the final
    video is made from the current ones, the runner removes these."""
    items = parts(project)
    scene_ids = {scene_id for scene_id, _, _ in items}
    padded_names = {padded.name for _, _, padded in items}
    return ([p for p in project.scenes_dir.glob("scene_*.py") if p.stem not in scene_ids]
            + [p for p in project.renders_dir.glob("scene_*")
               if p.name.split("-")[0] not in scene_ids]
            + [p for p in project.assembled_dir.glob("scene_*")  # padded scenes, their checks
               if p.name.split(".")[0] + ".mp4" not in padded_names])


def cues(project: Project, durations: list[float]) -> tuple[list[Cue], list[dict]]:
    """Subtitle cues (each clip's sentences at its words' times, scene by scene) and every
    word with its start and end in the final video and its scene (the .words.json)."""
    spoken = clips(project)
    language = project.settings.voice.language or "en"
    result: list[Cue] = []
    words: list[dict] = []
    offset = 0.0
    for scene, duration in zip(load_plan(project).scenes, durations):
        clip_start = offset
        for entry in spoken[scene.id]:
            if entry is None:
                raise ToolError(f"the voice clip for {scene.id} is missing",
                                hint="run build again to speak it")
            timings = entry.word_timings()
            result += clip_cues(timings, clip_start, entry.duration, language)
            words += [{"word": w.word, "start": round(clip_start + w.start, 3),
                       "end": round(clip_start + w.end, 3), "scene": scene.id,
                       "timing": entry.timing or "char-estimate"} for w in timings]
            clip_start += entry.duration
        offset += duration
    return result, words


def units(project: Project, scenes: list[str] | None = None) -> list[Unit]:
    items = parts(project)
    digest = final_hash(project)
    settings = project.settings

    def run(progress: Progress) -> None:
        for done, (scene_id, rendered, padded) in enumerate(items, start=1):
            pad(scene_id, rendered, padded)  # made by the part stage; here when run alone
            progress.step(done, scene_id)
        durations = [media.probe(padded).video_duration or 0.0 for _, _, padded in items]
        plan = load_plan(project)
        srt = srt_path(project)
        subtitles, words = cues(project, durations)
        atomic.write_text(srt, to_srt(subtitles))
        atomic.write_text(vtt_path(project), to_vtt(subtitles))
        atomic.write_json(words_path(project), {"words": words})
        chapters = project.assembled_dir / ".fh-tmp-chapters.txt"
        chapters.write_text(ffmetadata_chapters([s.title for s in plan.scenes], durations,
                                                plan.title), encoding="utf-8")
        joined = project.assembled_dir / ".fh-tmp-joined.mp4"
        try:
            media.concat([padded for _, _, padded in items], joined, chapters)
            audio = settings.audio
            # AAC encoding can push true peaks up by a few tenths of a dB: aim below.
            ceiling = audio.true_peak - CODEC_HEADROOM_DB
            level = joined_loudness([padded for _, _, padded in items])
            gain = (media.normalise_gain(joined, audio.loudness, ceiling, level=level)
                    if audio.normalize else None)
            with atomic.atomic_path(project.final_video) as final:
                def finish(gain: float | None, ceiling: float) -> None:
                    media.finish(joined, final, audio_filter=None if gain is None else
                                 media.gain_limiter_filter(gain, ceiling),
                                 subtitles=srt if settings.subtitles != "file" else None,
                                 burn=settings.subtitles == "burn",
                                 metadata={"title": plan.title,
                                           "comment": COMMENT_PREFIX + digest})

                finish(gain, ceiling)
                if gain is not None:
                    # what was made, measured (QC reads the same measure): encoded once more
                    # when the encoder overshot the headroom (it can, by a dB on some
                    # narrations), with the ceiling that much lower, or when the loudness
                    # missed the target
                    measured = media.loudness(final)
                    peak, missed = measured["input_tp"], audio.loudness - measured["input_i"]
                    if peak > audio.true_peak + OVERSHOOT_DB:
                        ceiling -= peak - audio.true_peak + CODEC_HEADROOM_DB
                        finish(media.normalise_gain(joined, audio.loudness, ceiling,
                                                    level=level), ceiling)
                    elif math.isfinite(missed) and abs(missed) > media.LOUDNESS_TOLERANCE:
                        finish(gain + missed, ceiling)
        finally:
            chapters.unlink(missing_ok=True)
            joined.unlink(missing_ok=True)

    return [Unit("assemble", None, digest, steps=len(items), inputs=named_inputs(project),
                 superseded=lambda: stale_files(project),
                 is_done=lambda: recorded_hash(project.final_video) == digest,
                 run=run, outputs=lambda: [project.final_video, srt_path(project),
                                           vtt_path(project), words_path(project)])]
