"""What a converted project is made of: the original's scenes, and the record of one conversion."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


KEPT = ("plan.json", "project_state.json", "final_video.mp4")
# the original's defaults (scripts/new_project.sh)
DEFAULT_MODEL = "Qwen/Qwen3-TTS-12Hz-1.7B-Base"
DEFAULT_REFERENCE = "assets/voice_ref/ref.wav"
DEFAULT_TRANSCRIPT = "assets/voice_ref/ref.txt"
DEFAULT_QWEN_PYTHON = "~/IdeaProjects/flaming-horse/models/qwen3-tts-local/.venv/bin/python"
VOICE_KEYS = {"qwen_python", "model_id", "device", "dtype", "language", "ref_audio", "ref_text",
              "output_dir"}


@dataclass
class OriginalScene:
    key: str  # the narration key: narration_key, else id
    original_id: str | None  # the plan's id (None: a narration with no plan scene)
    title: str
    narration: str | None  # the spoken text (whitespace-normalised), None when there is none
    description: str = ""
    ideas: list[str] = field(default_factory=list)
    beats: list[str] = field(default_factory=list)  # format B's narrative_beats


@dataclass
class Conversion:
    root: Path
    title: str
    scenes: list[OriginalScene]
    markers: list[str]  # what marked the folder as an original project
    written: list[str] = field(default_factory=list)  # what (relative paths) we wrote
    kept: list[str] = field(default_factory=list)  # what was copied or moved to original/
    left: list[str] = field(default_factory=list)  # the original's files we did not touch
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """What the console says about it, one line each."""
        spoken = sum(1 for s in self.scenes if s.narration)
        out = [f"converted {self.root.name}, a project made by the original flaming-horse "
               f"({', '.join(self.markers)}), into {spoken} scene{'s' if spoken != 1 else ''}"]
        out += [f"wrote {name}" for name in self.written]
        out += self.kept
        if self.left:
            out.append("left as they were: " + ", ".join(self.left))
        return out
