"""What every voice backend provides: an identity for the cache key, and synthesis of one clip."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from flaming_horse_voice.settings import VoiceSettings
from flaming_horse_voice.words import ESTIMATED, WordTiming, estimate

if TYPE_CHECKING:  # numpy is imported where samples are made: a cache lookup needs none
    import numpy as np


@dataclass(frozen=True)
class Clip:
    """Synthesised speech: mono float samples in [-1, 1], with when each word is spoken."""

    samples: np.ndarray
    sample_rate: int
    words: list[WordTiming] = field(default_factory=list)
    timing: str = ESTIMATED  # how ``words`` were found: words.ALIGNED or words.ESTIMATED
    sentences: list[tuple[str, float, float]] = field(default_factory=list)
    """(text, start, end) of each sentence synthesised on its own, for estimating word times."""

    def word_timings(self, text: str) -> tuple[list[WordTiming], str]:
        """The clip's words, or an estimate by character offsets within each sentence."""
        if self.words:
            return self.words, self.timing
        return estimate(self.sentences or [(text, 0.0, self.duration)]), ESTIMATED

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate


class Listener:
    """Where a backend reports while it works: ``heartbeat(detail)`` while one clip is being made
    (elapsed time, sentence k of n) and ``output(line)`` for its worker's forwarded output."""

    def __init__(self, heartbeat: Callable[[str], None] | None = None,
                 output: Callable[[str], None] | None = None) -> None:
        self.heartbeat, self.output = heartbeat, output or _to_stderr


def _to_stderr(line: str) -> None:
    """Output nobody listens to still reaches the user (library use, a Ray worker's log)."""
    import sys

    sys.stderr.write(line + "\n")


class Backend(ABC):
    """A speech backend. Subclasses load their model lazily, once per process."""

    name: str = ""
    clones: bool = False
    """Whether a voice reference (a WAV and its transcript) makes it speak in that voice."""
    reference_limit_s: float | None = None
    """How much of a voice reference the engine listens to (it trims the rest); None: all of
    it. The reference's transcript is checked against that much of it."""
    per_clip_settings: tuple[str, ...] = ()
    """Settings applied clip by clip, with no other model to load (a server serves requests
    that differ only in these from one loaded model)."""

    def __init__(self, settings: VoiceSettings) -> None:
        self.settings = settings
        self.listener = Listener()

    def load(self) -> None:
        """Load the model now rather than on the first clip (a server loads it before it
        speaks, to time the load and to unload it later); loading twice loads once."""

    def close(self) -> None:
        """Release what the backend holds (a worker process); it starts again when next used."""

    def voices(self) -> list[str]:
        """The named voices this backend's model speaks besides its configured one (a Piper
        model's speakers); empty when it cannot tell without loading the model."""
        return []

    @classmethod
    def availability(cls, settings: VoiceSettings) -> tuple[bool, str]:
        """(usable, why) for ``flaming-horse voices``: a cheap check that loads no model and calls
        no server, so listing backends stays instant."""
        return True, "no check"

    def check_ready(self) -> None:
        """Raise a FlamingHorseError (message and hint) when this backend cannot speak here, so a
        build stops before its first clip instead of after minutes of other work. Cheap: loads
        no model and calls no server (a backend that cannot tell without one says nothing)."""

    def identity(self) -> dict[str, Any]:
        """What makes this backend's audio for a text unique (model, voice, settings)."""
        return self.settings.identity() | {"backend": self.name, "model": self.model_id()}

    def retake(self, take: int) -> "Backend | None":
        """A backend that speaks the same text differently (take ``take`` = 1, 2, ...: the next
        seeds), keeping this one's identity so the clip is stored under the key it was asked
        for; None when this backend always says a text the same way (Piper, a server)."""
        return None

    @abstractmethod
    def model_id(self) -> str:
        """A stable name for the model in use (part of the cache key)."""

    @abstractmethod
    def synthesize(self, text: str) -> Clip:
        """Speak ``text`` (plain text, bookmarks already removed)."""

    @staticmethod
    def join_sentences(parts: list[np.ndarray], sample_rate: int, silence: float) -> np.ndarray:
        import numpy as np

        gap = np.zeros(int(round(silence * sample_rate)), dtype=np.float32)
        pieces: list[np.ndarray] = []
        for index, part in enumerate(parts):
            if index:
                pieces.append(gap)
            pieces.append(part.astype(np.float32))
        return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
