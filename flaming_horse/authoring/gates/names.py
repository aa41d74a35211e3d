"""What a generated scene body may name, and how its names resolve.

A body runs inside ``construct(self)`` of a scene file that starts ``from manim import *`` and
``from flaming_horse import scene_kit as kit``. So a name the body does not bind itself resolves
to a manim export or a builtin, and those are what the lists below allow or deny.
Scopes are taken from Python's own ``symtable`` (on the body wrapped in a function), so a name a
nested ``def`` binds does not make the same name safe at the top level.
"""

from __future__ import annotations

import ast
import builtins
import math
import re
import symtable
import textwrap
import types
from dataclasses import dataclass
from functools import cache
from typing import Any, Iterable

from flaming_horse.errors import GateError

WRAPPER = "def construct(self):\n"  # the body is analysed as this function's body (1 line up)

SAFE_BUILTINS = frozenset({
    "range", "len", "min", "max", "abs", "sum", "enumerate", "zip", "list", "tuple", "dict",
    "float", "int", "str", "round", "sorted", "reversed", "map", "filter", "any", "all",
    "isinstance", "print", "bool", "set", "frozenset", "divmod", "pow", "slice", "next", "repr",
    "chr", "ord", "getattr", "dir", "super", "type", "object", "property", "staticmethod", "classmethod",
    "hasattr", "callable", "iter", "id", "hash", "format", "complex", "issubclass",
    "True", "False", "None", "NotImplemented",
    "Exception", "ValueError", "TypeError", "IndexError", "KeyError", "ZeroDivisionError",
    "RuntimeError", "AttributeError", "StopIteration", "NotImplementedError", "ArithmeticError",
})
# Modules a body may import: what ordinary Manim code imports (the scaffold already gives
# manim's names, np and math; re-importing them is harmless), all without files or processes.
IMPORTABLE = frozenset({
    "manim", "numpy", "math", "cmath", "random", "collections", "itertools", "functools",
    "operator", "fractions", "decimal", "statistics", "string", "re", "typing", "dataclasses",
    "enum", "copy", "colorsys", "bisect", "heapq", "textwrap", "networkx", "scipy", "colour",
    "manim_voiceover_plus", "manim_voiceover", "abc", "numbers", "manimpango",
})
# dunder names that are ordinary Python (defining or calling methods), not introspection
ALLOWED_DUNDERS = frozenset({
    "__init__", "__name__", "__doc__", "__len__", "__iter__", "__next__", "__getitem__",
    "__setitem__", "__contains__", "__call__", "__repr__", "__str__", "__eq__", "__ne__",
    "__lt__", "__le__", "__gt__", "__ge__", "__hash__", "__add__", "__sub__", "__mul__",
    "__truediv__", "__neg__", "__abs__", "__bool__", "__enter__", "__exit__", "__post_init__",
    "__version__",
})
# Rejected wherever they appear, bound or not: they run code, touch files or reach the interpreter.
DANGEROUS_CALLS = frozenset({
    "open", "eval", "exec", "compile", "__import__", "setattr", "delattr", "globals",
    "locals", "vars", "input", "breakpoint", "help", "memoryview",
})
DANGEROUS_MODULES = frozenset({
    "os", "sys", "subprocess", "pathlib", "socket", "shutil", "builtins", "importlib", "ctypes",
    "pickle", "marshal", "io", "tempfile", "inspect", "gc", "signal", "threading", "multiprocessing",
    "urllib", "http", "requests", "Path",
})
# manim exports that touch files, processes, plugins or the global config: never for a body.
DENIED_MANIM = frozenset({
    "capture", "open_file", "guarantee_existence", "guarantee_empty_existence", "modify_atime",
    "ensure_executable", "get_video_metadata", "register_font", "tempconfig",
    "seek_full_path_from_defaults", "get_full_raster_image_path", "get_full_sound_file_path",
    "get_dir_layout", "add_extension_if_not_present", "get_plugins", "list_plugins",
    "console", "error_console", "cli_ctx_settings", "CONTEXT_SETTINGS",
    "ManimConfig", "ImageMobjectFromCamera", "PackageNotFoundError",
})
# Module objects a body may reach (by attribute chains from np, math, kit, rate_functions ...).
_SAFE_MODULE_NAMES = ("numpy", "numpy.linalg", "numpy.random", "numpy.fft", "numpy.polynomial",
                      "numpy.lib.scimath", "math", "flaming_horse.scene_kit",
                      "flaming_horse.scene_kit.palette", "manim.utils.rate_functions",
                      "manim.utils.unit", "manim.utils.color")  # numpy.polynomial.*, colors.*
