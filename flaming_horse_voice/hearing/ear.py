"""The ear: hears a clip, judges it against its narration, and keeps the transcript beside it.

A transcript is ``<clip>.heard.json`` in the voice cache folder, written atomically and keyed by the
clip's key, the model and ``VERSION``: an unchanged build hears nothing again, and a transcript of
another clip, model or version is never believed.

A clip fails when the voice plainly did not say its narration: its word error rate is above the
threshold with at least ``MIN_ERRORS`` words wrong, or ``MISSING_RUN`` narration words in a row
were not heard (a sentence swallowed), or ``ADDED_RUN`` words in a row were heard that are not in
it (babble, a loop), or ``REPEATED`` words were said twice, or one word lasted ``LONG_WORD_S``
(a stuck sound), or ``UNHEARD_S`` of sound lies outside every heard word (noise), or a few words
mid-sentence sound ``DRAWN_S`` longer than they take to say at the clip's pace (Whisper writes a
phrase said twice once and stretches the words beside it over both). A clip that
seems to fail is heard a second time, carefully (beam search), and judged by the better hearing.
Whisper also stops writing before a clip ends now and then, or skips a phrase, stretching a word
over what it did not write: each such stretch (``doubtful``) is heard again on its own and the
words heard there are kept when the clip then matches its narration better.

A tiny recogniser mishears clear speech now and then ("Scene two" as "seem to", "eight one" as
"1881", a sentence skipped). So a clip that still fails on its words alone (none added, repeated,
stuck or unheard) gets a second opinion: the narration is force-aligned to the audio
(``Recogniser.align``). With it likely there, the mismatch is the recogniser's and the clip
passes. Words that were cut out of the audio have no room in it: forced onto it, they are placed
in a pause or squeezed to nothing and the model finds them unlikely there (``unsaid``). A clip
that passes with two or more narration words not heard is force-aligned too (a short sentence
cut out can be heard as nothing missing): any such run fails it.
"""

from __future__ import annotations

import importlib
import json
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from flaming_horse_voice import atomic
from flaming_horse_voice.events import append_event
from flaming_horse_voice.hearing.compare import Comparison, compare, longest_run, normal_words
from flaming_horse_voice.hearing.recogniser import (EMBEDDED, RATE, Heard, Recogniser,
                                                    english_only, language_code)
from flaming_horse_voice.hearing.settings import HearingSettings

if TYPE_CHECKING:  # numpy (and sound, made of it) are imported where a clip is heard: a build
    import numpy as np  # with nothing to hear, a no-op, imports neither


VERSION = 2  # 2: passing clips with words missing are force-aligned too
SUFFIX = ".heard.json"
MIN_ERRORS = 2
MISSING_RUN = 4
ADDED_RUN = 4
REPEATED = 3
LONG_WORD_S = 1.5
UNHEARD_S = 1.0
DRAWN_S = 0.8  # more sound than a few words take to say: more was said than was heard
DRAWN_WORDS = 3
DOUBT_S = 0.3  # sound this long that no word covers is heard again, with the words around it
SOUNDLESS_S = 0.03  # a heard word with less sound than this under it was not said (see said)
UNSAID_P = 0.2  # narration words in a row, force-aligned, that the model finds this unlikely
UNSAID_SOUND = {2: 0.05, 3: 0.10}  # ... with this little sound each (seconds), by run length:
# placed in a pause or squeezed to nothing, the audio has no room for them (clear speech: 0.13+)
FIT_P = 0.25  # the least mean likelihood of the force-aligned narration that says it was said
UNLIKELY_RUN = 5  # narration words in a row, each found less likely than ...
UNLIKELY_P = 0.1  # ... this, force-aligned: other words were said there


