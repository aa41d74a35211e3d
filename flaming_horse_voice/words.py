"""Word timings: when each word of a clip is spoken, and how manim-voiceover wants to hear it.

A backend that knows (Piper, from its phoneme alignments) returns exact times; one that does not
gets an estimate by character offsets within each sentence it synthesised (sentence boundaries are
exact, since every sentence is synthesised on its own). Each clip records which method was used.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Sequence

ALIGNED = "piper-alignment"
ESTIMATED = "char-estimate"
AUDIO_OFFSET_RESOLUTION = 10_000_000  # manim-voiceover's unit for audio_offset
# A bookmark tag exactly as manim-voiceover's tracker matches (and strips) it.
_MANIM_BOOKMARK = re.compile(r"<bookmark\s*mark\s*=['\"](\w*)[\"']\s*/>")


def bookmark_names(text: str) -> list[str]:
    """The names of the bookmarks in ``text``, in order."""
    return _MANIM_BOOKMARK.findall(text)


@dataclass(frozen=True)
class WordTiming:
    word: str
    start: float  # seconds from the start of the clip
    end: float

    def to_dict(self) -> dict[str, Any]:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "WordTiming":
        return cls(str(data["word"]), float(data["start"]), float(data["end"]))


def tokens(text: str) -> list[str]:
    """The words of a (speakable) text: whitespace-separated, punctuation attached."""
    return text.split()


def estimate(sentences: Sequence[tuple[str, float, float]]) -> list[WordTiming]:
    """Word times from (sentence text, start s, end s) spans, by character offset within each."""
    words: list[WordTiming] = []
    for text, start, end in sentences:
        parts = tokens(text)
        total = sum(len(p) + 1 for p in parts) or 1
        offset = 0
        for part in parts:
            begin = start + (end - start) * offset / total
            offset += len(part) + 1
            words.append(WordTiming(part, begin, start + (end - start) * (offset - 1) / total))
    return words


def word_boundaries(words: Sequence[WordTiming], input_text: str,
                    duration: float) -> list[dict[str, Any]]:
    """manim-voiceover word boundaries for ``input_text`` (which may hold bookmark tags).

    Text offsets are positions in the text with the tags removed exactly as manim-voiceover
    removes them, so ``tracker.time_until_bookmark`` and ``wait_until_bookmark`` land on the
    word that follows each bookmark.
    """
    plain = _MANIM_BOOKMARK.sub("", input_text)
    result: list[dict[str, Any]] = []
    cursor = 0
    for word in words:
        found = plain.find(word.word, cursor)
        if found < 0:  # the text changed since the clip was made: keep what matched
            break
        result.append({"audio_offset": int(word.start * AUDIO_OFFSET_RESOLUTION),
                       "text_offset": found, "word_length": len(word.word), "text": word.word,
                       "boundary_type": "Word"})
        cursor = found + len(word.word)
    result.append({"audio_offset": int(duration * AUDIO_OFFSET_RESOLUTION),
                   "text_offset": len(plain), "word_length": 0, "text": "",
                   "boundary_type": "Word"})
    if result[0]["text_offset"] > 0:  # text before the first word starts the clip
        result.insert(0, {"audio_offset": 0, "text_offset": 0, "word_length": 0, "text": "",
                          "boundary_type": "Word"})
    return result
