"""Whether and how untrusted code may run here: in a box, or (only where the user said so in
words that cannot be mistaken) without one."""

from __future__ import annotations

from flaming_horse.errors import SandboxError
from flaming_horse.sandbox import box, landlock

OPT_IN_FLAG = "--run-unboxed-llm-code"
OPT_IN_SETTING = "[sandbox] run_unboxed_llm_code = true"
OPT_IN_ENV = "FLAMING_HORSE_RUN_UNBOXED_LLM_CODE=1"
MODES = ("auto", "bwrap", "none")


def boxed(mode: str, run_unboxed: bool, what: str) -> bool:
    """True: run ``what`` (untrusted code) in a box. False: run it unboxed, because there is no
    box and the user opted in. Raises SandboxError when neither is possible."""
    found = box.probe()
    if mode != "none" and found.ok:
        return True
    if mode == "bwrap":
        raise SandboxError(f"{what} must run in a box, and none can be made: {found.problem}",
                           hint=box.INSTALL_HINT)
    if run_unboxed:
        return False
    why = "the sandbox is turned off ([sandbox] box = \"none\")" if mode == "none" \
        else f"no sandbox is available: {found.problem}"
    raise SandboxError(
        f"{what} was written by a language model, and {why}",
        hint=f"{box.INSTALL_HINT}; or, if you trust the model's code with your files, network "
             f"and secrets, pass {OPT_IN_FLAG} (or set {OPT_IN_SETTING}, or {OPT_IN_ENV})")


def describe(mode: str, run_unboxed: bool) -> tuple[bool, str]:
    """(ok, one line) for doctor: the box in use for LLM-written code, or its absence."""
    found = box.probe()
    if mode != "none" and found.ok:
        narrow = f"Landlock ABI {landlock.abi()}: renders share one warm box, each " \
                 "writing only its own folder" if landlock.available() else \
                 "no Landlock: each render gets a box of its own"
        return True, f"{found.tool}: LLM-written code runs with no network, no secrets, " \
                     f"read-only system, limits ({narrow})"
    why = "turned off ([sandbox] box = \"none\")" if mode == "none" else found.problem
    if run_unboxed:
        return True, f"no sandbox ({why}); LLM-written code runs UNBOXED, as you opted in"
    return False, f"no sandbox ({why}): LLM-written code is refused"
