"""API lint against the installed manim: catch the mistakes models make most (ManimGL / old
manim names, invented colours, misspelt keyword arguments) before a render fails on them, and
say what to write instead, so a repair round has something concrete to act on.
"""

from __future__ import annotations

import ast
import difflib
import inspect
import re
import textwrap
from functools import cache
from typing import Any, Iterable

from flaming_horse.errors import GateError
from flaming_horse.authoring.gates import names as n

# Old (ManimGL, manim < 0.2) or invented names -> what ManimCE has, with a note where a bare name
# is not enough. Only suggestions that exist in the installed manim are ever shown.
CLASSIC: dict[str, tuple[tuple[str, ...], str]] = {
    "ShowCreation": (("Create",), ""),
    "ShowCreationThenDestruction": (("ShowPassingFlash",), ""),
    "ShowCreationThenFadeOut": (("Create", "FadeOut"), "play Create, then FadeOut"),
    "ShowPassingFlashAround": (("Circumscribe",), ""),
    "CircleIndicate": (("Circumscribe",), "Circumscribe(mobject, Circle)"),
    "WiggleOutThenIn": (("Wiggle",), ""),
    "TextMobject": (("Text", "Tex"), "Text for plain text, Tex for LaTeX text"),
    "TexMobject": (("MathTex",), ""),
    "TexText": (("Tex",), ""),
    "OldTex": (("MathTex",), ""),
    "OldTexText": (("Tex",), ""),
    "GraphScene": (("Axes", "NumberPlane"), "GraphScene is gone: build Axes in the scene and "
                   "use axes.plot(...)"),
    "FadeInFrom": (("FadeIn",), "FadeIn(mobject, shift=direction)"),
    "FadeInFromDown": (("FadeIn",), "FadeIn(mobject, shift=UP)"),
    "FadeInFromLarge": (("FadeIn",), "FadeIn(mobject, scale=2)"),
    "FadeOutAndShift": (("FadeOut",), "FadeOut(mobject, shift=direction)"),
    "FadeOutAndShiftDown": (("FadeOut",), "FadeOut(mobject, shift=DOWN)"),
    "ContinualAnimation": (("always_redraw",), "use always_redraw or mobject.add_updater"),
    "ParametricSurface": (("Surface",), ""),
    "SmallDot": (("Dot",), "Dot(radius=0.04)"),
    "BROWN": (("DARK_BROWN", "LIGHT_BROWN"), "no BROWN in ManimCE; use DARK_BROWN, LIGHT_BROWN "
              "or a hex colour such as '#8B4513'"),
    "LIGHT_BLUE": (("BLUE_A", "BLUE_B"), "or a hex colour such as '#ADD8E6'"),
    "DARK_RED": (("RED_E", "MAROON"), "or a hex colour"),
    "CYAN": (("PURE_CYAN", "TEAL"), "or a hex colour such as '#00FFFF'"),
    "MAGENTA": (("PURE_MAGENTA", "PINK"), "or a hex colour"),
    "VIOLET": (("PURPLE",), "or a hex colour"),
    "INDIGO": (("PURPLE_E", "DARK_BLUE"), "or a hex colour"),
    "NAVY": (("DARK_BLUE",), "or a hex colour"),
    "LIME": (("GREEN_A", "PURE_GREEN"), "or a hex colour"),
}
PLAY_KEYWORDS = frozenset({"run_time", "rate_func", "lag_ratio", "subcaption",
                           "subcaption_duration", "subcaption_offset"})


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """What to write instead of ``name``: the classic table first, then close matches."""
    namespace = n.manim_namespace()
    if name in CLASSIC:
        replacements, note = CLASSIC[name]
        real = [r for r in replacements if r in namespace]
        if real:
            return f"use {' or '.join(real)}" + (f" ({note})" if note else "")
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=3, cutoff=0.6)
    return f"did you mean {', '.join(close)}?" if close else None


