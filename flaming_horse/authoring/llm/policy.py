"""The AST policy: what an untrusted scene body may contain, judged without running it.

It is an allow-list of names (manim's public exports, np, math, kit, self, tracker, a few
builtins and whatever the body binds itself) plus deny-lists for the ways Python lets code climb
from an ordinary object to the interpreter: dunder names and attributes, frame and generator
internals, ``str.format`` field traversal, file/process functions of manim and numpy. It narrows
what a body can do; it is not a sandbox (see the README's security note).
"""

from __future__ import annotations

import ast
import string
from typing import Any

from flaming_horse.errors import GateError
from flaming_horse.authoring.llm import names as n

_FORBIDDEN_NODES: dict[type, str] = {
    ast.Import: "imports are not allowed; manim (*), np, math and kit are already imported",
    ast.ImportFrom: "imports are not allowed; manim (*), np, math and kit are already imported",
    ast.Global: "'global' is not allowed",
    ast.Nonlocal: "'nonlocal' is not allowed",
    ast.While: "'while' loops are not allowed (they may never end); use a 'for' loop over range()",
    ast.ClassDef: "class definitions are not allowed; use functions or manim's classes",
    ast.AsyncFunctionDef: "async code is not allowed",
    ast.AsyncFor: "async code is not allowed",
    ast.AsyncWith: "async code is not allowed",
    ast.Await: "async code is not allowed",
    ast.Yield: "'yield' is not allowed (it would turn construct into a generator)",
    ast.YieldFrom: "'yield' is not allowed (it would turn construct into a generator)",
}
_HINT = ("a scene body may use manim's public names, np, math, kit, self, tracker, simple "
         "builtins (range, len, min, max, ...) and names it defines itself; no imports, files, "
         "dunder attributes or introspection")


def _format_fields_safe(template: str) -> bool:
    """True if a ``str.format`` template only names plain positions/keywords (no ``.x``, ``[k]``,
    which would let ``"{0.__class__}".format(obj)`` read attributes)."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return False
    for _, field, spec, _ in parsed:
        if field is not None and ("." in field or "[" in field):
            return False
        if spec and "{" in spec and not _format_fields_safe(spec):
            return False
    return True


class _Policy(ast.NodeVisitor):
    def __init__(self, scopes: n.Scopes) -> None:
        self.problems: list[tuple[int, int, str]] = []
        self.scopes = scopes
        self.allowed = n.allowed_globals()
        self.reachable = n.reachable_globals()
        self.modules = n.module_globals()

    def fail(self, node: ast.AST, message: str) -> None:
        self.problems.append((getattr(node, "lineno", 0), getattr(node, "col_offset", 0), message))

    def generic_visit(self, node: ast.AST) -> None:
        reason = _FORBIDDEN_NODES.get(type(node))
        if reason:
            self.fail(node, reason)
        super().generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        name = node.id
        if name.startswith("__"):
            self.fail(node, f"the name {name!r} is not allowed (dunder names reach the interpreter)")
        elif name in n.DANGEROUS_CALLS:
            self.fail(node, f"{name!r} is not allowed in a scene body")
        elif name in n.DANGEROUS_MODULES:
            self.fail(node, f"{name!r} is not available to a scene body")
        elif (isinstance(node.ctx, ast.Load) and name in self.scopes.global_refs
              and name not in self.allowed and name in self.reachable):
            self.fail(node, f"{name!r} is not allowed in a scene body")

    def visit_arg(self, node: ast.arg) -> None:
        if node.arg.startswith("__") or node.arg in n.DANGEROUS_CALLS | n.DANGEROUS_MODULES:
            self.fail(node, f"the name {node.arg!r} is not allowed")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        attr = node.attr
        if attr.startswith("_"):
            self.fail(node, f"attribute {attr!r} is not allowed (no attributes starting with _)")
        elif attr in n.DENIED_ATTRS:
            self.fail(node, f"attribute {attr!r} is not allowed in a scene body")
        elif attr == "format" and not (isinstance(node.value, ast.Constant)
                                       and isinstance(node.value.value, str)
                                       and _format_fields_safe(node.value.value)):
            self.fail(node, "str.format is only allowed on a literal template with plain fields; "
                            "use an f-string")
        else:
            self._module_chain(node)
        self.generic_visit(node)

    def _module_chain(self, node: ast.Attribute) -> None:
        """``np.lib...``, ``kit.project_dir``: resolve chains from modules on the real objects."""
        chain = n.attribute_chain(node)
        if chain is None or chain[0] not in self.modules or chain[0] not in self.scopes.global_refs:
            return
        root, parts = chain
        value: Any = self.modules[root]
        for depth, part in enumerate(parts):
            if value is self.modules["kit"]:
                public = part in value.__all__ and part not in n.KIT_DENIED
                if not public and hasattr(value, part):
                    self.fail(node, f"kit.{part} is not available to a scene body")
                if not public:
                    return  # an unknown kit name is the api gate's business
            try:
                value = getattr(value, part)
            except AttributeError:
                return  # unknown: the api gate names it, with suggestions
            dotted = ".".join([root, *parts[:depth + 1]])
            if n.is_module(value) and id(value) not in n.safe_modules():
                self.fail(node, f"the module {dotted} is not available to a scene body")
                return
            if id(value) in n.denied_objects():
                self.fail(node, f"{dotted} is not available to a scene body")
                return

    def visit_Subscript(self, node: ast.Subscript) -> None:
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str) \
                and key.value.startswith("__"):
            self.fail(node, f"subscript {key.value!r} is not allowed")
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        for key in node.keys:  # {"code_file": ...} splatted into a call with **
            if isinstance(key, ast.Constant) and key.value in n.DENIED_KEYWORDS:
                self.fail(key, f"keyword {key.value}= is not allowed (a scene body has no files)")
        self.generic_visit(node)

    def visit_keyword(self, node: ast.keyword) -> None:
        if node.arg in n.DENIED_KEYWORDS:
            self.fail(node, f"keyword {node.arg}= is not allowed (a scene body has no files)")
        self.generic_visit(node)


def check_policy(body: str) -> None:
    """Raise GateError("policy") at the first violation (by line), listing up to two more.

    Pure AST: the body is parsed and analysed, never compiled into a running function.
    Names that exist nowhere (neither manim, builtins nor the body) are left to ``check_api``,
    which suggests the right one; ``run_gates`` always runs both.
    """
    tree = n.parse(body)
    visitor = _Policy(n.scopes(body))
    visitor.visit(tree)
    if not visitor.problems:
        return
    problems = sorted(set(visitor.problems))
    line, _, message = problems[0]
    more = [f"line {ln}: {msg}" for ln, _, msg in problems[1:3]]
    if more:
        message += " (also " + "; ".join(more) + ")"
    raise GateError("policy", message, line or None, hint=_HINT)