@dataclass(frozen=True)
class Verdict:
    passed: bool
    wer: float
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    aligned: bool | None = None  # the narration fits the audio (forced alignment); None: not asked
    unsaid: list[str] = field(default_factory=list)  # force-aligned words with no room (cut out)

    def to_dict(self) -> dict:
        return {"passed": self.passed, "wer": round(self.wer, 3), "missing": self.missing,
                "added": self.added, "reasons": self.reasons, "aligned": self.aligned,
                "unsaid": self.unsaid}

    @classmethod
    def from_dict(cls, data: dict) -> "Verdict":
        return cls(bool(data["passed"]), float(data["wer"]), list(data.get("missing", [])),
                   list(data.get("added", [])), list(data.get("reasons", [])),
                   data.get("aligned"), list(data.get("unsaid", [])))

    def rank(self) -> tuple:
        """Lower is better: passing first, then fewer reasons, then a lower error rate."""
        return (not self.passed, len(self.reasons), self.wer)


def judge(text: str, heard: list[Heard], unheard: float, threshold: float,
          aligned: bool | None = None, drawn: float = 0.0,
          unsaid: list[str] | None = None) -> Verdict:
    """Whether a clip heard as ``heard``, with ``unheard`` seconds of sound outside its words,
    says ``text``. ``aligned``: whether the narration, force-aligned, fits the audio (None: not
    asked); True clears a clip that fails on its words alone, False fails it. ``unsaid``: the
    narration words that, force-aligned, have no room in the audio (``unsaid``): a cut."""
    found: Comparison = compare(text, " ".join(w.word for w in heard))
    reasons = []
    if found.wer > threshold and found.errors >= MIN_ERRORS:
        reasons.append(f"word error rate {found.wer:.0%} is over {threshold:.0%}")
    if found.missing_run >= MISSING_RUN:
        reasons.append(f"{found.missing_run} words in a row were not said")
    if found.added_run >= ADDED_RUN and found.inserted_run < ADDED_RUN:
        reasons.append(f"{found.added_run} words in a row were heard in place of the text's")
    if reasons and aligned:  # the words are there: the recogniser misheard them
        reasons = []
    worded = bool(reasons)
    if found.inserted_run >= ADDED_RUN:
        reasons.append(f"{found.inserted_run} words in a row were said that are not in the "
                       "text")
    if found.repeated >= REPEATED:
        reasons.append(f"{found.repeated} words were said twice")
    longest = max((w.end - w.start for w in heard), default=0.0)
    if longest >= LONG_WORD_S:
        reasons.append(f"one word lasts {longest:.1f} s")
    if unheard >= UNHEARD_S:
        reasons.append(f"{unheard:.1f} s of sound is not speech of the text")
    if drawn >= DRAWN_S:
        reasons.append(f"{drawn:.1f} s more sound than the words heard there take to say (more "
                       "was said than was heard)")
    if unsaid:
        reasons.append(f"forced onto the audio, {len(unsaid)} words of the text have no room "
                       f"in it: {' '.join(unsaid)}")
    elif worded and aligned is False:
        reasons.append("forced onto the audio, the text is unlikely there (other words were "
                       "said)")
    return Verdict(not reasons, found.wer, found.missing, found.added, reasons, aligned,
                   list(unsaid or []))


def said(samples: np.ndarray, rate: int, heard: list[Heard], text: str) -> list[Heard]:
    """The heard words less those Whisper wrote into silence: a word the narration does not have,
    with no sound under it or no time at all (a tail it invents after the last word, "I'm going
    to finish.", placed in zero seconds). A narration word is always kept, and so is any word
    over sound: a voice that says more than its text is still heard saying it."""
    if not heard:
        return heard
    from flaming_horse_voice.hearing.sound import sounding

    known = set(normal_words(text))
    sound = sounding(samples, rate, [(w.start, w.end) for w in heard])
    return [w for w, seconds in zip(heard, sound)
            if seconds >= SOUNDLESS_S or set(normal_words(w.word)) <= known]


def word_failure(verdict: Verdict) -> bool:
    """Whether ``verdict`` fails on the words alone (none added, repeated, stuck or unheard):
    what a second opinion can clear."""
    return not verdict.passed and all(r.startswith("word error rate") or
                                      r.endswith(("in a row were not said",
                                                  "in place of the text's"))
                                      for r in verdict.reasons)


