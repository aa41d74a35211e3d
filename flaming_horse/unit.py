"""A unit of work, as a stage describes it (``Unit``), and how many run at once by default.

Stages make units; the pipeline decides which run, and the executors run them. This module sits
below all three, so a stage never imports the pipeline that loads it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from flaming_horse.reporting import Progress


@dataclass
class Unit:
    stage: str
    scene: str | None
    input_hash: str
    is_done: Callable[[], bool]
    run: Callable[[Progress], None]
    outputs: Callable[[], list[Path]] = field(default=lambda: [])
    steps: int = 1
    details: Callable[[], dict[str, object]] = field(default=lambda: {})  # extra state fields
    # the same work as one self-contained call, for an executor that runs it elsewhere (Ray):
    # given the unit's Progress, returns a flaming_horse.executors.Task (None: nothing left to
    # do); a unit without one runs only here
    task: Callable[[Progress], object] | None = None
    # raises when the stage cannot do its work on this machine at all (the voice: no model);
    # asked once, before any unit of the stage or of the stage overlapped with it starts
    ready: Callable[[Progress], None] | None = None
    # what the unit is built from, by name ("script", "narration": {"beat 1": ...}, "quality"):
    # recorded when it is done, so that a rerun says which changed (flaming_horse.ledger)
    inputs: dict[str, object] = field(default_factory=dict)
    # writes what ``run`` would write, without its checks and costs (no LaTeX, no model, no
    # voice), for a forecast in a scratch copy of the project; None where only running tells
    preview: Callable[[], None] | None = None
    why: str = ""  # why it runs this time (set when it is found not done)
    # the files earlier runs of this unit left that this run replaces (an older render of the
    # scene, the parts of scenes the plan no longer has): the runner removes them once the unit
    # is done (``Project.discard``); a stage never deletes its files itself
    superseded: Callable[[], list[Path]] = field(default=lambda: [])
    # its outputs are the user's to edit (scene files): a changed content does not make it run
    editable: bool = False

    @property
    def label(self) -> str:
        return self.scene or self.stage


def default_jobs() -> int:
    """FLAMING_HORSE_JOBS, else the number of CPU cores this process may use."""
    value = os.environ.get("FLAMING_HORSE_JOBS")
    if value and value.isdigit() and int(value) > 0:
        return int(value)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
