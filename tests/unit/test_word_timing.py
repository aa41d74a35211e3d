"""Word timings from the real Piper voice, and what manim-voiceover makes of them."""

from __future__ import annotations

import numpy as np
import pytest
from manim_voiceover_plus.tracker import TimeInterpolator

from flaming_horse.authoring.anchors import auto_anchor
from flaming_horse.authoring.script import compile_script
from flaming_horse.errors import ScriptError
from flaming_horse_voice import cache_for, get_speech_service, load_voice_settings
from flaming_horse_voice.backends.base import Backend, Clip
from flaming_horse_voice.backends.piper import PiperBackend
from flaming_horse_voice.cache import VoiceCache
from flaming_horse_voice.settings import VoiceSettings
from flaming_horse_voice.words import ALIGNED, AUDIO_OFFSET_RESOLUTION, tokens, word_boundaries

SENTENCES = [
    "Euler's identity links five constants.",
    "With legs 3 and 4, the squares are 9 and 16. Together they make 25!",
    "Mr. Smith paid $5.50 for two items - quickly, and left.",
    "If it is too small, the answer is in the right half, on the other side of the line.",
]


@pytest.fixture(scope="module")
def piper():
    return PiperBackend(VoiceSettings())


@pytest.mark.parametrize("text", SENTENCES)
def test_piper_word_times_are_monotonic_cover_the_clip_and_match_the_words(piper, text):
    clip = piper.synthesize(text)
    assert clip.timing == ALIGNED
    assert [w.word for w in clip.words] == tokens(text)
    starts = [w.start for w in clip.words]
    assert starts == sorted(starts) and all(w.end >= w.start for w in clip.words)
    assert 0 < starts[0] < 0.3  # speech starts after the sentence-start phoneme
    assert clip.words[-1].end <= clip.duration
    assert clip.words[-1].end > clip.duration - 0.6  # the last word ends near the end


def test_bookmark_lands_on_the_word_after_it(piper, tmp_path):
    service = get_speech_service(tmp_path)
    text = 'Call the two short sides <bookmark mark="b"/>a and b, and the long side c.'
    data = service._wrap_generate_from_text(text)
    entry = service.cache.get(data["key"])
    word_a = next(w for w in entry.word_timings() if w.word == "a")
    interpolate = TimeInterpolator(data["word_boundaries"]).interpolate
    offset = text.index("<bookmark")  # manim-voiceover's distance: text before the tag
    assert float(interpolate(offset)) == pytest.approx(word_a.start, abs=1e-6)
    assert data["word_boundaries"][-1]["audio_offset"] == int(
        entry.duration * AUDIO_OFFSET_RESOLUTION)


class RecordingBackend(Backend):
    """A test spy at the backend edge: records the texts it is asked to speak."""

    name = "recording"
    heard: list[str] = []

    def model_id(self) -> str:
        return "tone"

    def synthesize(self, text: str) -> Clip:
        RecordingBackend.heard.append(text)
        rate = 16000
        return Clip(0.1 * np.sin(np.arange(rate) / 5.0).astype(np.float32), rate)


def test_bookmark_tags_never_reach_a_backend(tmp_path):
    RecordingBackend.heard = []
    backend = RecordingBackend(VoiceSettings(backend="recording"))
    cache = VoiceCache(tmp_path / "voice")
    marked = 'Start <bookmark mark="s1"/>here, then <bookmark mark=\'s2\'/> there.'
    entry, made = cache.ensure(marked, backend)
    assert made and RecordingBackend.heard == ["Start here, then there."]
    _, again = cache.ensure("Start here, then there.", backend)  # same words, same clip
    assert not again and len(RecordingBackend.heard) == 1
    assert entry.timing == "char-estimate" and [w["word"] for w in entry.words] == [
        "Start", "here,", "then", "there."]


def test_script_markers_become_bookmarks_and_are_checked():
    plan = compile_script("# T\n\n## S\n\nFirst {1}apples, then {2} pears.\n\n- Apples\n- Pears\n"
                          ).plan
    assert plan.scenes[0].beats[0].narration == (
        'First <bookmark mark="s1"/>apples, then <bookmark mark="s2"/>pears.')
    for body, words in [("First {3}apples.\n\n- Apples\n- Pears\n", "has 2 step"),
                        ("First {2}a {1}b.\n\n- A\n- B\n", "increasing order"),
                        ("Plain {1}text.\n", "has no visual")]:
        with pytest.raises(ScriptError, match=words):
            compile_script("# T\n\n## S\n\n" + body)


def test_automatic_anchors_find_each_items_key_word_in_order():
    text = auto_anchor("First the squares grow, then the roots shrink, and the sum stays.",
                       ["Squares", "Roots", "Never spoken", "Sum"])
    assert text == ('First the <bookmark mark="s1"/>squares grow, then the <bookmark mark="s2"/>'
                    'roots shrink, and the <bookmark mark="s4"/>sum stays.')


def test_figure_steps_are_anchored_on_the_word_that_says_what_they_do():
    from flaming_horse.authoring.anchors import items_of
    from flaming_horse.authoring.script import compile_script
    from flaming_horse.stages.narration import spoken

    beat = compile_script("# T\n\n## S\n\nWe start at A, then visit its neighbours, and highlight "
                          "the road between them.\n\n```graph\nedges: A-B, A-C\n- visit B C\n"
                          "- highlight A-B\n```\n").plan.scenes[0].beats[0]
    assert items_of(beat.visual)[0] == "" and items_of(beat.visual)[1].startswith("visit")
    assert spoken(beat) == ('We start at A, then <bookmark mark="s2"/>visit its neighbours, and '
                            '<bookmark mark="s3"/>highlight the road between them.')