def drawn_out(samples: np.ndarray, rate: int, heard: list[Heard]) -> float:
    """The most seconds by which up to ``DRAWN_WORDS`` heard words in a row, mid-sentence,
    sound longer than their letters take to say at this clip's pace (0.1 s a word and 0.07 s a
    letter, read out, times the clip's own ratio): Whisper writes a phrase said twice once and
    stretches the words beside it over the second saying."""
    if len(heard) < 2:
        return 0.0
    from flaming_horse_voice.hearing.sound import sounding

    need = [0.1 + 0.07 * sum(len(p) for p in normal_words(w.word)) for w in heard]
    sound = sounding(samples, rate, [(w.start, w.end) for w in heard])
    pace = max(sum(sound) / max(sum(need), 1e-6), 0.5)
    most = 0.0
    for i in range(len(heard) - 1):  # the last word may trail off
        for j in range(i, min(i + DRAWN_WORDS, len(heard) - 1)):
            if not heard[j].word[-1:].isalnum():
                break  # a pause may follow a punctuated word
            most = max(most, sum(sound[i:j + 1]) - pace * sum(need[i:j + 1]))
    return most


def doubtful(samples: np.ndarray, rate: int, heard: list[Heard]) -> list[tuple[float, float]]:
    """Stretches that the recogniser may not have heard, widened to the well-heard words on
    either side: a word that lasts ``LONG_WORD_S`` and sound that no word covers. Whisper now
    and then stops writing before a clip ends, or skips a phrase, and stretches the last word
    it wrote over what it did not."""
    from flaming_horse_voice.hearing.sound import unheard_spans

    kept = [w for w in heard if w.end - w.start < LONG_WORD_S]
    loose = [(w.start, w.end) for w in heard if w.end - w.start >= LONG_WORD_S]
    loose += [s for s in unheard_spans(samples, rate, [(w.start, w.end) for w in kept])
              if s[1] - s[0] >= DOUBT_S]
    total = len(samples) / rate
    stretches: list[tuple[float, float]] = []
    for start, end in sorted(loose):
        left = max((w.end for w in kept if w.end <= start), default=0.0)
        right = min((w.start for w in kept if w.start >= end), default=total)
        if stretches and left <= stretches[-1][1]:
            stretches[-1] = (stretches[-1][0], max(right, stretches[-1][1]))
        else:
            stretches.append((left, right))
    return stretches


def spliced(heard: list[Heard], stretch: tuple[float, float], again: list[Heard]) -> list[Heard]:
    """``heard`` with the words within ``stretch`` replaced by ``again`` (heard there alone)."""
    start, end = stretch
    return ([w for w in heard if w.end <= start] + again +
            [w for w in heard if w.start >= end])


def _spoken(words: list[Heard]) -> list[Heard]:
    return [w for w in words if any(c.isalnum() for c in w.word)]


def unsaid(words: list[Heard], samples: np.ndarray, rate: int = RATE) -> list[str]:
    """The force-aligned narration words that the audio ``samples`` has no room for: each run
    of two or three words that the model finds unlikely there (``UNSAID_P``) and that hold
    hardly any sound (``UNSAID_SOUND``): forced onto audio they were cut out of, words are
    placed in a pause or squeezed to nothing."""
    from flaming_horse_voice.hearing.sound import sounding

    spoken = _spoken(words)
    sound = sounding(samples, rate, [(w.start, w.end) for w in spoken])
    out: set[int] = set()
    for size, most in UNSAID_SOUND.items():
        for i in range(len(spoken) - size + 1):
            chance = sum(w.probability for w in spoken[i:i + size]) / size
            if chance < UNSAID_P and sum(sound[i:i + size]) / size < most:
                out.update(range(i, i + size))
    return [spoken[i].word for i in sorted(out)]


