"""The static timing budget: a beat's fixed-length animations must fit its narration.

manim-voiceover waits at the end of a ``with self.voiceover(...)`` block for the audio to finish,
so animations shorter than the speech are fine; longer ones push every later beat out of sync
and leave silence on screen. We add up what can be known without running the body: literal
``run_time=`` of ``self.play`` (1 s when none is given) and ``self.wait(x)`` (1 s by default).
Times computed from the tracker count at their value for this beat (``tracker.duration`` and
``tracker.get_remaining_duration()`` stand for the beat's audio length), so
``tracker.duration * 0.5`` fits and ``self.wait(tracker.duration * 100000)`` does not; a time
that cannot be known statically gets the benefit of the doubt (the box's time limit is the
boundary; this is a lint).
"""

from __future__ import annotations

import ast
import operator

from flaming_horse.errors import GateError
from flaming_horse.authoring.gates import names as n

DEFAULT_PLAY_S = 1.0  # manim's default run_time
DEFAULT_WAIT_S = 1.0  # manim's default wait
TOLERANCE_RATIO = 0.10
TOLERANCE_S = 0.5
_HINT = ("time animations from the narration instead of in seconds: "
         "run_time=tracker.duration * 0.3, self.wait(tracker.get_remaining_duration()), "
         "or s = kit.schedule(tracker, steps) and s.play(self, i, ...)")
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.Div: operator.truediv}


def _number(expr: ast.expr | None, tracker: dict[str, tuple[float, float]] | None = None
            ) -> float | None:
    """The value of an arithmetic expression of constants (``2``, ``0.5 * 3``) and, given
    ``tracker`` ({name: (beat seconds, seconds left)}), of ``tracker.duration`` and
    ``tracker.get_remaining_duration()``; else None."""
    tracker = tracker or {}
    if isinstance(expr, ast.Constant) and isinstance(expr.value, (int, float)) \
            and not isinstance(expr.value, bool):
        try:
            return float(expr.value)
        except OverflowError:
            return float("inf")
    if isinstance(expr, ast.Attribute) and expr.attr == "duration" \
            and isinstance(expr.value, ast.Name) and expr.value.id in tracker:
        return tracker[expr.value.id][0]
    if isinstance(expr, ast.Call) and not expr.args and isinstance(expr.func, ast.Attribute) \
            and expr.func.attr == "get_remaining_duration" \
            and isinstance(expr.func.value, ast.Name) and expr.func.value.id in tracker:
        return tracker[expr.func.value.id][1]
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, (ast.USub, ast.UAdd)):
        value = _number(expr.operand, tracker)
        return None if value is None else (-value if isinstance(expr.op, ast.USub) else value)
    if isinstance(expr, ast.BinOp) and type(expr.op) in _OPS:
        left, right = _number(expr.left, tracker), _number(expr.right, tracker)
        if left is None or right is None or (isinstance(expr.op, ast.Div) and right == 0):
            return None
        try:
            return _OPS[type(expr.op)](left, right)
        except (OverflowError, ValueError):
            return float("inf")
    return None


def _is_voiceover(node: ast.AST) -> bool:
    return isinstance(node, ast.With) and any(
        isinstance(item.context_expr, ast.Call) and _self_method(item.context_expr) == "voiceover"
        for item in node.items)


