"""The voice-cloning reference and its transcript: a clone is only as good as their match.

With no transcript, the recogniser writes one (what the reference says, after any trimming the
engine does). With one, it is checked against what the reference says, and a mismatch stops the
build with both texts shown, before any clip is spoken. What the reference was heard to say is
kept beside the voice cache (``reference-<digest>.heard.json``), so it is heard once.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from flaming_horse.errors import FlamingHorseError
from flaming_horse_voice import atomic
from flaming_horse_voice.hearing.compare import compare
from flaming_horse_voice.hearing.ear import ADDED_RUN, MIN_ERRORS, MISSING_RUN, Ear
from flaming_horse_voice.hearing.recogniser import RATE

if TYPE_CHECKING:
    from flaming_horse_voice.backends.base import Backend


def heard_reference(audio: Path, limit: float | None, ear: Ear, folder: Path) -> str:
    """What the first ``limit`` seconds of ``audio`` (all of it: None) say, heard once."""
    from flaming_horse_voice.audio import decode_audio

    data = audio.read_bytes()
    digest = hashlib.sha256(data + json.dumps([limit, ear.model, ear.language]).encode())
    kept = Path(folder) / f"reference-{digest.hexdigest()[:24]}.heard.json"
    try:
        return json.loads(kept.read_text(encoding="utf-8"))["transcript"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        samples, _ = decode_audio(audio, RATE)
    except ValueError as exc:
        raise FlamingHorseError(f"the voice reference {audio} holds no audio: {exc}",
                                hint="use a WAV of 3-20 s of clear speech")
    if limit is not None:
        samples = samples[: int(limit * RATE)]
    words = ear.recogniser().transcribe(samples, ear.language, careful=True)
    transcript = " ".join(w.word for w in words)
    atomic.write_json(kept, {"audio": str(audio), "limit_s": limit, "model": ear.model,
                             "transcript": transcript})
    return transcript


def check_reference(backend: Backend, ear: Ear, folder: Path) -> str | None:
    """Write the reference's missing transcript, or refuse one that does not match it. Returns
    a line to tell the user (None: nothing to say)."""
    files = getattr(backend, "reference_files", lambda: None)() if backend.clones else None
    if files is None or not ear.active:
        return None
    audio, transcript = files
    if not audio.is_file():
        return None  # the backend's own check names the missing WAV
    said = heard_reference(audio, backend.reference_limit_s, ear, folder)
    part = (f"the first {backend.reference_limit_s:g} s of {audio.name} (the part "
            f"{backend.name} uses)" if backend.reference_limit_s else audio.name)
    if not transcript.is_file():
        if not said.strip():
            raise FlamingHorseError(f"no speech was heard in the voice reference {audio}",
                                    hint="use a WAV of 3-20 s of clear speech")
        atomic.write_text(transcript, said + "\n")
        return f"wrote the voice reference's transcript {transcript} from what {part} says"
    written = " ".join(transcript.read_text(encoding="utf-8").split())
    found = compare(written, said)
    if (found.wer > ear.settings.threshold and found.errors >= MIN_ERRORS) or \
            found.missing_run >= MISSING_RUN or found.added_run >= ADDED_RUN:
        raise FlamingHorseError(
            f"the voice reference's transcript {transcript} does not match what {part} says "
            f"(word error rate {found.wer:.0%})\n  transcript: {written}\n  heard:      {said}",
            hint=f"write what the reference says into {transcript.name} (delete it and the "
                 f"recogniser writes it), or use a reference of the text; a clone from a "
                 "mismatched pair babbles")
    return None
