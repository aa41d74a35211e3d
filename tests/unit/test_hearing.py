"""The parts of hearing that need no model: settings, normalising, comparing, aligning, the
unheard-sound measure, verdicts, and the transcript kept beside a clip."""

from __future__ import annotations

import json

import numpy as np
import pytest

from flaming_horse.errors import FlamingHorseError
from flaming_horse_voice.hearing import align, compare, ear, settings, sound
from flaming_horse_voice.hearing.recogniser import (Heard, english_only, language_code,
                                                    model_folder)
from flaming_horse_voice.settings import VoiceSettings, from_mapping, hearing


def test_verify_is_on_by_default_and_off_in_several_spellings(monkeypatch):
    monkeypatch.delenv(settings.ENV, raising=False)
    assert settings.parse(None).enabled
    for off in ("off", False, "no", "0"):
        assert not settings.parse(off).enabled
    table = settings.parse({"threshold": "0.3", "retries": 1, "model": "/m"})
    assert (table.threshold, table.retries, table.model) == (0.3, 1, "/m")
    monkeypatch.setenv(settings.ENV, "off")
    assert not settings.parse({"threshold": 0.3}).enabled


@pytest.mark.parametrize("bad, words", [({"treshold": 0.3}, "treshold"), ({"threshold": 2}, "(0, 1]"),
                                        ({"retries": -1}, "negative"), ("maybe", "not understood"),
                                        ({"threshold": "x"}, "number")])
def test_bad_verify_settings_are_refused_when_read(bad, words, monkeypatch):
    monkeypatch.delenv(settings.ENV, raising=False)
    with pytest.raises(FlamingHorseError) as caught:
        from_mapping({"verify": bad})
    assert words in caught.value.message


def test_the_narration_language_comes_from_the_voice_and_english_only_models_skip_others(monkeypatch):
    monkeypatch.delenv(settings.ENV, raising=False)
    german = hearing(VoiceSettings(language="German"))
    assert language_code(german.language) == "de"
    listener = ear.Ear(german)
    assert not listener.active and "English only" in listener.skipped
    assert ear.Ear(hearing(VoiceSettings(language="German",
                                         verify={"model": "/models/small"}))).active
    assert english_only(None) and english_only("Systran/faster-whisper-tiny.en")
    assert not english_only("Systran/faster-whisper-small")


def test_a_missing_model_is_an_error_with_a_hint(tmp_path):
    with pytest.raises(FlamingHorseError) as caught:
        model_folder("nobody/faster-whisper-nothing")
    assert caught.value.hint and "never download" in caught.value.message
    (tmp_path / "m").mkdir()
    with pytest.raises(FlamingHorseError) as caught:
        model_folder(str(tmp_path / "m"))
    assert "model.bin" in caught.value.message


def test_normalising_reads_numbers_and_drops_punctuation():
    assert compare.normal_words("The 3 sides, 25th time: 1.5% & co-prime!") == \
        ["the", "three", "sides", "twenty", "fifth", "time", "one", "point", "five", "percent",
         "and", "co", "prime"]
    assert compare.normal_words("It's 1,000") == compare.normal_words("its one thousand")
    assert compare.compare("We have 3 apples.", "we have three apples").wer == 0


def test_compare_names_what_was_missed_added_and_repeated():
    text = "the quick brown fox jumps over the lazy dog and runs away into the wood"
    cut = compare.compare(text, "the quick brown fox and runs away into the wood")
    assert cut.missing == ["jumps", "over", "the", "lazy", "dog"] and cut.missing_run == 5
    echo = compare.compare(text, "the quick brown fox the quick brown fox jumps over the lazy "
                                 "dog and runs away into the wood")
    assert echo.added_run == 4 and echo.repeated == 4 and not echo.missing
    alike = compare.compare("we read it row by row", "we read it roll by roll")
    assert alike.errors == 0 and alike.wer == 0  # a tiny model's mishearing, not the voice's
    wrong = compare.compare("we read it row by row", "we read it tomato by banana")
    assert wrong.errors == 2 and wrong.missing == ["row", "row"]


