"""What a build would run now, and why, without running it (``build --dry-run``, ``status``).

A stage's units are made from what the stages before it wrote: after an edit of script.md, the
narration, the scene files and every unit after them are made from a plan that is not written
yet. So a forecast looks ahead: where every unit a stage would run can show what it would write
(``Unit.preview``: the plan, the narration, a template scene file; not a model's scene code,
which only the model knows), it writes that into a scratch copy of the project and asks the
next stage there. Stages whose files shape no later unit (voice, render: later units are named
by digests known before they run) need no preview; ``graph.MADE_FROM`` says which do. The copy is hard links beside the project (no audio or video is copied), it
takes no lock and it is removed at the end: the project itself is never written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from flaming_horse.errors import FlamingHorseError
from flaming_horse.decide import stage_module, verdict
from flaming_horse.graph import MADE_FROM
from flaming_horse.project import STAGES, Project, State
from flaming_horse.unit import Unit

LINK_OR_COPY_LIMIT = 1 << 20  # where hard links fail, files larger than this are symlinked


def pending_work(project: Project, look_ahead: bool = True) -> dict[str, dict[str, str] | None]:
    """Per stage, the units a build would run now and why ({label: reason}). A stage made from
    (``MADE_FROM``) one that would run and cannot show what it would write (a model writes it,
    it fails, or ``look_ahead`` is False) lists the units that would run in any case, and is
    None when there are none: what else runs is decided after."""
    state = project.state()
    result: dict[str, dict[str, str] | None] = {}
    unknown: set[str] = set()  # stages whose files are not as a build would leave them
    with _scratch(project) as scratch:
        current = project
        for stage in STAGES:
            guess = bool(unknown & set(MADE_FROM[stage]))
            try:
                pending = _pending(current, state, stage)
            except FlamingHorseError:  # its inputs are not there yet (plan.json before a plan)
                pending, guess = [], True
            if guess:  # made from files a build would change first: what runs already, or None
                result[stage] = {u.label: reason for u, reason in pending} or None
                unknown.add(stage)
                continue
            result[stage] = {u.label: reason for u, reason in pending}
            if not pending or not _shapes_others(stage):
                continue
            if not look_ahead or any(u.preview is None for u, _ in pending):
                unknown.add(stage)
                continue
            if current is project:  # units of the copy write into the copy
                current = scratch()
                pending = _pending(current, state, stage)
            try:
                for unit, _ in pending:
                    unit.preview()
            except FlamingHorseError:  # the build would stop here too, with this error
                unknown.add(stage)
    return result


def _pending(project: Project, state: State, stage: str) -> list[tuple[Unit, str]]:
    """The units of ``stage`` that are not done, each with why it would run."""
    verdicts = [(unit, verdict(project, state, unit)) for unit in stage_module(stage).units(project)]
    return [(unit, reason) for unit, reason in verdicts if reason is not None]


def _shapes_others(stage: str) -> bool:
    return any(stage in made_from for made_from in MADE_FROM.values())


@contextmanager
def _scratch(project: Project) -> Iterator:
    """A function that makes (once) a copy of ``project`` to write into; removed on exit."""
    made: list[Path] = []

    def make() -> Project:
        base = _temporary_folder(project.root.parent)
        made.append(base)
        root = base / project.root.name
        shutil.copytree(project.root, root, symlinks=True, copy_function=_link_or_copy,
                        ignore=shutil.ignore_patterns("log", ".flaming-horse.lock", ".fh-*"))
        copy = Project(root)
        copy.overrides = dict(project.overrides)
        return copy

    try:
        yield make
    finally:
        for base in made:
            shutil.rmtree(base, ignore_errors=True)


def _temporary_folder(beside: Path) -> Path:
    """Beside the project (same file system: hard links), else in the system's temp folder."""
    try:
        return Path(tempfile.mkdtemp(prefix=".fh-dry-run-", dir=beside))
    except OSError:
        return Path(tempfile.mkdtemp(prefix="fh-dry-run-"))


def _link_or_copy(source: str, target: str) -> None:
    """A hard link: the copy shares the file's data, and an atomic write in the copy replaces
    its own name only. Across file systems: small files copied, large ones symlinked (read)."""
    try:
        os.link(source, target)
    except OSError:
        if os.path.getsize(source) > LINK_OR_COPY_LIMIT:
            os.symlink(os.path.abspath(source), target)
        else:
            shutil.copy2(source, target)
