"""The LLM author's second half: scene code, written by the model inside a scaffold the code owns,
gated, repaired, and replaced by the offline template when it cannot be made to pass.

Why one body per beat (and not one body for the whole scene): the scaffold writes each
``with self.voiceover(text=...) as tracker:`` line itself, so the spoken text is exactly the
narration (a model cannot reword it or drop a beat), and the timing gate still sees one block per
beat. The model writes only the statements inside each block; names it binds in one beat stay
visible in the next (they all run in one ``construct``).
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass
from typing import Callable

from pydantic import BaseModel, ConfigDict, Field

from flaming_horse.authoring import template
from flaming_horse.authoring.llm.client import LLMClient
from flaming_horse.authoring.gates.names import normalize
from flaming_horse.authoring.storyboard import Plan, Scene
from flaming_horse.errors import AnswerError, GateError

WRITER_VERSION = "1"
SCAFFOLD_NAMES = ("header",)  # what the scaffold binds for the body besides np, math, kit ...

_BOOKMARK = re.compile(r"<bookmark[^>]*/>")


class SceneBodies(BaseModel):
    """The model's answer: the statements inside each beat's voiceover block, in beat order."""

    model_config = ConfigDict(extra="forbid")
    beats: list[str] = Field(description="Python statements for each beat, in order, one string "
                                         "per beat, without the `with self.voiceover` line.")


@dataclass
class Written:
    """What ended up in the scene file and why."""

    source: str  # the full scene file, without the pipeline's header lines
    author: str  # "llm", or "template" when it fell back
    rounds: int  # answers asked for (1 = first answer passed)
    fallback: str | None = None  # the last gate failure, when it fell back


def assemble(texts: list[str], bodies: list[str]) -> str:
    """The construct body the gates judge: one voiceover block per beat around each body."""
    blocks = []
    for text, body in zip(texts, bodies):
        inner = normalize(body).strip("\n") or "pass"
        blocks.append(f"with self.voiceover(text={text!r}) as tracker:\n"
                      + textwrap.indent(inner, "    ", lambda line: True))
    return "\n".join(blocks) + "\n"


def scene_file_source(plan: Plan, scene: Scene, body: str) -> str:
    return (template.scaffold_head(scene, "import math\nimport numpy as np\n")
            + textwrap.indent(body, " " * 8, lambda line: bool(line.strip())))


SYSTEM = """You write the body of one Manim Community Edition scene for a narrated explainer.
The code around your statements is fixed:

    from manim import *          # ManimCE, not ManimGL
    import math, numpy as np
    from flaming_horse import scene_kit as kit
    class SceneNN(kit.LayoutChecked, VoiceoverScene):
        def construct(self):
            header = kit.scene_title(...)   # the scene title, top of the frame, not shown yet
            with self.voiceover(text=BEAT_1) as tracker:
                <your statements for beat 1>
            with self.voiceover(text=BEAT_2) as tracker:
                <your statements for beat 2>
            ...

Answer with JSON {"beats": ["<statements for beat 1>", "<statements for beat 2>", ...]}: exactly
one string per beat, Python statements only, no `with self.voiceover` line, no imports.

Rules:
- Show the title in the first beat: self.play(FadeIn(header), ...).
- Time everything from the narration: tracker.duration is the beat's audio length in seconds;
  use run_time=tracker.duration * 0.3 and the like, and end a beat with
  self.wait(tracker.get_remaining_duration()) if you want to hold. The fixed run_time and waits
  of a beat must not add up to more than its duration.
- Keep everything inside kit.body_area() (below the title): build, then kit.fit(mobject).
  Text must not overlap other text. FadeOut what the next beat no longer needs.
- Allowed: manim's public names, np, math, kit, self, tracker, header, Python's builtins,
  helper functions and classes of your own, and imports of harmless modules (random,
  collections, itertools, networkx, ...). No files, processes, network or introspection (no
  open/eval/exec/getattr, no dunder attributes such as __class__); read manim's config but do
  not change it. The code runs in a sandbox without network or secrets, with a time limit.

manim API (signatures from the installed version):
{manim}

scene_kit helpers:
{kit}"""


def scene_messages(plan: Plan, scene: Scene, texts: list[str],
                   durations: list[float]) -> list[dict[str, str]]:
    from flaming_horse.authoring.llm.reference import kit_reference, manim_reference

    beats = []
    for number, (beat, text, seconds) in enumerate(zip(scene.beats, texts, durations), start=1):
        visual = beat.visual.model_dump(mode="json") if beat.visual is not None else None
        beats.append(f"Beat {number} ({seconds:.1f} s of audio): {_BOOKMARK.sub('', text)!r}\n"
                     f"  visual intent: {json.dumps(visual, ensure_ascii=False)}")
    user = (f"Video: {plan.title!r} (audience: {plan.audience}).\n"
            f"Scene {scene.number}: {scene.title!r}, {len(texts)} beat(s):\n" + "\n".join(beats)
            + f"\n\nWrite the statements for each of the {len(texts)} beat(s).")
    system = SYSTEM.replace("{manim}", manim_reference()).replace("{kit}", kit_reference())
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def repair_message(body: str, error: GateError) -> str:
    numbered = "\n".join(f"{i:3d}  {line}" for i, line in enumerate(body.splitlines(), start=1))
    where = f" at line {error.line}" if error.line else ""
    hint = f"\nHint: {error.hint}" if error.hint else ""
    return (f"The scene body failed the {error.gate} check{where}:\n{error.detail}{hint}\n\n"
            f"The body as assembled (line numbers as in the message):\n{numbered}\n\n"
            "Answer again with the corrected JSON {\"beats\": [...]}, one string per beat.")


def write_scene(client: LLMClient, plan: Plan, scene: Scene, texts: list[str],
                durations: list[float], repair_attempts: int,
                try_file: Callable[[str], None]) -> Written:
    """Ask for the scene's bodies, gate them, repair at most ``repair_attempts`` times, and fall
    back to the offline template when they still fail.

    ``try_file(source)`` writes the candidate scene file and dry-runs it (raising GateError);
    it runs only for bodies that passed the static gates, so a rejected body is never executed.
    LLMError (server down, key refused) is not a gate failure: it propagates and the unit fails;
    an unusable answer (AnswerError: cut off, never schema-valid) counts as a failed round.
    """
    from flaming_horse.authoring.gates.run import run_gates

    messages = scene_messages(plan, scene, texts, durations)
    error: GateError | None = None
    for round_ in range(1, repair_attempts + 2):
        try:
            answer = client.complete_json(messages, SceneBodies)
        except AnswerError as exc:  # cut off or never valid: a failed round, like a gate
            error = GateError("answer", exc.message.splitlines()[0], hint=exc.hint)
            continue
        body = assemble(texts, answer.beats)
        try:
            if len(answer.beats) != len(texts):
                raise GateError("structure", f"{len(answer.beats)} bodies for {len(texts)} beats",
                                hint="answer with exactly one string per beat, in order")
            run_gates(body, durations, SCAFFOLD_NAMES)
            source = scene_file_source(plan, scene, body)
            try_file(source)
            return Written(source, "llm", round_)
        except GateError as exc:
            error = exc
        messages = messages + [{"role": "assistant", "content": answer.model_dump_json()},
                               {"role": "user", "content": repair_message(body, error)}]
    assert error is not None
    return Written(template.scene_source(plan, scene, texts), "template", repair_attempts + 1,
                   fallback=error.message.splitlines()[0][:300])

