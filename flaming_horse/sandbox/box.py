"""The box: what a process running untrusted code can see and reach, built with bubblewrap.

- no network (a network namespace of its own, with only a loopback that reaches nothing), its own
  pid, IPC and UTS namespaces, no capabilities, no further user namespaces, a new session (no
  terminal injection), killed with its parent;
- a filesystem of read-only parts: the system (/usr), the TeX tree and fonts, the Python
  installation, the virtualenv and this package's own source, and the folders the caller names
  (the project); no home folder, no /etc beyond what programs need to start;
- writable: only the folders the caller names, and a private /tmp;
- an environment built from an allow-list: no API keys, tokens or other secrets.

Where there is no bubblewrap, or the kernel gives no user namespaces (macOS, some containers),
``probe()`` says why, and the caller decides (see ``flaming_horse.sandbox.policy``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

INSTALL_HINT = ("install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap; Fedora: "
                "sudo dnf install bubblewrap) on a Linux kernel with user namespaces")
_SYSTEM = ("/usr", "/bin", "/lib", "/lib32", "/lib64", "/sbin")
_ETC = ("alternatives", "fonts", "texmf", "ld.so.cache", "ld.so.conf", "ld.so.conf.d",
        "localtime", "mime.types", "papersize")
_VAR = ("/var/lib/texmf", "/var/cache/fontconfig")
_SECRET_MARKS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "AUTH")
TMPFS_BYTES = 256 * 1024 * 1024  # /tmp and /dev/shm live in memory: a small cap
_PASSED = ("LANG", "LC_ALL", "LC_CTYPE", "TZ", "TERM", "SOURCE_DATE_EPOCH")


@dataclass(frozen=True)
class Probe:
    """Whether a box can be made here, and if not, why and how to fix it."""

    tool: str | None  # "bubblewrap <version>" when it works
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.tool is not None


@cache
def probe() -> Probe:
    """Try a real box once per process (``true`` inside it)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return Probe(None, "bubblewrap (bwrap) is not installed")
    try:
        done = subprocess.run([bwrap, *_namespaces(), "--ro-bind", "/", "/", "true"],
                              capture_output=True, text=True, timeout=20)
        version = subprocess.run([bwrap, "--version"], capture_output=True, text=True,
                                 timeout=20).stdout.strip()
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Probe(None, f"bubblewrap could not start: {exc}")
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        return Probe(None, f"bubblewrap cannot make a box here ({reason}); user namespaces may "
                           "be off (sysctl kernel.unprivileged_userns_clone or "
                           "user.max_user_namespaces)")
    return Probe(version or "bubblewrap")


def _namespaces() -> list[str]:
    return ["--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
            "--new-session", "--cap-drop", "ALL", "--hostname", "flaming-horse-box"]


def is_secret_name(name: str) -> bool:
    """An environment variable that may hold a secret (API keys, tokens, passwords)."""
    return any(mark in name.upper() for mark in _SECRET_MARKS)


def safe_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a boxed process: locale and our own non-secret settings from this
    process, then ``extra`` (which the caller built, e.g. the voice settings)."""
    env = {k: v for k, v in os.environ.items() if k in _PASSED}
    env |= {k: v for k, v in os.environ.items() if k.startswith("FLAMING_HORSE_")
            and not is_secret_name(k)}
    env |= {"PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1",
            "PATH": os.pathsep.join(_tool_dirs())}
    return env | dict(extra or {})


_TOOLS = ("ffmpeg", "ffprobe", "latex", "dvisvgm")


def _tool_folders() -> list[str]:
    """The folders ffmpeg, latex and dvisvgm are in (they may live outside /usr, e.g. /opt)."""
    found = (shutil.which(tool) for tool in _TOOLS)
    return list(dict.fromkeys(str(Path(path).resolve().parent) for path in found if path))


def _tool_dirs() -> list[str]:
    dirs = [str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]
    return list(dict.fromkeys(dirs + _tool_folders()))


@cache
def _python_paths() -> tuple[str, ...]:
    """What Python needs to start and import manim and this package, read-only."""
    import flaming_horse
    import flaming_horse_voice

    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             str(Path(sys.executable).resolve().parent.parent)}
    for entry in sys.path:
        if entry and Path(entry).is_dir() and "site-packages" in entry:
            paths.add(entry)
    for package in (flaming_horse, flaming_horse_voice):  # an editable install's source only,
        paths.add(str(Path(package.__file__).resolve().parent))  # not the checkout around it
    return tuple(sorted(paths))


@dataclass(frozen=True)
class Box:
    """One box: ``read_only`` and ``writable`` folders beyond the system's, the working folder
    and the environment (already allow-listed by the caller, see ``safe_environment``)."""

    writable: tuple[Path, ...]
    read_only: tuple[Path, ...] = ()
    cwd: Path | None = None
    env: dict[str, str] = field(default_factory=dict)

    def command(self, argv: list[str]) -> list[str]:
        """``argv`` wrapped in bubblewrap."""
        bwrap = shutil.which("bwrap") or "bwrap"
        args = [bwrap, *_namespaces(), "--dev", "/dev", "--proc", "/proc",
                "--size", str(TMPFS_BYTES), "--tmpfs", "/tmp",
                "--size", str(TMPFS_BYTES), "--tmpfs", "/dev/shm", "--dir", "/var/tmp"]
        for path in _SYSTEM:
            if os.path.islink(path):
                args += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                args += ["--ro-bind", path, path]
        for name in _ETC:
            if os.path.exists(f"/etc/{name}"):
                args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
        seen: set[str] = set()
        for path in [*_VAR, *_tool_folders(), *_python_paths(), *map(str, self.read_only)]:
            if path not in seen and os.path.exists(path):
                seen.add(path)
                args += ["--ro-bind", path, path]
        for path in self.writable:
            args += ["--bind", str(path), str(path)]
        args += ["--clearenv"]
        for key, value in sorted(self.env.items()):
            args += ["--setenv", key, value]
        if self.cwd is not None:
            args += ["--chdir", str(self.cwd)]
        return [*args, "--", *argv]