def test_a_name_heard_as_pieces_is_not_words_missed_and_added():
    found = compare.compare("Przybylski and Wojciechowski met Nguyen in Ouagadougou.",
                            "PR's are Bill Ski and watch the Chasky Met Nubian and Waga Dugu.")
    assert found.errors == 0 and found.added_run == 0, found
    other = compare.compare("we square the long leg and add", "we roll two dice and add")
    assert other.missing == ["square", "the", "long", "leg"], other  # unlike: still errors


def test_a_number_is_read_the_way_the_narration_says_it():
    assert compare.compare("Scene one zero zero draws a shape.", "100 draws a shape.").errors == 1
    assert compare.compare("Scene eight one draws a shape.", "Scene 81 draws a shape.").errors == 0
    assert compare.compare("In eighteen ten he wrote.", "In 1810 he wrote.").errors == 0
    assert compare.compare("It costs four pounds.", "It costs 37 pounds.").errors >= 1


def test_word_times_come_from_the_heard_words_and_the_gaps_are_filled():
    heard = [Heard("Three", 0.10, 0.40), Heard("sides", 0.45, 0.80), Heard("meet.", 1.60, 1.90)]
    times = align.narration_timings("3 sides always meet.", heard, 2.0)
    assert [t.word for t in times] == ["3", "sides", "always", "meet."]
    assert times[0].start == pytest.approx(0.10 + align.LAG_S)
    assert times[3].start == pytest.approx(1.60 + align.LAG_S)
    assert 0.80 <= times[2].start < times[3].start  # not heard: placed between its neighbours
    assert all(a.start <= b.start for a, b in zip(times, times[1:]))


def tone(seconds: float, *pauses: tuple[float, float], rate: int = 16000) -> np.ndarray:
    """A steady 200 Hz tone standing in for speech, silent over each (start, end) pause."""
    t = np.arange(int(seconds * rate)) / rate
    speech = (0.3 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)
    for start, end in pauses:
        speech[int(start * rate):int(end * rate)] = 0
    return speech


def test_sound_outside_every_heard_word_is_measured():
    rate = 16000
    speech = tone(4, (1.5, 2.0))
    assert sound.unheard_sound(speech, rate, [(0.0, 1.5), (2.0, 4.0)]) == 0
    assert sound.unheard_sound(speech, rate, [(0.0, 1.5)]) == pytest.approx(2.0, abs=0.05)
    assert sound.unheard_sound(speech, rate, [(0.0, 1.5), (3.0, 4.0)]) == pytest.approx(0.7, abs=0.05)


def test_a_phrase_heard_twice_is_repeated_unless_the_narration_says_it_twice():
    assert compare.compare("one two three four", "one two one two three four").repeated == 2
    assert compare.compare("we go on and on and on", "we go on and on and on").repeated == 0
    looped = compare.compare("The columns tell you everything the matrix does.", "The colons "
                             "tell you everything them, the colons tell you everything the "
                             "matrix does.")
    assert looped.repeated == 5  # "the colons tell you everything", again after a word
    doubled = compare.compare("Dijkstra met Prim", "Dakes dramet Dakes dramet Prim")
    assert doubled.errors >= 2, doubled  # letters alike, but twice as many: not a spelling


def test_stretches_the_recogniser_may_have_skipped_are_found_and_heard_again():
    rate = 16000
    speech = tone(6, (2.0, 2.5))
    assert sound.unheard_spans(speech, rate, [(0.0, 2.0)]) == \
        [pytest.approx((2.5, 6.0), abs=0.05)]  # 2.0-2.5 s is a pause
    heard = [Heard("a", 0.0, 0.9), Heard("b", 1.0, 2.0), Heard("c", 2.5, 5.9)]
    assert ear.doubtful(speech, rate, heard) == [(2.0, 6.0)]  # c lasts 3.4 s: from b to the end
    again = [Heard("c", 2.6, 3.0), Heard("d", 3.1, 5.8)]
    assert [w.word for w in ear.spliced(heard, (2.0, 6.0), again)] == ["a", "b", "c", "d"]
    tail = [Heard("a", 0.0, 0.9), Heard("b", 1.0, 2.0), Heard("c", 2.5, 3.0)]
    assert ear.doubtful(speech, rate, tail) == [(3.0, 6.0)]  # sound after the last word
    whole = heard[:2] + [Heard("c", 2.5, 3.2), Heard("d", 3.3, 4.6), Heard("e", 4.7, 6.0)]
    assert ear.doubtful(speech, rate, whole) == []


