"""The gates a generated scene body passes before it is rendered, cheapest and safest first:

syntax -> policy (pure AST, nothing runs) -> api (names and keywords against the installed manim)
-> timing (static budget per beat) -> dry run (manim --dry_run in the box, by the caller on the
finished scene file: flaming_horse.stages.contained). Each failure is a GateError whose
``detail`` can be shown to the model that wrote the body, so it can repair it. A gate that
crashes (OverflowError, RecursionError, MemoryError ...) fails the body: the gates fail closed.
"""

from __future__ import annotations

from typing import Iterable

from flaming_horse.errors import GateError
from flaming_horse.authoring.gates.api import check_api
from flaming_horse.authoring.gates.budget import check_timing
from flaming_horse.authoring.gates.names import normalize, parse
from flaming_horse.authoring.gates.policy import check_policy

__all__ = ["GateError", "check_api", "check_policy", "check_syntax", "check_timing",
           "normalize", "run_gates"]


def check_syntax(body: str) -> None:
    """Raise GateError("syntax") with the body's line number if it does not compile as the
    body of a function (so top-level ``return`` is fine and ``await`` is not)."""
    parse(body)


def run_gates(body: str, beat_durations: list[float], extra_names: Iterable[str] = ()) -> None:
    """Syntax, policy, api, timing, in that order; raises the first GateError. The body is
    never executed. ``extra_names``: names the scaffold binds for the body (e.g. ``header``)."""
    try:
        check_syntax(body)
        check_policy(body)
        check_api(body, extra_names)
        check_timing(body, beat_durations)
    except GateError:
        raise
    except Exception as exc:  # noqa: BLE001 - a gate that crashes fails the body: fail closed
        raise GateError("check", f"the body could not be checked ({type(exc).__name__})",
                        hint="write plainer code: no huge numbers, no deep nesting") from None