def fits(words: list[Heard], samples: np.ndarray, rate: int = RATE) -> bool:
    """Whether the narration, force-aligned as ``words`` to ``samples``, is what the audio
    says: likely on the whole (``FIT_P``: other speech scores near 0, clear speech of it 0.4
    and up), with no run of words that the audio has no room for, and no ``UNLIKELY_RUN``
    words in a row that are all unlikely (a phrase said as other words)."""
    spoken = _spoken(words)
    if not spoken:
        return False
    unlikely = longest_run([w.probability < UNLIKELY_P for w in spoken])
    return (sum(w.probability for w in spoken) / len(spoken) >= FIT_P and
            not unsaid(words, samples, rate) and unlikely < UNLIKELY_RUN)


@dataclass(frozen=True)
class Hearing:
    key: str
    model: str
    language: str
    words: list[Heard]
    verdict: Verdict
    unheard: float = 0.0  # seconds of sound outside every heard word
    take: int = 0  # 0: the first take; k: made with the k-th next seed
    drawn: float = 0.0  # seconds of sound more than its words take to say (``drawn_out``)

    @property
    def transcript(self) -> str:
        return " ".join(w.word for w in self.words)

    def to_dict(self) -> dict:
        return {"version": VERSION, "key": self.key, "model": self.model,
                "language": self.language, "take": self.take, "unheard": round(self.unheard, 3),
                "drawn": round(self.drawn, 3),
                "created_at": datetime.now(timezone.utc).isoformat(),
                "transcript": self.transcript, "verdict": self.verdict.to_dict(),
                "words": [w.to_dict() for w in self.words]}

    @classmethod
    def from_dict(cls, data: dict) -> "Hearing":
        return cls(str(data["key"]), str(data["model"]), str(data["language"]),
                   [Heard.from_dict(w) for w in data["words"]], Verdict.from_dict(data["verdict"]),
                   float(data.get("unheard", 0.0)), int(data.get("take", 0)),
                   float(data.get("drawn", 0.0)))