@cache
def _global_candidates() -> tuple[str, ...]:
    return tuple(sorted(name for name in n.allowed_globals() if not name.startswith("_")))


_KWARG_KEYS = re.compile(r"""kwargs(?:\.(?:pop|get|setdefault)\(\s*|\[\s*)["'](\w+)["']""")


def _forwards_to_super_only(function: Any, var_keyword: str) -> bool:
    """True if ``**kwargs`` goes only to ``super().__init__`` / ``Base.__init__`` calls, so the
    accepted keywords are exactly those of the classes further up the MRO. A class that hands
    them to another object (Paragraph -> Text) or swallows them is not followed."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return False
    forwards = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and any(
        k.arg is None and isinstance(k.value, ast.Name) and k.value.id == var_keyword
        for k in node.keywords)]
    return bool(forwards) and all(
        isinstance(call.func, ast.Attribute) and call.func.attr == "__init__" for call in forwards)


@cache
def accepted_keywords(obj: Any) -> frozenset[str] | None:
    """Keyword names ``obj(...)`` accepts, or None when that cannot be known for sure.

    A class passes ``**kwargs`` up its ``__init__`` chain (Mobject style), so the names are the
    union along the MRO, up to the first ``__init__`` without ``**kwargs``; keys an ``__init__``
    reads out of ``kwargs`` by hand count too. Where ``**kwargs`` goes anywhere but up the chain,
    or a signature cannot be read, nothing is flagged: a false alarm costs a whole repair round.
    """
    inits = [k.__dict__["__init__"] for k in obj.__mro__ if "__init__" in k.__dict__
             and k is not object] if inspect.isclass(obj) else [obj]
    accepted: set[str] = set()
    for function in inits:
        try:
            parameters = list(inspect.signature(function).parameters.values())
        except (TypeError, ValueError):
            return None
        accepted |= {p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD,
                                                              p.KEYWORD_ONLY)}
        var_keyword = next((p.name for p in parameters if p.kind == p.VAR_KEYWORD), None)
        if var_keyword is None:
            return frozenset(accepted)
        if not inspect.isclass(obj) or not _forwards_to_super_only(function, var_keyword):
            return None
        try:
            accepted |= set(_KWARG_KEYS.findall(inspect.getsource(function)))
        except (OSError, TypeError):
            pass
    return None


@cache
def _scene_classes() -> tuple[type, ...]:
    from manim_voiceover_plus import VoiceoverScene

    from flaming_horse import scene_kit as kit
    return (kit.LayoutChecked, VoiceoverScene)


def _scene_attribute(name: str) -> Any:
    for cls in _scene_classes():
        if hasattr(cls, name):
            return getattr(cls, name)
    raise AttributeError(name)


class _Lint(ast.NodeVisitor):
    def __init__(self, scopes: n.Scopes, extra: frozenset[str], self_attrs: set[str]) -> None:
        self.shadowed = [False]  # is ``self`` here a parameter of a nested function (not the scene)?
        self.scopes = scopes
        self.allowed = n.allowed_globals() | extra
        self.self_attrs = self_attrs
        self.modules = n.module_globals()

    def fail(self, node: ast.AST, message: str, hint: str | None = None) -> None:
        raise GateError("api", message, getattr(node, "lineno", None), hint=hint)

    def is_global(self, name: str) -> bool:
        return name in self.scopes.global_refs

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load) and self.is_global(node.id) \
                and node.id not in self.allowed:
            self.fail(node, f"unknown name {node.id!r} (not in manim {_manim_version()}, "
                            "not defined in the body)",
                      suggest(node.id, _global_candidates()))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.resolve(node)
        self.generic_visit(node)

    def resolve(self, node: ast.expr) -> Any:
        """The real object a name or a chain from a module stands for, or None if unknowable.
        Raises GateError for a chain to something that does not exist."""
        if isinstance(node, ast.Name):
            if self.is_global(node.id):
                return n.manim_namespace().get(node.id, self.modules.get(node.id))
            return None
        chain = n.attribute_chain(node) if isinstance(node, ast.Attribute) else None
        if chain is None or chain[0] not in self.modules or not self.is_global(chain[0]):
            return None
        root, parts = chain
        value = self.modules[root]
        for depth, part in enumerate(parts):
            owner = ".".join([root, *parts[:depth]])
            public = getattr(value, "__all__", None) if value is self.modules["kit"] else None
            if (public is not None and part not in public) or not hasattr(value, part):
                options = public or [a for a in dir(value) if not a.startswith("_")]
                self.fail(node, f"{owner} has no attribute {part!r}", suggest(part, options))
            value = getattr(value, part)
        return value

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        arguments = node.args
        names = {a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)}
        self.shadowed.append(self.shadowed[-1] or "self" in names)
        self.generic_visit(node)
        self.shadowed.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.shadowed.append(True)  # a nested class's methods have a ``self`` of their own
        self.generic_visit(node)
        self.shadowed.pop()

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                and func.value.id == "self" and not self.is_global("self") \
                and not self.shadowed[-1]:
            self.scene_call(node, func.attr)
        else:
            target = self.resolve(func)
            module = getattr(target, "__module__", "") or ""
            if target is not None and callable(target) and \
                    module.startswith(("manim", "flaming_horse")):
                self.keywords(node, target, _callee(func))
        self.generic_visit(node)

    def scene_call(self, node: ast.Call, method: str) -> None:
        if method in self.self_attrs:
            return
        try:
            target = _scene_attribute(method)
        except AttributeError:
            public = {a for cls in _scene_classes() for a in dir(cls) if not a.startswith("_")}
            self.fail(node, f"the scene has no method {method!r}", suggest(method, public))
        if method == "play":  # other keywords go to every animation (path_arc=, shift= ...)
            for keyword in node.keywords:
                close = difflib.get_close_matches(keyword.arg or "", PLAY_KEYWORDS, n=1,
                                                  cutoff=0.75)
                if keyword.arg is not None and keyword.arg not in PLAY_KEYWORDS and close:
                    self.fail(keyword, f"self.play() has no keyword argument {keyword.arg!r}",
                              f"did you mean {close[0]}?")
            return
        if callable(target):
            self.keywords(node, target, f"self.{method}")

    def keywords(self, node: ast.Call, target: Any, callee: str) -> None:
        try:
            accepted = accepted_keywords(target)
        except TypeError:  # unhashable callables: nothing to check against
            return
        if accepted is None:
            return
        accepted = accepted - {"self"}
        for keyword in node.keywords:
            if keyword.arg is not None and keyword.arg not in accepted:
                self.fail(keyword, f"{callee}() has no keyword argument {keyword.arg!r}",
                          suggest(keyword.arg, accepted))


def _callee(func: ast.expr) -> str:
    try:
        return ast.unparse(func)
    except Exception:  # noqa: BLE001 - only for a message
        return "call"


@cache
def _manim_version() -> str:
    import manim
    return getattr(manim, "__version__", "")


def _self_attributes(tree: ast.Module) -> set[str]:
    """``self.x`` the body assigns itself: calling those later is the body's own business."""
    return {target.attr for target in ast.walk(tree)
            if isinstance(target, ast.Attribute) and isinstance(target.ctx, ast.Store)
            and isinstance(target.value, ast.Name) and target.value.id == "self"}


def check_api(body: str, extra_names: Iterable[str] = ()) -> None:
    """Raise GateError("api") at the first name, attribute or keyword argument that does not
    exist in the installed manim / numpy / kit, with a suggestion. ``extra_names`` are names the
    scaffold binds for the body (e.g. ``header``)."""
    tree = n.parse(body)
    _Lint(n.scopes(body), frozenset(extra_names), _self_attributes(tree)).visit(tree)
