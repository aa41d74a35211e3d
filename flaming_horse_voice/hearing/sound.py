"""Sound that no heard word covers: noise or babble after (or between) the words.

A clip is framed in 20 ms steps; a frame is sound when its RMS level is within ``FLOOR_DB`` of the
clip's speech level (the median of its louder frames). Time that is sound but lies more than
``MARGIN_S`` from every heard word is unheard sound: a voice trailing off into noise, a
hallucinated tail, or noise that got into the clip.
"""

from __future__ import annotations

import numpy as np

FRAME_S = 0.02
FLOOR_DB = -26.0
MARGIN_S = 0.3


def frame_levels(samples: np.ndarray, rate: int) -> np.ndarray:
    size = max(int(rate * FRAME_S), 1)
    count = len(samples) // size
    if not count:
        return np.zeros(0)
    frames = samples[: count * size].astype(np.float64).reshape(count, size)
    return np.sqrt(np.mean(frames ** 2, axis=1))


def speech_level(levels: np.ndarray) -> float:
    """The level speech has in this clip: the median of its louder half of frames."""
    loud = levels[levels > np.percentile(levels, 50)]
    return float(np.median(loud)) if len(loud) else float(levels.max(initial=0.0))


def _sound(samples: np.ndarray, rate: int, floor_db: float = FLOOR_DB) -> np.ndarray:
    """Which 20 ms frames are sound (within ``floor_db`` of the clip's speech level)."""
    levels = frame_levels(samples, rate)
    if not len(levels) or not np.any(levels > 0):
        return np.zeros(len(levels), dtype=bool)
    return levels > speech_level(levels) * 10 ** (floor_db / 20)


def onset_starts(samples: np.ndarray, rate: int, spans: list[tuple[float, float]],
                 floor_db: float = -30.0) -> list[float]:
    """Each span's start moved to where sound begins when it starts in a pause: Whisper lets a
    word after a pause begin where the word before it ended."""
    sound = _sound(samples, rate, floor_db)
    starts = []
    for start, end in spans:
        first, last = int(start / FRAME_S), min(int(end / FRAME_S), len(sound))
        if first < last and not sound[first]:
            loud = np.flatnonzero(sound[first:last])
            if len(loud):
                start = (first + int(loud[0])) * FRAME_S
        starts.append(start)
    return starts


def unheard_spans(samples: np.ndarray, rate: int,
                  spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """(start, end) of each stretch of sound farther than ``MARGIN_S`` from every span."""
    sound = _sound(samples, rate)
    covered = np.zeros(len(sound), dtype=bool)
    for start, end in spans:
        first = max(int((start - MARGIN_S) / FRAME_S), 0)
        last = min(int(np.ceil((end + MARGIN_S) / FRAME_S)), len(sound))
        covered[first:last] = True
    loose = np.concatenate([[False], sound & ~covered, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(loose))
    return [(a * FRAME_S, b * FRAME_S) for a, b in zip(edges[::2], edges[1::2])]


def unheard_sound(samples: np.ndarray, rate: int, spans: list[tuple[float, float]]) -> float:
    """Seconds of sound in ``samples`` farther than ``MARGIN_S`` from every (start, end) span."""
    return sum(end - start for start, end in unheard_spans(samples, rate, spans))


def sounding(samples: np.ndarray, rate: int, spans: list[tuple[float, float]]) -> list[float]:
    """Seconds of sound (not pause) within each (start, end) span."""
    sound = _sound(samples, rate)
    return [float(np.count_nonzero(sound[int(start / FRAME_S):int(np.ceil(end / FRAME_S))]))
            * FRAME_S for start, end in spans]