def test_words_that_sound_far_longer_than_they_take_to_say_are_drawn_out():
    rate = 16000
    speech = tone(4)
    even = [Heard(w, i * 0.5, i * 0.5 + 0.5) for i, w in enumerate("abcd efgh ijkl mnop "
                                                                   "qrst uvwx yzab cdef".split())]
    assert ear.drawn_out(speech, rate, even) < 0.1  # every word as long as its letters
    stretched = even[:3] + [Heard("i", 1.5, 3.5)] + [Heard(w.word, w.start + 2.0, w.end + 2.0)
                                                    for w in even[4:6]]
    assert ear.drawn_out(speech[:int(4.5 * rate)], rate, stretched) > ear.DRAWN_S


def test_verdicts_name_their_reasons():
    text = "one two three four five six seven eight nine ten"
    words = [Heard(w, i * 0.4, i * 0.4 + 0.3) for i, w in enumerate(text.split())]
    assert ear.judge(text, words, 0.0, 0.4).passed
    failed = ear.judge(text, words[:5], 0.0, 0.4)
    assert not failed.passed and any("not said" in r for r in failed.reasons)
    noisy = ear.judge(text, words, 2.0, 0.4)
    assert not noisy.passed and "sound" in noisy.reasons[0]
    stuck = ear.judge(text, words[:-1] + [Heard("ten", 4.0, 6.0)], 0.0, 0.4)
    assert not stuck.passed and "lasts" in stuck.reasons[0]


def test_a_second_opinion_clears_a_failure_of_words_alone():
    text = "one two three four five six seven eight nine ten"
    words = [Heard(w, i * 0.4, i * 0.4 + 0.3) for i, w in enumerate(text.split())]
    misheard = [Heard(w, i * 0.4, i * 0.4 + 0.3) for i, w in enumerate(
        "won to tree for fife sicks seven ate nine tan".split())]
    first = ear.judge(text, misheard[:3] + [Heard("x", 9, 9.1)], 0.0, 0.4)
    assert ear.word_failure(first) and not first.passed
    assert ear.judge(text, misheard[:3] + [Heard("x", 9, 9.1)], 0.0, 0.4, aligned=True).passed
    refused = ear.judge(text, words[:5], 0.0, 0.4, aligned=False)
    assert not refused.passed and any("unlikely" in r for r in refused.reasons)
    noisy = ear.judge(text, words[:5], 2.0, 0.4)
    assert not ear.word_failure(noisy)  # sound besides the words: no second opinion clears it
    pieces = [Heard(w, 0, 0.1) for w in "one two apple banana cherry dog egg seven".split()]
    instead = ear.judge("one two three four five six seven", pieces, 0.0, 0.4)
    assert ear.word_failure(instead) and any("in place of" in r for r in instead.reasons)
    again = words[:6] + words[:6] + words[6:]  # a phrase said twice: only added, not clearable
    twice = ear.judge(text, again, 0.0, 0.4, aligned=True)
    assert not twice.passed and any("not in the text" in r for r in twice.reasons)
    assert not ear.judge(text, words[:5], 2.0, 0.4, aligned=True).passed