def _self_method(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
            and func.value.id == "self":
        return func.attr
    return None


def voiceover_blocks(tree: ast.Module) -> list[ast.With]:
    """The ``with self.voiceover(...)`` blocks in source order (one per beat)."""
    blocks = [node for node in ast.walk(tree) if _is_voiceover(node)]
    return sorted(blocks, key=lambda node: (node.lineno, node.col_offset))


class _Budget:
    """Seconds of fixed-length animation in one block (``tracker``-timed parts count 0)."""

    def __init__(self, tracker_names: set[str], duration: float = 0.0) -> None:
        self.tracker_names = tracker_names
        self.duration = duration
        self.elapsed = 0.0  # fixed seconds counted so far in this block, in source order

    def seconds(self, value: ast.expr | None, default: float) -> float:
        if value is None:
            return default
        left = max(self.duration - self.elapsed, 0.0)
        number = _number(value, {name: (self.duration, left) for name in self.tracker_names})
        return max(number, 0.0) if number is not None else 0.0  # unknowable: give the benefit

    def play(self, call: ast.Call) -> float:
        run_time = next((k.value for k in call.keywords if k.arg == "run_time"), None)
        if run_time is not None:
            return self.seconds(run_time, DEFAULT_PLAY_S)
        longest = DEFAULT_PLAY_S if call.args else 0.0
        inner = [self.seconds(k.value, DEFAULT_PLAY_S) for arg in call.args
                 if isinstance(arg, ast.Call) for k in arg.keywords if k.arg == "run_time"]
        return max(inner) if inner else longest

    def wait(self, call: ast.Call) -> float:
        value = call.args[0] if call.args else next(
            (k.value for k in call.keywords if k.arg == "duration"), None)
        return self.seconds(value, DEFAULT_WAIT_S)

    def expression(self, expr: ast.AST) -> float:
        total = 0.0
        for node in _walk_no_functions(expr):
            if isinstance(node, ast.Call):
                method = _self_method(node)
                if method == "play":
                    seconds = self.play(node)
                elif method == "wait":
                    seconds = self.wait(node)
                else:
                    continue
                total += seconds
                self.elapsed += seconds
        return total

    def statements(self, body: list[ast.stmt]) -> float:
        return sum(self.statement(stmt) for stmt in body)

    def statement(self, stmt: ast.stmt) -> float:
        if _is_voiceover(stmt) or isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                    ast.ClassDef)):
            return 0.0  # a nested beat is budgeted on its own; function bodies run when called
        if isinstance(stmt, ast.For):
            return _repeats(stmt.iter) * self.statements(stmt.body) + self.statements(stmt.orelse)
        if isinstance(stmt, ast.If):
            return self.expression(stmt.test) + max(self.statements(stmt.body),
                                                     self.statements(stmt.orelse))
        if isinstance(stmt, ast.Try):
            return self.statements(stmt.body) + self.statements(stmt.orelse) \
                + self.statements(stmt.finalbody)
        if isinstance(stmt, ast.With):
            return sum(self.expression(item.context_expr) for item in stmt.items) \
                + self.statements(stmt.body)
        return self.expression(stmt)


def _walk_no_functions(node: ast.AST):
    """ast.walk that does not enter lambdas or nested functions (their calls run later)."""
    todo = [node]
    while todo:
        current = todo.pop()
        yield current
        todo.extend(child for child in ast.iter_child_nodes(current)
                    if not isinstance(child, (ast.Lambda, ast.FunctionDef)))


def _repeats(iterable: ast.expr) -> int:
    """How often a ``for`` runs when it can be seen: range(<numbers>), a literal list; else 1."""
    if isinstance(iterable, (ast.List, ast.Tuple, ast.Set)):
        return len(iterable.elts)
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) \
            and iterable.func.id == "range" and not iterable.keywords:
        values = [_number(arg) for arg in iterable.args]
        if values and all(v is not None and v == int(v) for v in values):
            return max(len(range(*(int(v) for v in values))), 0)  # type: ignore[arg-type]
    return 1


def check_timing(body: str, beat_durations: list[float]) -> None:
    """Raise GateError("timing") when the body has not one voiceover block per beat, or when a
    block's fixed-length animations overrun its beat's audio by more than 10% + 0.5 s."""
    tree = n.parse(body)
    blocks = voiceover_blocks(tree)
    if len(blocks) != len(beat_durations):
        line = blocks[len(beat_durations)].lineno if len(blocks) > len(beat_durations) else None
        raise GateError("timing", f"{len(blocks)} voiceover blocks for {len(beat_durations)} "
                                  "beats", line,
                        hint="write exactly one `with self.voiceover(text=...) as tracker:` "
                             "block per beat, in the order of the beats")
    for index, (block, duration) in enumerate(zip(blocks, beat_durations)):
        trackers = {"tracker"} | {item.optional_vars.id for item in block.items
                                  if isinstance(item.optional_vars, ast.Name)}
        total = _Budget(trackers, duration).statements(block.body)
        if total > duration * (1 + TOLERANCE_RATIO) + TOLERANCE_S:
            raise GateError("timing", f"beat {index + 1} (the voiceover block at line "
                                      f"{block.lineno}) has {total:.1f} s of fixed-length "
                                      f"animation for {duration:.1f} s of narration",
                            block.lineno, hint=_HINT)
