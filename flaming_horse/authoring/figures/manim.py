"""The ```` ```manim ```` block: the body of a beat in Manim code, for what no figure covers.

    ```manim
    dot = Dot(color=YELLOW)
    self.play(Create(Circle()), FadeIn(dot))
    self.play(dot.animate.shift(RIGHT * 2), run_time=tracker.duration / 2)
    ```

The code runs inside the beat's ``with self.voiceover(...) as tracker:`` block with manim's
names, ``np``, ``kit`` and ``tracker`` at hand; whatever is still on screen when it ends is
faded out by the next visual. A block the user wrote is the user's own code and runs as
written (its syntax is checked when the script is read; a failing render names the script
line). A block a language model wrote carries the digest of its code in its fence
(```` ```manim model-sha256=... ````): until the user edits the code it passes the gates of
model-written scene bodies (syntax, policy, api) when the script is read, or is refused, and
its scene renders in the box.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from typing import Literal

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from flaming_horse.authoring.figures.block import Fail
from flaming_horse.authoring.model_base import Model as _Model

FENCE = "manim"
SCRIPT_MARK = "# script.md line {line}: manim block"  # in the scene file, above the code
_MODEL_MARK = re.compile(r"\bmodel-sha256=([0-9a-f]{64})\b")


class Model(_Model):
    """Manim code for one beat, run inside ``with self.voiceover(...) as tracker:``. Use
    manim's names, np, math and kit; time animations with tracker.duration; no files, imports
    of os/sys, or network."""

    kind: Literal["manim"] = "manim"
    code: str = Field(min_length=1, description=(
        "Python statements (a Manim scene body for this beat): self.play(...), self.wait(...); "
        "the beat lasts tracker.duration seconds."))
    origin: SkipJsonSchema[Literal["script", "model"]] = "script"  # who wrote the code
    line: SkipJsonSchema[int | None] = None  # the script line of the code's first line
    steps: SkipJsonSchema[list[str]] = Field(default_factory=list, max_length=0)


def digest(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def fence_info(code: str) -> str:
    """The fence's info string for code a model wrote."""
    return f"manim model-sha256={digest(code)}"


def parse(body: list[str], start: int, fail: Fail, info: str = "") -> Model:
    code = "\n".join(body).strip("\n")
    if not code.strip():
        raise fail("empty manim block", start, "write the beat's Manim code between the fences")
    code = textwrap.dedent(code)
    first = start + 1 + next(i for i, line in enumerate(body) if line.strip())
    mark = _MODEL_MARK.search(info)
    origin = "model" if mark and mark.group(1) == digest(code) else "script"
    from flaming_horse.authoring.gates.run import check_api, check_policy, check_syntax
    from flaming_horse.errors import GateError

    gates = (check_syntax, check_policy, check_api) if origin == "model" else (check_syntax,)
    for gate in gates:
        try:
            gate(code)
        except GateError as exc:
            line = first + exc.line - 1 if exc.line else start
            whose = "a language model's manim block" if origin == "model" else "manim block"
            raise fail(f"{whose}: {exc.detail}", line,
                       exc.hint or "fix the code (an edited model block becomes your own code)"
                       ) from None
    return Model(code=code, origin=origin, line=first)


def emit(v: Model, b) -> None:
    if b.first:  # the previous visual goes and the header comes before the user's code
        b.lines.append(f"self.play({', '.join(b.first)}, run_time=0.5)")
        b.first = []
    b.lines.append(f"before_{b.var} = list(self.mobjects)")
    if v.line is not None:
        b.lines.append(SCRIPT_MARK.format(line=v.line))
    b.lines += v.code.splitlines()
    b.lines.append(f"{b.var} = Group(*[m for m in self.mobjects if m not in before_{b.var}])")
    b.lines.append("s = kit.schedule(tracker, 0)")
    b.on_screen = b.var


def flash(v: Model, var: str, term: str) -> None:
    return None  # the code is the user's: nothing named to point at


def anchor_steps(v: Model) -> int:
    return 0  # the code times itself: {n} markers have nothing to anchor


def script_line(scene_source: str, scene_line: int) -> int | None:
    """The script.md line of line ``scene_line`` of a scene file, when it is in a manim block."""
    lines = scene_source.splitlines()
    for index in range(min(scene_line, len(lines)) - 2, -1, -1):
        match = re.search(r"# script\.md line (\d+): manim block", lines[index])
        if match:
            return int(match.group(1)) + (scene_line - 1 - index - 1)
        if index < scene_line - 2 and lines[index].lstrip().startswith("with self.voiceover("):
            return None
    return None
