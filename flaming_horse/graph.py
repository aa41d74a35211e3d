"""The build's graph, declared: which units need which (``NEEDS``), where each stage's units
run (``RUNS_ON``), and which stages' files a stage's units are made from (``MADE_FROM``).

The stages up to the scene files (plan, narration, scenes) write what every later unit is made
from, so they run first, one stage after another. From the voice on, units are scheduled one by
one (``scheduler.py``): a scene's render starts when its clips are spoken, its part when it is
rendered, and only the final video waits for every scene. To add a stage: its module in
``stages/``, its name in ``project.STAGES``, and its three entries here.
"""

from __future__ import annotations

from flaming_horse.project import SCENE_STAGES, STAGES

# per stage, the stages whose units it needs done first: a scene's unit needs the same scene's
# unit of a per-scene stage, a unit of a whole-project stage needs every scene's
NEEDS: dict[str, tuple[str, ...]] = {
    "voice": (), "render": ("voice",), "hear": ("voice",), "part": ("render",),
    "assemble": ("part",), "qc": ("assemble", "hear")}
SCHEDULED = tuple(NEEDS)  # the stages the scheduler runs; the ones before run as barriers

MAIN, POOL, VOICES = "main", "pool", "voices"
# where a stage's units run: MAIN is the build's thread, one unit at a time in stage order (one
# voice model, one recogniser); POOL is the render pool (-j at once, or the Ray cluster); VOICES
# the voice's pool when the cluster speaks ([ray] voice = true), else MAIN
RUNS_ON: dict[str, str] = {"voice": VOICES, "render": POOL, "hear": MAIN, "part": POOL,
                           "assemble": MAIN, "qc": MAIN}

# the stages whose written files a stage's units are made from (read, not only named by a
# digest): a scene's render is named by its clips' keys, which the narration gives before the
# voice has spoken, but by its scene file's content; a part by its render's name, which a
# fallback to the template changes; a hearing is found done by the transcripts a voice that
# can retake writes while it speaks. A stage's units are made once those stages have run (the
# scheduler), and a forecast cannot tell them while one of these would run unseen.
MADE_FROM: dict[str, tuple[str, ...]] = {
    "plan": (), "narration": ("plan",), "scenes": ("plan", "narration"),
    "voice": ("plan", "narration"), "render": ("plan", "narration", "scenes"),
    "hear": ("plan", "narration", "voice"), "part": ("plan", "narration", "scenes", "render"),
    "assemble": ("plan", "narration", "scenes", "render"),
    "qc": ("plan", "narration", "scenes", "render", "hear")}

Node = tuple[str, "str | None"]  # (stage, scene id), scene None for a whole-project stage


def edges(stages: list[str], scenes: list[str]) -> dict[Node, set[Node]]:
    """Every node of ``stages`` (the scheduled ones among them) with the nodes it needs."""
    def nodes(stage: str) -> list[Node]:
        return [(stage, scene) for scene in scenes] if stage in SCENE_STAGES else [(stage, None)]

    present = [s for s in SCHEDULED if s in stages]
    graph: dict[Node, set[Node]] = {}
    for stage in present:
        for node in nodes(stage):
            graph[node] = {need for before in NEEDS[stage] if before in present
                           for need in nodes(before)
                           if node[1] is None or need[1] in (None, node[1])}
    return graph


assert set(NEEDS) == set(RUNS_ON) and set(MADE_FROM) == set(STAGES)
