"""Narration is spoken one sentence at a time by the Qwen backends: split it, and bound each
sentence's generation by its length.

Splitting uses pysbd, which knows abbreviations ("Dr. Smith at 3 p.m." is one sentence). The token
budget follows the speech codec: 12 codec frames per second of speech, at about 2.5 words a second,
with headroom, so a short sentence cannot run on for the fixed 2048 tokens a model defaults to.
"""

from __future__ import annotations

import math
from functools import lru_cache

FRAMES_PER_SECOND = 12
WORDS_PER_SECOND = 2.5
HEADROOM = 2.0  # slow speakers, pauses and numbers read out digit by digit
MIN_TOKENS = 48  # four seconds, for "Yes." and the like
CHARS_PER_WORD = 6  # long technical words and digits count for more than one word


@lru_cache(maxsize=4)
def _segmenter(language: str):
    import pysbd

    return pysbd.Segmenter(language=language, clean=False)


def split_sentences(text: str, language: str = "en") -> list[str]:
    """The sentences of ``text``, stripped, none empty (the whole text when it has no sentence)."""
    try:
        parts = _segmenter(language).segment(text)
    except ValueError:  # a language pysbd does not know: English rules are the safe fallback
        parts = _segmenter("en").segment(text)
    sentences = [part.strip() for part in parts if part.strip()]
    return sentences or ([text.strip()] if text.strip() else [])


def max_new_tokens(sentence: str) -> int:
    """Codec frames for ``sentence`` spoken slowly: its estimated length with headroom."""
    words = max(len(sentence.split()), len(sentence) / CHARS_PER_WORD)
    seconds = words / WORDS_PER_SECOND
    return max(MIN_TOKENS, math.ceil(seconds * FRAMES_PER_SECOND * HEADROOM))