def resample(samples: np.ndarray, rate: int) -> np.ndarray:
    if rate == RATE:
        return samples.astype("float32", copy=False)
    from math import gcd

    from scipy.signal import resample_poly

    common = gcd(RATE, rate)
    return resample_poly(samples, RATE // common, rate // common).astype("float32")


def heard_path(folder: Path, audio: str) -> Path:
    """Where the transcript of the clip file ``audio`` is kept."""
    return Path(folder) / (Path(audio).stem + SUFFIX)


class Ear:
    def __init__(self, settings: HearingSettings, events: Path | None = None) -> None:
        self.settings = settings
        self.events = events  # the voice cache's event log: a "hear" line per hearing
        self.model = settings.model or EMBEDDED
        self.language = language_code(settings.language)

    @property
    def skipped(self) -> str | None:
        """Why clips are not heard (off, or a language the model does not know); None: heard."""
        if not self.settings.enabled:
            return "[voice] verify is off"
        if self.language != "en" and english_only(self.settings.model):
            return (f"the narration is not English ({self.language}) and {self.model} hears "
                    "English only: name a multilingual model in [voice.verify] model (e.g. "
                    "Systran/faster-whisper-small) to check it")
        return None

    @property
    def active(self) -> bool:
        return self.skipped is None

    def recogniser(self) -> Recogniser:
        return Recogniser.load(self.settings.model)

    def warm(self) -> None:
        """Import the recogniser's library now, before renders run beside the hearing: an import
        that Ctrl-C cuts short fails as a broken install, not as an interruption. A missing
        library is named later, by what needs it."""
        if self.active:
            try:
                importlib.import_module("faster_whisper")
            except ImportError:
                pass

    def check_ready(self) -> None:
        """Raise the FlamingHorseError that the recogniser cannot be loaded (before a build)."""
        if self.active:
            from flaming_horse_voice.hearing.recogniser import model_folder

            model_folder(self.settings.model)

    def hear(self, samples: np.ndarray, rate: int, text: str, key: str,
             take: int = 0) -> Hearing:
        """Hear ``samples`` and judge them against ``text``: a second, careful hearing when the
        first seems to fail, and the better of the two is kept."""
        from flaming_horse_voice.hearing.sound import onset_starts, unheard_sound

        started = time.monotonic()
        audio = resample(samples, rate)
        recogniser = self.recogniser()
        threshold = self.settings.threshold

        def judged(words: list[Heard]) -> Hearing:
            words = said(audio, RATE, words, text)
            unheard = unheard_sound(audio, RATE, [(w.start, w.end) for w in words])
            drawn = drawn_out(audio, RATE, words)
            verdict = judge(text, words, unheard, threshold, drawn=drawn)
            return Hearing(key, self.model, self.language, words, verdict, unheard, take, drawn)

        def heard_alone(stretch: tuple[float, float]) -> list[Heard]:
            start, end = stretch
            return [replace(w, start=w.start + start, end=w.end + start) for w in
                    recogniser.transcribe(audio[int(start * RATE):int(end * RATE)],
                                          self.language, careful=True)]

        def better(a: Hearing, b: Hearing) -> Hearing:
            return b if b.verdict.rank() < a.verdict.rank() else a

        best = judged(recogniser.transcribe(audio, self.language))
        if not best.verdict.passed:
            best = better(best, judged(recogniser.transcribe(audio, self.language, careful=True)))
        if not best.verdict.passed:  # hear again what the recogniser may have skipped
            for stretch in doubtful(audio, RATE, best.words):
                best = better(best, judged(spliced(best.words, stretch, heard_alone(stretch))))
        verdict = best.verdict
        if word_failure(verdict) or (verdict.passed and len(verdict.missing) >= 2):
            # the words differ: were they said and misheard, or cut out?
            forced = recogniser.align(audio, text, self.language)
            if forced is not None:
                best = replace(best, verdict=judge(
                    text, best.words, best.unheard, threshold, aligned=fits(forced, audio),
                    drawn=best.drawn, unsaid=unsaid(forced, audio)))
        append_event(self.events, {"event": "hear", "key": key, "take": take,
                                   "passed": best.verdict.passed,
                                   "audio_seconds": round(len(audio) / RATE, 3),
                                   "seconds": round(time.monotonic() - started, 3)})
        starts = onset_starts(audio, RATE, [(w.start, w.end) for w in best.words])
        return replace(best, words=[replace(w, start=s) for w, s in zip(best.words, starts)])

    def hear_file(self, path: Path, text: str, key: str) -> Hearing:
        from flaming_horse_voice.audio import decode_audio

        samples, rate = decode_audio(Path(path), RATE)
        return self.hear(samples, rate, text, key)

    # -- the transcript beside each clip -------------------------------------------------------
    def load(self, folder: Path, audio: str, key: str, text: str,
             judged: bool = True) -> Hearing | None:
        """The clip's transcript when one was made of it by this model, judged under this
        threshold (a transcript is judged again, not heard again, when the threshold moved).
        ``judged=False``: as kept, for a caller that asks only whether the clip was heard."""
        try:
            data = json.loads(heard_path(folder, audio).read_text(encoding="utf-8"))
            if data.get("version") != VERSION or data.get("key") != key or \
                    data.get("model") != self.model or data.get("language") != self.language:
                return None
            hearing = Hearing.from_dict(data)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not judged:
            return hearing
        verdict = judge(text, hearing.words, hearing.unheard, self.settings.threshold,
                        hearing.verdict.aligned, hearing.drawn, hearing.verdict.unsaid)
        return replace(hearing, verdict=verdict)

    @staticmethod
    def save(folder: Path, audio: str, hearing: Hearing) -> None:
        atomic.write_json(heard_path(folder, audio), hearing.to_dict())


def hear_kept_clip(cache, entry, ear: Ear) -> Hearing:
    """Hear a clip already in ``cache`` (``VoiceCache``) and keep its transcript; a clip whose
    words were estimated (spoken on another machine) is timed from the hearing."""
    from flaming_horse_voice.hearing.align import METHOD, narration_timings
    from flaming_horse_voice.words import ALIGNED

    text = entry.text or ""
    hearing = ear.hear_file(cache.folder / entry.audio, text, entry.key)
    if entry.timing != ALIGNED:
        cache.retime(entry.key, narration_timings(text, hearing.words, entry.duration), METHOD)
    ear.save(cache.folder, entry.audio, hearing)
    return hearing