def test_unlikely_words_in_a_pause_or_squeezed_have_no_room_in_the_audio():
    rate = 16000
    said = [Heard(w, i * 0.3, i * 0.3 + 0.25, 0.8) for i, w in enumerate("a b c d e f".split())]
    speech = tone(4, (1.8, 4.0))  # sound until 1.8 s, then a pause
    assert ear.fits(said, speech, rate) and not ear.unsaid(said, speech, rate)
    squeezed = said[:2] + [Heard(w, 0.6, 0.6, 0.01) for w in "x y z".split()] + said[2:]
    assert ear.unsaid(squeezed, speech, rate) == ["x", "y", "z"]
    assert not ear.fits(squeezed, speech, rate)
    paused = said + [Heard(w, 1.9 + i * 0.3, 2.1 + i * 0.3, 0.05) for i, w in enumerate("xy")]
    assert ear.unsaid(paused, speech, rate) == ["x", "y"]  # two words placed in the pause
    unclear = said[:2] + [Heard(w, 0.6 + i * 0.3, 0.8 + i * 0.3, 0.05)
                          for i, w in enumerate("x y z".split())]
    assert ear.fits(unclear, speech, rate)  # unlikely but sounding: said unclearly, not cut
    replaced = said + [Heard(w, 0.2 + i * 0.3, 0.45 + i * 0.3, 0.03) for i, w in
                       enumerate("p q r s t".split())]
    assert not ear.fits(replaced, speech, rate)  # five words in a row said as others
    other = [Heard(w.word, w.start, w.end, 0.02) for w in said]
    assert not ear.fits(other, speech, rate) and not ear.fits([Heard(",", 0, 0.1)], speech, rate)
    cut = ear.judge("a b c d e f", [Heard(w, 0, 0.1) for w in "a b c d".split()], 0.0, 0.4,
                    aligned=False, unsaid=["e", "f"])
    assert not cut.passed and any("no room" in r and "e f" in r for r in cut.reasons)
    assert ear.Verdict.from_dict(cut.to_dict()).unsaid == ["e", "f"]


def test_a_transcript_is_believed_only_for_its_clip_model_and_version_and_judged_anew(tmp_path,
                                                                                  monkeypatch):
    monkeypatch.delenv(settings.ENV, raising=False)
    text = "one two three four five six"
    words = [Heard(w, i * 0.4, i * 0.4 + 0.3) for i, w in enumerate("one two tree".split())]
    listener = ear.Ear(settings.parse(None))
    kept = ear.Hearing("k" * 64, listener.model, "en", words, ear.judge(text, words, 0, 0.4))
    listener.save(tmp_path, "clip-k.mp3", kept)
    loaded = listener.load(tmp_path, "clip-k.mp3", "k" * 64, text)
    assert loaded.words == words and not loaded.verdict.passed
    assert listener.load(tmp_path, "clip-k.mp3", "j" * 64, text) is None
    lenient = ear.Ear(settings.parse({"threshold": 1.0}))
    assert lenient.load(tmp_path, "clip-k.mp3", "k" * 64, text).verdict.passed  # judged anew
    path = ear.heard_path(tmp_path, "clip-k.mp3")
    data = json.loads(path.read_text())
    data["version"] = ear.VERSION + 1
    path.write_text(json.dumps(data))
    assert listener.load(tmp_path, "clip-k.mp3", "k" * 64, text) is None
    path.write_text("{ cut short")
    assert listener.load(tmp_path, "clip-k.mp3", "k" * 64, text) is None


def test_words_written_into_silence_are_dropped_unless_the_narration_has_them():
    """Whisper invents a tail in the silence after the last word ("I'm going to finish.", zero
    seconds long): those words are not said. A narration word is kept even where it is silent,
    and a word over sound is kept even when the narration lacks it (a voice saying more)."""
    from flaming_horse_voice.hearing.ear import said

    audio = tone(3.0, (1.0, 3.0))  # speech for one second, then silence
    heard = [Heard("Let", 0.1, 0.4), Heard("h", 0.45, 0.6), Heard("vanish.", 0.6, 1.0),
             Heard("I'm", 1.4, 1.4), Heard("going", 1.4, 1.4), Heard("finish.", 1.5, 1.52),
             Heard("twice", 1.6, 1.9), Heard("vanish", 2.0, 2.3), Heard("again", 0.7, 0.95)]
    kept = [w.word for w in said(audio, 16000, heard, "Let h vanish.")]
    assert kept == ["Let", "h", "vanish.", "vanish", "again"]
    loud = tone(3.0)  # the same words over sound: said, unless placed in no time
    assert [w.word for w in said(loud, 16000, heard, "Let h vanish.")] == [
        "Let", "h", "vanish.", "twice", "vanish", "again"]
