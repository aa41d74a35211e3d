#!/usr/bin/env python3
"""Measure how well Piper word timings land on the words actually heard in the cached MP3.

Independent reference: after a pause (a comma or a sentence end) the next word starts where the
audio's energy rises again. For every such word in the sample sentences, this compares the
word's recorded start (from Piper's phoneme alignments, as stored in the voice cache) with that
energy onset in the decoded MP3 (what manim mixes into the video), and prints the errors.

    .venv/bin/python scripts/bench_word_timing.py
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

import av
import numpy as np

from flaming_horse_voice import cache_for, load_voice_settings
from flaming_horse_voice.factory import create_backend

SENTENCES = [
    "First comes the apple, then the banana, and at the very end the cherry.",
    "The square on the hypotenuse, as Euclid showed, equals the sum of the other two squares.",
    "Look at the middle item. If it is too small, the answer is in the right half.",
    "With legs three and four, the squares are nine and sixteen. Together they make twenty five.",
    "A derivative is a slope. It is the limit of secant slopes, taken as the width shrinks.",
    "Sort once, search often, and every search after that is fast.",
]
WINDOW = 0.005  # seconds per energy frame
SILENCE_DB = -35.0  # below the clip's peak energy
MIN_GAP = 0.06  # a pause is at least this long


def decode(path: Path) -> tuple[np.ndarray, int]:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = stream.rate
        chunks = [f.to_ndarray().astype(np.float32).reshape(-1) for f in container.decode(stream)]
    return np.concatenate(chunks), rate


def onsets(samples: np.ndarray, rate: int) -> list[float]:
    """Times where sound resumes after a pause of at least MIN_GAP."""
    hop = int(WINDOW * rate)
    frames = len(samples) // hop
    energy = np.array([np.sqrt(np.mean(samples[i * hop:(i + 1) * hop] ** 2)) + 1e-9
                       for i in range(frames)])
    db = 20 * np.log10(energy / energy.max())
    quiet = db < SILENCE_DB
    result, run = [], 0
    for i, q in enumerate(quiet):
        if q:
            run += 1
        else:
            if run * WINDOW >= MIN_GAP and i > run:  # not the leading silence
                result.append(i * WINDOW)
            run = 0
    return result


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="fh-words-"))
    settings = load_voice_settings(work)
    backend, cache = create_backend(settings), cache_for(work, settings)
    errors: list[float] = []
    methods: list[str] = []
    for text in SENTENCES:
        entry, _ = cache.ensure(text, backend)
        methods.append(entry.timing)
        samples, rate = decode(cache.folder / entry.audio)
        heard = onsets(samples, rate)
        words = entry.word_timings()
        after_pause = [w for prev, w in zip(words, words[1:]) if prev.word[-1] in ",.;:!?"]
        for word in after_pause:
            nearest = min(heard, key=lambda t: abs(t - word.start), default=None)
            if nearest is None or abs(nearest - word.start) > 0.25:
                print(f"  no onset near {word.word!r} at {word.start:.3f} s")
                continue
            errors.append(word.start - nearest)
            print(f"  {word.word:<12} recorded {word.start:6.3f} s  heard {nearest:6.3f} s  "
                  f"error {1000 * (word.start - nearest):+6.1f} ms")
    absolute = [abs(e) for e in errors]
    print(f"timing methods: {', '.join(sorted(set(methods)))} "
          f"({methods.count('piper-alignment')} of {len(methods)} clips aligned)")
    print(f"{len(errors)} words after a pause: mean |error| "
          f"{1000 * statistics.mean(absolute):.1f} ms, max {1000 * max(absolute):.1f} ms, "
          f"mean signed {1000 * statistics.mean(errors):+.1f} ms; one frame at 15 fps is 66.7 ms")


if __name__ == "__main__":
    main()
