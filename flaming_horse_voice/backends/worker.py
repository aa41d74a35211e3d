"""What the qwen and mlx backends share: a worker process per build, narration spoken one sentence
at a time with a seeded sampler, and a cache key that covers the voice reference's bytes.

The model lives in the worker (``flaming_horse_voice.worker``); this side splits sentences, sets
each one's token budget, joins the sentences with short pauses and reports heartbeats.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import json
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

from flaming_horse.errors import FlamingHorseError
from flaming_horse_voice.backends.base import Backend, Clip
from flaming_horse_voice.sentences import max_new_tokens, split_sentences
from flaming_horse_voice.settings import PROJECT_FILE, VoiceSettings
from flaming_horse_voice.worker.models import hf_cache_dir, local_model

# pysbd's language codes for the language names Qwen3-TTS takes
MISSING_REFERENCE = "missing:"  # an identity's reference digest when its WAV or transcript is gone
PYSBD_LANGUAGES = {"english": "en", "chinese": "zh", "german": "de", "french": "fr",
                   "spanish": "es", "italian": "it", "japanese": "ja", "russian": "ru"}


class WorkerBackend(Backend):
    clones = True
    engine = ""  # the worker's engine name
    pip_extra = ""  # the pip extra that installs what the engine needs
    install_note = ""  # more on how to install it, after the pip command
    modules: tuple[str, ...] = ()  # what the worker's interpreter must be able to import

    def __init__(self, settings: VoiceSettings) -> None:
        super().__init__(settings)
        self.client = None
        self.sentences_spoken = 0
        self._identity: dict[str, Any] | None = None

    # -- what the worker runs ------------------------------------------------------------------
    def python(self) -> str | None:
        """The worker's interpreter (None: this one)."""
        return None

    def default_model(self) -> str:
        raise NotImplementedError

    def model_id(self) -> str:
        return self.settings.model or self.default_model()

    def reference_files(self) -> tuple[Path, Path] | None:
        """The voice reference WAV and the file holding its transcript (``reference_text``, else
        the WAV's path with ``.txt``), whether or not they exist; None: no reference."""
        if not self.settings.reference:
            return None
        audio = Path(self.settings.reference)
        text = self.settings.reference_text
        return audio, Path(text) if text else audio.with_suffix(".txt")

    def reference(self) -> tuple[Path, str] | None:
        """The voice reference WAV and its transcript, or None to speak in a preset voice."""
        files = self.reference_files()
        if files is None:
            return None
        audio, transcript = files
        if not audio.is_file():
            raise FlamingHorseError(f"voice reference {audio} does not exist",
                                    hint=f"put the WAV of the voice to clone at {audio} (with "
                                         f"its transcript in {transcript.name}), or set [voice] "
                                         "reference to one")
        if not transcript.is_file():
            raise FlamingHorseError(f"voice reference {audio} has no transcript {transcript}",
                                    hint=f"write what {audio.name} says into {transcript}")
        return audio, " ".join(transcript.read_text(encoding="utf-8").split())

    def identity(self) -> dict[str, Any]:
        """Text aside, what makes a clip: model, voice, sampling. The reference counts by its
        bytes and transcript (not its path); the device does not count at all.

        A reference whose WAV or transcript is not on this machine (the original flaming-horse's
        projects lost their WAV to .gitignore) still has an identity, so clips already made can
        be found and used: ``MISSING_REFERENCE`` + a digest of what is there. Speaking with it
        fails (``reference()``), and ``flaming_horse_voice.legacy`` lets clips adopted under such
        an identity move to the full one once the WAV is back."""
        if self._identity is None:
            self._identity = self._make_identity()
        return self._identity

    def _make_identity(self) -> dict[str, Any]:
        files = self.reference_files()
        digest = None
        if files is not None:
            audio, transcript = files
            text = (" ".join(transcript.read_text(encoding="utf-8").split())
                    if transcript.is_file() else None)
            if audio.is_file() and text is not None:
                digest = hashlib.sha256(audio.read_bytes() + b"\0" + text.encode()).hexdigest()
            else:
                present = hashlib.sha256(audio.read_bytes()).hexdigest() if audio.is_file() \
                    else None
                digest = MISSING_REFERENCE + hashlib.sha256(json.dumps(
                    {"audio": present, "transcript": text}, sort_keys=True).encode()).hexdigest()
        return super().identity() | {"seed": self.settings.seed, "language": self.settings.language,
                                     "instruct": self.settings.instruct, "reference": digest}

    def engine_config(self) -> dict[str, Any]:
        reference = self.reference()
        return {"model": self.model_id(), "device": self.settings.device,
                "dtype": self.settings.dtype,
                "reference_audio": str(reference[0]) if reference else None,
                "reference_text": reference[1] if reference else None,
                "speaker": self.settings.speaker, "instruct": self.settings.instruct,
                "language": self.settings.language, "options": dict(self.settings.options)}

    def _setup_problems(self, in_a_build: bool = False) -> list[tuple[str, str]]:
        """(problem, how to fix it) for what this machine lacks to load the engine: its
        packages, then the model; none when both are here. Loads nothing. ``in_a_build``: the
        packages problem names the voice and model too (the build's error stands alone)."""
        problems = []
        python = self.python()
        missing = self.missing()
        if missing:
            needs = f"the {self.name} voice (model {self.model_id()}) needs " if in_a_build else ""
            problems.append((f"{needs}{', '.join(missing)}{',' if in_a_build else ''} not "
                             f"installed{' in ' + python if python else ''}",
                             f"pip install 'flaming-horse[{self.pip_extra}]'{self.install_note}"))
        model = self.model_id()
        if local_model(model) is None:
            folder = f"models--{model.replace('/', '--')}"
            problems.append((f"model {model} is not on this machine (builds never download)",
                             f"on a connected machine run `huggingface-cli download {model}` and "
                             f"copy the Hugging Face cache folder {folder} into "
                             f"{hf_cache_dir()}, or set [voice] model in {PROJECT_FILE} to the "
                             "model's folder"))
        return problems

    @classmethod
    def availability(cls, settings: VoiceSettings) -> tuple[bool, str]:
        backend = cls(settings)
        problems = backend._setup_problems()
        if problems:
            problem, fix = problems[0]
            return False, f"{problem}: {fix}"
        model = backend.model_id()
        return True, f"model {model} at {local_model(model)}"

    def check_ready(self) -> None:
        """What ``availability`` checks (the engine's packages, the model on this machine) and
        the voice reference's files, every problem at once, as one error with a hint; in
        milliseconds, loading nothing."""
        problems = self._setup_problems(in_a_build=True)
        try:
            self.reference()
        except FlamingHorseError as exc:
            problems.append((exc.message, exc.hint or ""))
        if problems:
            raise FlamingHorseError("; ".join(p for p, _ in problems),
                                    hint="; ".join(fix for _, fix in problems if fix))

    def missing(self) -> list[str]:
        """The modules the worker's interpreter lacks (none: the engine can be imported)."""
        return _missing_modules(self.modules, self.python())

    # -- speaking ------------------------------------------------------------------------------
    def _client(self):
        if self.client is None:
            missing = self.missing()
            if missing:
                raise FlamingHorseError(
                    f"the {self.name} voice needs {', '.join(missing)}",
                    hint=f"pip install 'flaming-horse[{self.pip_extra}]'{self.install_note}")
            from flaming_horse_voice.worker.client import WorkerClient

            self.client = WorkerClient(self.engine, self.engine_config(), python=self.python(),
                                       on_output=self._output)
        return self.client

    def load(self) -> None:
        self._client().ensure_started()

    def _output(self, line: str) -> None:  # the listener may be replaced between clips
        self.listener.output(line)

    def retake(self, take: int) -> "WorkerBackend":
        """The same voice sampling with seed + ``take``, through this backend's worker (the model
        stays loaded once) and under this backend's identity (the clip keeps its key)."""
        other = copy.copy(self)
        other.settings = replace(self.settings, seed=self.settings.seed + take)
        other.client = self._client()
        other._identity = self.identity()
        return other

    def synthesize(self, text: str) -> Clip:
        client = self._client()
        language = PYSBD_LANGUAGES.get((self.settings.language or "english").lower(), "en")
        sentences = split_sentences(text, language)
        parts, spans, rate, start = [], [], 0, 0.0
        for index, sentence in enumerate(sentences, start=1):
            def beat(elapsed: float, index=index) -> None:
                if self.listener.heartbeat is not None:
                    self.listener.heartbeat(f"sentence {index}/{len(sentences)}, {elapsed:.0f} s")

            samples, rate = client.speak(sentence, self.settings.seed, max_new_tokens(sentence),
                                         on_heartbeat=beat)
            self.sentences_spoken += 1
            if index > 1:
                start += self.settings.sentence_silence
            spans.append((sentence, start, start + len(samples) / rate))
            start += len(samples) / rate
            parts.append(samples)
        samples = self.join_sentences(parts, rate or 24000, self.settings.sentence_silence)
        return Clip(samples=samples, sample_rate=rate or 24000, sentences=spans)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None


def _missing_modules(modules: tuple[str, ...], python: str | None) -> list[str]:
    """Which of ``modules`` the interpreter cannot find (this one, or ``python``), importing none."""
    if python is None:
        return [name for name in modules if importlib.util.find_spec(name) is None]
    probe = ("import importlib.util, sys; print(' '.join(n for n in sys.argv[1:] "
             "if importlib.util.find_spec(n) is None))")
    try:
        done = subprocess.run([python, "-c", probe, *modules], capture_output=True, text=True,
                              timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [f"a working interpreter at {python} ({exc})"]
    if done.returncode != 0:
        return [f"a working interpreter at {python}"]
    return done.stdout.split()
