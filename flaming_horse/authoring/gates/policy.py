"""The AST policy: what an untrusted scene body may contain, judged without running it.

It is an allow-list of names (manim's public exports, np, math, kit, self, tracker, a few
builtins and whatever the body binds itself) plus deny-lists for the ways Python lets code climb
from an ordinary object to the interpreter: dunder names and attributes, frame and generator
internals, ``str.format`` field traversal, file/process functions of manim and numpy. It is a
lint that tells the model what a scene body should not do; the boundary is the box the code runs
in (flaming_horse.sandbox), so ordinary Manim (imports of harmless modules, classes, ``while``,
reading ``config``) passes.
"""

from __future__ import annotations

import ast
import string
from typing import Any

from flaming_horse.errors import GateError
from flaming_horse.authoring.gates import names as n

_FORBIDDEN_NODES: dict[type, str] = {
    ast.Global: "'global' is not allowed",
    ast.Nonlocal: "'nonlocal' is not allowed",
    ast.AsyncFunctionDef: "async code is not allowed",
    ast.AsyncFor: "async code is not allowed",
    ast.AsyncWith: "async code is not allowed",
    ast.Await: "async code is not allowed",
    ast.Yield: "'yield' is not allowed (it would turn construct into a generator)",
    ast.YieldFrom: "'yield' is not allowed (it would turn construct into a generator)",
}
_HINT = ("a scene body may use manim's public names, np, math, kit, self, tracker, builtins "
         "(range, len, min, max, ...), modules such as random, collections or networkx, and "
         "names it defines itself; no files, processes, network or introspection")


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

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._importable(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self._importable(node, "." * node.level + (node.module or ""))

    def _importable(self, node: ast.AST, module: str) -> None:
        if module.split(".")[0] not in n.IMPORTABLE:
            self.fail(node, f"importing {module!r} is not allowed: a scene body needs no files, "
                            "processes or network (manim, numpy, math, random, collections, "
                            "itertools, networkx ... may be imported)")

    def visit_Name(self, node: ast.Name) -> None:
        name = node.id
        if name.startswith("__") and name not in n.ALLOWED_DUNDERS:
            self.fail(node, f"the name {name!r} is not allowed (dunder names reach the interpreter)")
        elif name in n.DANGEROUS_CALLS:
            self.fail(node, f"{name!r} is not allowed in a scene body")
        elif name in n.DANGEROUS_MODULES:
            self.fail(node, f"{name!r} is not available to a scene body")
        elif (isinstance(node.ctx, ast.Load) and name in self.scopes.global_refs
              and name not in self.allowed and name in self.reachable):
            self.fail(node, f"{name!r} is not allowed in a scene body")

    def visit_arg(self, node: ast.arg) -> None:
        if (node.arg.startswith("__") and node.arg not in n.ALLOWED_DUNDERS) \
                or node.arg in n.DANGEROUS_CALLS | n.DANGEROUS_MODULES:
            self.fail(node, f"the name {node.arg!r} is not allowed")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        attr = node.attr
        if attr.startswith("__") and attr not in n.ALLOWED_DUNDERS:
            self.fail(node, f"attribute {attr!r} is not allowed (introspection reaches the "
                            "interpreter)")
        elif attr.startswith("_") and attr.lstrip("_").startswith(("getframe", "current_frames")):
            self.fail(node, f"attribute {attr!r} is not allowed")
        elif isinstance(node.ctx, (ast.Store, ast.Del)) and _in_config(node):
            self.fail(node, "a scene body may read manim's config but not change it")
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
        elif isinstance(node.ctx, (ast.Store, ast.Del)) and _in_config(node):
            self.fail(node, "a scene body may read manim's config but not change it")
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        for key in node.keys:  # {"code_file": ...} splatted into a call with **
            if isinstance(key, ast.Constant) and key.value in n.DENIED_KEYWORDS:
                self.fail(key, f"keyword {key.value}= is not allowed (a scene body has no files)")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        """``getattr(x, "name")`` is ordinary; ``getattr(x, "__class__")`` is introspection."""
        if isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr") \
                and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) \
                and isinstance(node.args[1].value, str) and node.args[1].value.startswith("__") \
                and node.args[1].value not in n.ALLOWED_DUNDERS:
            self.fail(node, f"{node.func.id}(..., {node.args[1].value!r}) is not allowed "
                            "(introspection reaches the interpreter)")
        self.generic_visit(node)

    def visit_keyword(self, node: ast.keyword) -> None:
        if node.arg in n.DENIED_KEYWORDS:
            self.fail(node, f"keyword {node.arg}= is not allowed (a scene body has no files)")
        self.generic_visit(node)


def _in_config(node: ast.expr) -> bool:
    """True for a target inside manim's config: ``config.x``, ``config["x"]``, ``unit.config.x``
    (an attribute or name ``config`` anywhere along the chain)."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        if isinstance(node, ast.Attribute) and node.attr in n.CONFIG_NAMES:
            return True
        node = node.value
    return isinstance(node, ast.Name) and node.id in n.CONFIG_NAMES


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
