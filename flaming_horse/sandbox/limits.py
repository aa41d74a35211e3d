"""Resource limits of a boxed process: CPU seconds, address space, file size, processes, and the
wall-clock limit its runner enforces by killing the whole process group.

``python -m flaming_horse.sandbox.limits '<json>' cmd ...`` sets the rlimits and then becomes
``cmd``: the limits are set inside the box (after bubblewrap made its user namespace), so the
process count is the box's own, not every process of the user's.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from dataclasses import asdict, dataclass

GIB = 1024 ** 3


@dataclass(frozen=True)
class Limits:
    wall_s: float  # the runner kills the process group after this long
    cpu_s: int  # per process (RLIMIT_CPU)
    memory_bytes: int  # address space per process (RLIMIT_AS)
    file_bytes: int  # largest file a process may write (RLIMIT_FSIZE)
    processes: int  # processes and threads of the box's user (RLIMIT_NPROC)
    disk_bytes: int = 8 * GIB  # the runner's watch: what the writable folders may hold
    tree_memory_bytes: int = 8 * GIB  # the runner's watch: resident memory of all its processes

    def apply(self) -> None:
        """Set the rlimits of this process (inherited by its children)."""
        for which, value in ((resource.RLIMIT_CPU, self.cpu_s),
                             (resource.RLIMIT_AS, self.memory_bytes),
                             (resource.RLIMIT_FSIZE, self.file_bytes),
                             (resource.RLIMIT_NPROC, self.processes),
                             (resource.RLIMIT_CORE, 0)):
            soft, hard = resource.getrlimit(which)
            value = int(value) if hard == resource.RLIM_INFINITY else min(int(value), hard)
            resource.setrlimit(which, (value, value))

    def rlimits(self) -> dict[str, int]:
        """The part set inside the box (the rest is watched from outside)."""
        return {"cpu_s": self.cpu_s, "memory_bytes": self.memory_bytes,
                "file_bytes": self.file_bytes, "processes": self.processes}

    def launcher(self) -> list[str]:
        """The argv prefix that applies these limits, then runs the rest of the command."""
        return [sys.executable, "-I", "-m", "flaming_horse.sandbox.limits",
                json.dumps(asdict(self))]


def tree_usage(root: int) -> tuple[int, int]:
    """(resident bytes, processes and threads) of process ``root`` and all its descendants,
    from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    total, tasks, todo, page = 0, 0, [root], os.sysconf("SC_PAGE_SIZE")
    while todo:
        pid = todo.pop()
        todo.extend(parents.get(pid, ()))
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * page
            tasks += len(os.listdir(f"/proc/{pid}/task"))
        except (OSError, IndexError, ValueError):
            continue
    return total, tasks


def disk_usage(folders, most_files: int = 200_000) -> int:
    """Bytes on disk under ``folders``; past ``most_files`` files, the count itself is too much
    (an inode flood) and a huge number is returned."""
    total = files = 0
    todo = [str(f) for f in folders]
    while todo:
        try:
            entries = list(os.scandir(todo.pop()))
        except OSError:
            continue
        for entry in entries:
            files += 1
            if files > most_files:
                return 1 << 62
            try:
                if entry.is_dir(follow_symlinks=False):
                    todo.append(entry.path)
                else:
                    total += entry.stat(follow_symlinks=False).st_blocks * 512
            except OSError:
                continue
    return total


def exceeded(limits: "Limits", root_pid: int | None, folders=()) -> str | None:
    """Which watched limit a running box has broken, if any. The process count is watched too:
    RLIMIT_NPROC does not bind a box started by root (its user is root's outside the box)."""
    if root_pid is not None:
        rss, tasks = tree_usage(root_pid)
        if tasks > limits.processes:
            return f"its process limit ({limits.processes} processes and threads)"
        if rss > limits.tree_memory_bytes:
            return f"its memory limit ({limits.tree_memory_bytes / GIB:g} GiB)"
    if folders and disk_usage(folders) > limits.disk_bytes:
        return f"its disk limit ({limits.disk_bytes / GIB:g} GiB)"
    return None


QUALITY_FACTOR = {"l": 1.0, "m": 2.0, "h": 4.0, "p": 5.0, "k": 10.0}  # manim's -q letters


def for_scene(audio_s: float, quality_flag: str = "l", base_s: float = 60.0,
              per_audio_s: float = 12.0, memory_gib: float = 6.0,
              dry_run: bool = False) -> Limits:
    """Limits of a render (or dry run) of a scene with ``audio_s`` seconds of narration: wall
    time ``base_s + per_audio_s * audio_s``, scaled by quality (a dry run draws no frames: half,
    at least 5 s), CPU time the same plus a margin, ``memory_gib`` of address space per
    process, 4 GiB files, 512 processes and threads. Limits are for code that never ends or
    floods the machine, not for slow machines: generous by default, settings in [sandbox]."""
    wall = base_s + per_audio_s * QUALITY_FACTOR.get(quality_flag, 4.0) * max(audio_s, 1.0)
    if dry_run:
        wall = max(5.0, wall / 2)
    return Limits(wall_s=wall, cpu_s=int(wall) + 10, memory_bytes=int(memory_gib * GIB),
                  file_bytes=4 * GIB, processes=512, disk_bytes=8 * GIB,
                  tree_memory_bytes=int(memory_gib * GIB))


def main(argv: list[str]) -> None:
    limits = Limits(**json.loads(argv[0]))  # then ``argv[1:]`` runs with its rlimits
    limits.apply()
    os.execvp(argv[1], argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
