"""The ``plot`` block's checks: a function is a plain arithmetic expression in x, a range is
'min, max'. Errors go through the caller's ``fail(message)``, which names the script's line."""

from __future__ import annotations

import ast
import re

PLOT_FUNCTIONS = {"sin", "cos", "tan", "exp", "log", "sqrt", "abs", "arctan", "sinh", "cosh", "tanh"}
PLOT_NAMES = {"x", "pi", "e"} | PLOT_FUNCTIONS


def check_plot_function(expr: str, fail) -> None:
    """A plot function is a plain arithmetic expression in x: no calls but maths, no attributes."""
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError as exc:
        raise fail(f"plot function '{expr}' is not a valid expression: {exc.msg}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in PLOT_NAMES:
            raise fail(f"plot function uses unknown name '{node.id}'; allowed: x, pi, e, "
                       + ", ".join(sorted(PLOT_FUNCTIONS)))
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name)
                                               and node.func.id in PLOT_FUNCTIONS):
            raise fail("plot function may only call " + ", ".join(sorted(PLOT_FUNCTIONS)))
        if not isinstance(node, (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Call, ast.Name,
                                 ast.Constant, ast.Load, ast.operator, ast.unaryop)):
            raise fail(f"plot function '{expr}' uses {type(node).__name__}, which is not allowed")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)):
            raise fail(f"plot function '{expr}' may only use numbers")


def parse_range(value: str, fail) -> tuple[float, float]:
    parts = [p for p in re.split(r"\s*(?:,|\.\.)\s*", value.strip()) if p]
    try:
        low, high = (float(p) for p in parts)
    except ValueError:
        raise fail(f"a range is 'min, max', got '{value}'")
    if not low < high:
        raise fail(f"a range needs min < max, got '{value}'")
    return (low, high)