KIT_DENIED = frozenset({"project_dir", "configure", "LayoutChecked", "image"})  # image: reads a file
CONFIG_NAMES = frozenset({"config"})  # manim's config: a body may read it, never change it
# Attribute names no body needs and that lead to frames, files, processes or the renderer.
DENIED_ATTRS = frozenset({
    "gi_frame", "gi_code", "gi_yieldfrom", "cr_frame", "cr_code", "cr_await", "ag_frame",
    "ag_code", "f_globals", "f_builtins", "f_locals", "f_back", "f_code", "f_trace", "tb_frame",
    "tb_next", "co_code", "mro", "format_map",
    "load", "save", "savez", "savez_compressed", "savetxt", "loadtxt", "genfromtxt", "fromfile",
    "fromregex", "tofile", "memmap", "dump", "dumps", "ctypeslib", "f2py", "distutils", "testing",
    "DataSource", "system", "popen", "environ", "getenv",
    "renderer", "file_writer", "render", "add_sound", "embed", "interactive_embed",
    "set_speech_service", "speech_service", "save_image", "tex_compiler", "read_text",
    "write_text", "read_bytes", "write_bytes", "unlink", "show",
})
DENIED_KEYWORDS = frozenset({"file_name", "filename", "code_file", "tex_compiler"})
BODY_NAMES = frozenset({"np", "math", "kit", "self", "tracker"})
SCAFFOLD_GLOBALS = frozenset({"VoiceoverScene", "get_speech_service"})  # imported, not for bodies


@cache
def manim_namespace() -> dict[str, Any]:
    """What ``from manim import *`` binds: the globals a scene body can reach."""
    namespace: dict[str, Any] = {}
    exec("from manim import *", namespace)  # noqa: S102 - the scaffold's own import, trusted
    namespace.pop("__builtins__", None)
    return namespace


@cache
def safe_modules() -> frozenset[int]:
    """ids of the module objects a body may hold (numpy.polynomial's submodules included)."""
    import sys

    from flaming_horse import scene_kit  # noqa: F401 - make sure it is loaded
    manim_namespace()
    ids = {id(m) for name, m in list(sys.modules.items()) if m is not None and (
        name in _SAFE_MODULE_NAMES or name.startswith(("numpy.polynomial.", "manim.utils.color.")))}
    return frozenset(ids)


@cache
def denied_objects() -> frozenset[int]:
    """ids of the objects behind DENIED_MANIM (config, logger, ...), however they are reached:
    ``unit.config`` is the same ManimConfig as ``config``."""
    namespace = manim_namespace()
    return frozenset(id(namespace[name]) for name in DENIED_MANIM if name in namespace)


@cache
def module_globals() -> dict[str, Any]:
    """The module-like globals a body may start an attribute chain from."""
    import numpy as np

    from flaming_horse import scene_kit as kit
    found = {"np": np, "math": math, "kit": kit}
    for name, value in manim_namespace().items():
        if isinstance(value, types.ModuleType) and id(value) in safe_modules():
            found[name] = value
    return found


@cache
def allowed_globals() -> frozenset[str]:
    """Names a body may use without binding them: public manim exports (bar the denied ones and
    modules other than the safe ones), np, math, kit, self, tracker and the safe builtins."""
    manim = {name for name, value in manim_namespace().items()
             if not name.startswith("_") and name not in DENIED_MANIM
             and (not isinstance(value, types.ModuleType) or id(value) in safe_modules())}
    return frozenset(manim | BODY_NAMES | SAFE_BUILTINS | set(module_globals()))


