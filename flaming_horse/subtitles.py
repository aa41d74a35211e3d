"""Subtitles from the narration with real timings: one cue per sentence (long ones split), placed
by the word times of each clip and the real length of each scene."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flaming_horse_voice.sentences import split_sentences
from flaming_horse_voice.words import WordTiming

MAX_CHARS = 84  # two lines of 42
LINE_CHARS = 42


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


def sentences_of(words: list[WordTiming], language: str = "en") -> list[list[WordTiming]]:
    """The clip's words by sentence, as the voice splits its text (``split_sentences``: pysbd,
    so "Dr. Smith" or "3.5" ends no sentence)."""
    spoken = split_sentences(" ".join(w.word for w in words), language)
    counts = [len(sentence.split()) for sentence in spoken]
    if sum(counts) != len(words):  # the splitter changed the words: one sentence per clip
        return [words] if words else []
    result, start = [], 0
    for count in counts:
        result.append(words[start:start + count])
        start += count
    return result


def clip_cues(words: list[WordTiming], offset: float, clip_end: float,
              language: str = "en") -> list[Cue]:
    """Cues for one clip: sentences (split when too long), shifted by ``offset``."""
    groups: list[list[WordTiming]] = []
    for sentence in sentences_of(words, language):
        groups.append([])
        for word in sentence:
            if groups[-1] and len(" ".join(w.word for w in groups[-1] + [word])) > MAX_CHARS:
                groups.append([])
            groups[-1].append(word)
    groups = [g for g in groups if g]
    cues = []
    for index, group in enumerate(groups):
        start = group[0].start
        end = groups[index + 1][0].start if index + 1 < len(groups) else clip_end
        cues.append(Cue(offset + start, offset + end, " ".join(w.word for w in group)))
    return cues


def wrap(text: str) -> str:
    if len(text) <= LINE_CHARS:
        return text
    words = text.split()
    best = min(range(1, len(words)),
               key=lambda i: abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))), default=1)
    return " ".join(words[:best]) + "\n" + " ".join(words[best:])


def _timestamp(seconds: float) -> str:
    millis = int(round(max(seconds, 0.0) * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d},{millis:03d}"


def to_srt(cues: list[Cue]) -> str:
    return "".join(f"{i}\n{_timestamp(c.start)} --> {_timestamp(c.end)}\n{wrap(c.text)}\n\n"
                   for i, c in enumerate(cues, start=1))


def to_vtt(cues: list[Cue]) -> str:
    """The same cues as WebVTT (webvtt-py writes the format)."""
    import webvtt

    document = webvtt.WebVTT()
    for cue in cues:
        document.captions.append(webvtt.Caption(_timestamp(cue.start).replace(",", "."),
                                                _timestamp(cue.end).replace(",", "."),
                                                wrap(cue.text)))
    return document.content


def ffmetadata_chapters(titles: list[str], durations: list[float], title: str) -> str:
    """An ffmpeg metadata file with one chapter per scene."""
    def escape(text: str) -> str:
        return "".join("\\" + ch if ch in "=;#\\\n" else ch for ch in text)

    lines = [";FFMETADATA1", f"title={escape(title)}"]
    start = 0.0
    for name, duration in zip(titles, durations):
        end = start + duration
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={int(round(start * 1000))}",
                  f"END={int(round(end * 1000))}", f"title={escape(name)}"]
        start = end
    return "\n".join(lines) + "\n"


def write(path: Path, text: str) -> None:
    from flaming_horse_voice import atomic

    atomic.write_text(path, text)
