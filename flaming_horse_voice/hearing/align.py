"""Narration word timings from a transcript: each narration word takes the times of the heard
words aligned to it (``compare``); a word the recogniser missed is placed between its heard
neighbours by character offsets, as the estimate would place it. Recorded as ``METHOD``."""

from __future__ import annotations

from flaming_horse_voice.hearing.compare import compare_words, normal_words
from flaming_horse_voice.hearing.recogniser import Heard
from flaming_horse_voice.words import WordTiming, tokens

METHOD = "asr-alignment"
LAG_S = -0.05  # Whisper places word starts a little after the word begins (measured on Piper)


def narration_timings(text: str, heard: list[Heard], duration: float) -> list[WordTiming]:
    """Times of the words of ``text`` (as ``words.tokens`` splits it) from the words heard."""
    words = tokens(text)
    meant, meant_owner = _normalised([w for w in words])
    said, said_owner = _normalised([h.word for h in heard])
    spans: list[tuple[float, float] | None] = [None] * len(words)
    parts = _part_spans(said, said_owner, heard)
    for i, j in compare_words(meant, said).pairs:
        owner, (begin, end) = meant_owner[i], parts[j]
        start = max(min(begin + LAG_S, end), 0.0)
        span = spans[owner]
        spans[owner] = (start, end) if span is None else (min(span[0], start), max(span[1], end))
    _fill(words, spans, duration)
    result, last = [], 0.0
    for word, span in zip(words, spans):
        start = max(span[0], last)
        end = max(span[1], start)
        result.append(WordTiming(word, start, end))
        last = start
    return result


def _part_spans(said: list[str], owner: list[int], heard: list[Heard]
                ) -> list[tuple[float, float]]:
    """The span of each normalised word heard: a heard word that reads as several ("71":
    "seventy one") shares its span among them by their letters."""
    spans = []
    for j, part in enumerate(said):
        word = heard[owner[j]]
        siblings = [k for k in range(len(said)) if owner[k] == owner[j]]
        total = sum(len(said[k]) for k in siblings) or 1
        before = sum(len(said[k]) for k in siblings if k < j)
        length = word.end - word.start
        spans.append((word.start + length * before / total,
                      word.start + length * (before + len(part)) / total))
    return spans


def _normalised(words: list[str]) -> tuple[list[str], list[int]]:
    plain, owner = [], []
    for index, word in enumerate(words):
        for part in normal_words(word):
            plain.append(part)
            owner.append(index)
    return plain, owner


def _fill(words: list[str], spans: list, duration: float) -> None:
    """Spans for the words no heard word matched: between the neighbours that were heard, in
    proportion to the characters of the words in the gap."""
    index = 0
    while index < len(spans):
        if spans[index] is not None:
            index += 1
            continue
        end = index
        while end < len(spans) and spans[end] is None:
            end += 1
        begin = spans[index - 1][1] if index else 0.0
        finish = spans[end][0] if end < len(spans) else duration
        finish = max(finish, begin)
        gap = words[index:end]
        total = sum(len(w) + 1 for w in gap)
        offset = 0
        for k, word in enumerate(gap):
            start = begin + (finish - begin) * offset / total
            offset += len(word) + 1
            spans[index + k] = (start, begin + (finish - begin) * (offset - 1) / total)
        index = end