def reachable_globals() -> frozenset[str]:
    """Every name the scene file's globals and builtins define: a global a body names that is
    here but not allowed is a policy violation; one that is nowhere is only unknown (api)."""
    return frozenset(set(manim_namespace()) | set(dir(builtins)) | DANGEROUS_MODULES
                     | SCAFFOLD_GLOBALS)


_SCAFFOLD_STAR = re.compile(r"^[ \t]*from[ \t]+(manim|manim_voiceover_plus)[ \t]+import[ \t]*\*"
                            r"[ \t]*(#.*)?$", re.M)


def normalize(body: str) -> str:
    """The body dedented, so statements start at column 0 (models often indent them), without
    what only the scaffold does: ``from manim import *`` (inside ``construct`` a star import is
    a syntax error) and ``self.set_speech_service(...)`` (the project's voice speaks)."""
    body = _SCAFFOLD_STAR.sub("", textwrap.dedent(body))
    try:
        tree = ast.parse(body)
    except SyntaxError:
        return body  # the syntax gate reports it
    drop: set[int] = set()
    for node in tree.body:
        call = node.value if isinstance(node, ast.Expr) else None
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) \
                and call.func.attr == "set_speech_service" \
                and isinstance(call.func.value, ast.Name) and call.func.value.id == "self":
            drop.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    if not drop:
        return body
    return "".join(line for number, line in enumerate(body.splitlines(True), start=1)
                   if number not in drop)


def wrapped(body: str) -> str:
    return WRAPPER + textwrap.indent(normalize(body), "    ", lambda line: True) + "\n"


def parse(body: str) -> ast.Module:
    """The body's AST (line numbers as in the body). Raises GateError("syntax") with the line;
    compiles it as a function body, so ``return`` and the like are judged as they will run."""
    source = wrapped(body)
    try:
        compile(source, "<scene body>", "exec", dont_inherit=True)
        tree = ast.parse(normalize(body), "<scene body>")
    except SyntaxError as exc:
        line = (exc.lineno - 1) if exc.lineno else None
        text = (exc.text or "").strip()
        raise GateError("syntax", f"{exc.msg}" + (f": {text}" if text else ""),
                        line if line and line > 0 else None,
                        hint="the body must be valid Python statements") from None
    return tree


@dataclass(frozen=True)
class Scopes:
    """For each scope of the body: the names it resolves outside itself (globals/builtins)."""

    global_refs: frozenset[str]  # referenced and resolved as a global in at least one scope
    bound: frozenset[str]  # bound somewhere in the body (any scope)


def scopes(body: str) -> Scopes:
    table = symtable.symtable(wrapped(body), "<scene body>", "exec")
    global_refs: set[str] = set()
    bound: set[str] = set()

    def visit(scope: symtable.SymbolTable) -> None:
        for symbol in scope.get_symbols():
            name = symbol.get_name()
            if symbol.is_assigned() or symbol.is_parameter() or symbol.is_imported():
                bound.add(name)
            if scope.get_type() != "module" and symbol.is_referenced() and symbol.is_global():
                global_refs.add(name)
        for child in scope.get_children():
            visit(child)

    for child in table.get_children():  # the construct wrapper and what it contains
        visit(child)
    return Scopes(frozenset(global_refs), frozenset(bound))


def attribute_chain(node: ast.Attribute) -> tuple[str, list[str]] | None:
    """``np.linalg.norm`` -> ("np", ["linalg", "norm"]); None if the root is not a bare name."""
    parts: list[str] = []
    current: ast.expr = node
    while isinstance(current, ast.Attribute):
        parts.append(current.attr)
        current = current.value
    if isinstance(current, ast.Name):
        return current.id, parts[::-1]
    return None


def is_module(value: Any) -> bool:
    return isinstance(value, types.ModuleType)


def describe(names: Iterable[str]) -> str:
    return ", ".join(sorted(names))
