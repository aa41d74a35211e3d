"""Subtitle cues split the narration into sentences as the voice does (pysbd), not at every
full stop, and split a long sentence at two lines' length."""

from __future__ import annotations

from flaming_horse.subtitles import MAX_CHARS, clip_cues, to_srt
from flaming_horse_voice.words import WordTiming


def timed(text: str, step: float = 0.4) -> list[WordTiming]:
    return [WordTiming(word, i * step, i * step + step * 0.8)
            for i, word in enumerate(text.split())]


def test_an_abbreviation_or_a_decimal_ends_no_cue():
    words = timed("Dr. Smith measured 3.5 metres, e.g. by hand. Then he left.")
    cues = clip_cues(words, 10.0, 6.0)
    assert [c.text for c in cues] == ["Dr. Smith measured 3.5 metres, e.g. by hand.",
                                      "Then he left."]
    assert cues[0].start == 10.0 and abs(cues[1].start - (10.0 + 8 * 0.4)) < 1e-9  # "Then"
    assert cues[1].end == 16.0  # the last cue lasts to the clip's end


def test_a_long_sentence_is_split_into_cues_of_two_lines_at_most():
    sentence = " ".join(["word"] * 40) + "."
    cues = clip_cues(timed(sentence), 0.0, 20.0)
    assert len(cues) > 1 and all(len(c.text) <= MAX_CHARS for c in cues)
    assert " ".join(c.text for c in cues) == sentence
    assert "1\n00:00:00,000 --> " in to_srt(cues)
