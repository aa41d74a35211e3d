"""Sentence splitting and token budgets for the qwen/mlx backends, and their cache keys: what
changes the sound changes the key (seed, reference bytes and transcript), what does not (device,
the reference's path) leaves it alone."""

from __future__ import annotations

import shutil
from dataclasses import replace

from flaming_horse_voice.backends.qwen import CLONE_MODEL, PRESET_MODEL, QwenBackend
from flaming_horse_voice.cache import VoiceCache
from flaming_horse_voice.sentences import MIN_TOKENS, max_new_tokens, split_sentences
from flaming_horse_voice.settings import VoiceSettings, load_voice_settings, with_reference
from tests.helpers import voice_reference

TEXT = "Dr. Smith arrives at 3 p.m. today. Then the lecture begins!"


def test_abbreviations_do_not_end_sentences():
    assert split_sentences(TEXT) == ["Dr. Smith arrives at 3 p.m. today.",
                                     "Then the lecture begins!"]
    assert split_sentences("Dr. Smith at 3 p.m.") == ["Dr. Smith at 3 p.m."]
    assert split_sentences("  no full stop at all ") == ["no full stop at all"]
    assert split_sentences("   ") == []


def test_token_budget_follows_the_length_never_2048():
    short, long = max_new_tokens("Yes."), max_new_tokens(" ".join(["word"] * 60))
    assert short == MIN_TOKENS
    # 60 words at 2.5 words/s are 24 s; 12 frames/s with 2x headroom: 576 frames
    assert long == 576
    assert max_new_tokens("x" * 600) > max_new_tokens("x" * 60)  # long words count too


def key(settings):
    return VoiceCache.key_for("Hello there.", QwenBackend(settings))


def test_cache_key_covers_the_reference_bytes_and_transcript_not_its_path(tmp_path):
    project = tmp_path / "p"
    voice_reference(project / "voice", "This is my voice.")
    settings = with_reference(VoiceSettings(backend="qwen"), project)
    assert settings.reference == str((project / "voice" / "ref.wav").resolve())
    assert QwenBackend(settings).model_id() == CLONE_MODEL
    base = key(settings)

    moved = tmp_path / "elsewhere"
    shutil.copytree(project, moved)
    assert key(with_reference(VoiceSettings(backend="qwen"), moved)) == base

    (moved / "voice" / "ref.txt").write_text("Another transcript.", encoding="utf-8")
    assert key(with_reference(VoiceSettings(backend="qwen"), moved)) != base
    voice_reference(moved / "voice", "This is my voice.", freq=330.0)
    assert key(with_reference(VoiceSettings(backend="qwen"), moved)) != base

    assert key(replace(settings, device="cpu")) == key(replace(settings, device="cuda")) == base
    assert key(replace(settings, seed=1)) != base


def test_without_a_reference_a_preset_voice_model(tmp_path):
    settings = with_reference(VoiceSettings(backend="qwen"), tmp_path)
    assert settings.reference is None
    assert QwenBackend(settings).model_id() == PRESET_MODEL


def test_project_settings_and_environment(tmp_path, monkeypatch):
    (tmp_path / "flaming-horse.toml").write_text(
        '[voice]\nbackend = "qwen"\nseed = 7\ndevice = "cpu"\nreference = "me.wav"\n',
        encoding="utf-8")
    settings = load_voice_settings(tmp_path)
    assert (settings.backend, settings.seed, settings.device) == ("qwen", 7, "cpu")
    assert settings.reference == str(tmp_path.resolve() / "me.wav")
    monkeypatch.setenv("FLAMING_HORSE_VOICE_SEED", "9")
    assert load_voice_settings(tmp_path).seed == 9
