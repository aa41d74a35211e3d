"""Display math as people write it in Markdown, turned into equation steps that fit the frame.

A display block (``$$ ... $$`` or ``\\[ ... \\]`` on one line or over several, or a bare
``\\begin{align} ... \\end{align}``) is one formula. It becomes one or more *steps*:

- the rows of an ``align``/``aligned``/``gather``/``split``/``eqnarray``/... environment (or of
  top-level ``\\\\`` line breaks) are steps; a row that starts with a relation (``&= ...``)
  continues the chain of the row before it;
- a chain of relations (``a = b = c``) too wide for the frame is split at its relations: step k
  is ``a = t_k`` (``a \\le t_k`` once a ``\\le`` has been passed ...), or ``t_{k-1} = t_k`` when
  the relations do not compose (``a \\le b \\ge c``);
- ``%`` comments, ``&``, ``\\label``, ``\\tag``, ``\\nonumber`` and ``\\notag`` are dropped;
  matrices, ``cases`` and other environments stay whole.

The width is estimated from the LaTeX (about 0.45 frame units per glyph at the kit's equation
size); the scene kit still fits whatever it draws, so a long step that cannot be split (one
relation, a huge fraction) is scaled into the frame, never cut off.
"""

from __future__ import annotations

import re

# environments whose rows are steps (what MathTex's own align* cannot nest, and its relatives)
ROW_ENVIRONMENTS = {
    "align", "align*", "aligned", "alignat", "alignat*", "alignedat", "flalign", "flalign*",
    "gather", "gather*", "gathered", "multline", "multline*", "split", "eqnarray",
    "eqnarray*", "equation", "equation*", "displaymath", "math",
}
BODY_WIDTH = 13.4  # the kit's body area at 16:9, in frame units
GLYPH = 0.45  # frame units per glyph at the kit's equation size (measured with MathTex)

# relations we split at, and how each composes in a chain (None: it does not compose)
_RELATIONS = {
    "=": "=", r"\equiv": "=", r"\coloneqq": "=", ":=": "=", r"\approx": "~", r"\simeq": "~",
    r"\cong": "=", "<": "<", r"\lt": "<", r"\le": "<=", r"\leq": "<=", r"\leqslant": "<=",
    ">": ">", r"\gt": ">", r"\ge": ">=", r"\geq": ">=", r"\geqslant": ">=", r"\neq": None,
    r"\ne": None, r"\sim": None, r"\propto": None, r"\Rightarrow": "=>", r"\implies": "=>",
    r"\iff": "=", r"\Leftrightarrow": "=",
}
_SHOWN = {"=": "=", "~": r"\approx", "<": "<", "<=": r"\le", ">": ">", ">=": r"\ge",
          "=>": r"\Rightarrow"}
_ZERO = {r"\left", r"\right", r"\big", r"\Big", r"\bigg", r"\Bigg", r"\bigl", r"\bigr",
         r"\Bigl", r"\Bigr", r"\displaystyle", r"\textstyle", r"\mathrm", r"\mathbf", r"\mathit",
         r"\mathbb", r"\mathcal", r"\mathsf", r"\mathfrak", r"\boldsymbol", r"\operatorname",
         r"\text", r"\textrm", r"\textbf", r"\mbox", r"\limits", r"\nolimits", r"\!", r"\,",
         r"\vec", r"\hat", r"\bar", r"\tilde", r"\dot", r"\ddot", r"\overline", r"\underline"}
_TOKEN = re.compile(r"\\[A-Za-z]+\*?|\\.|[{}]|:=|[^\s]", re.S)
_SPACING = re.compile(r"^\s*\[\s*-?[\d.]+\s*(?:pt|em|ex|mm|cm|in|mu|bp)\s*\]")  # \\[4pt]
_DROP = re.compile(r"\\(?:label|tag\*?)\s*\{[^{}]*\}|\\nonumber\b|\\notag\b")


class MathError(ValueError):
    """A display block that cannot be read (unbalanced braces or environments)."""


def strip_comments(line: str) -> str:
    """``line`` without its ``%`` comment (an escaped ``\\%`` stays)."""
    match = re.search(r"(?<!\\)(?:\\\\)*%", line)
    if match is None:
        return line
    return line[:match.end() - 1]


def tokens(latex: str) -> list[str]:
    return _TOKEN.findall(latex)


def _top_level(latex: str):
    """(start, end, token) of each token outside braces, ``\\left..\\right`` and environments."""
    depth = 0
    for match in _TOKEN.finditer(latex):
        token = match.group()
        if token in ("{", r"\left") or token.startswith(r"\begin"):
            depth += 1
        elif token in ("}", r"\right") or token.startswith(r"\end"):
            depth -= 1
        elif depth == 0:
            yield match.start(), match.end(), token


def _split_top(latex: str, separators) -> list[tuple[str, str]]:
    """``latex`` cut at top-level tokens in ``separators``: (text, the separator before it)."""
    parts, last, before = [], 0, ""
    for start, end, token in _top_level(latex):
        if token in separators:
            parts.append((latex[last:start], before))
            last, before = end, token
    parts.append((latex[last:], before))
    return parts


def _clean(latex: str) -> str:
    latex = _DROP.sub(" ", latex)
    return " ".join(latex.split())


def _unwrap(latex: str) -> str:
    """The body of the environment that wraps all of ``latex`` when it lists rows, else
    ``latex``."""
    match = re.fullmatch(r"\s*\\begin\{([A-Za-z]+\*?)\}(?:\{[^{}]*\})?(.*)\\end\{\1\}\s*",
                         latex, re.S)
    if match and match.group(1) in ROW_ENVIRONMENTS:
        body = match.group(2)
        if _balanced(body):
            return body
    return latex


def _balanced(latex: str) -> bool:
    depth, envs = 0, []
    for token in tokens(latex):
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth < 0:
                return False
    for match in re.finditer(r"\\(begin|end)\s*\{([^{}]*)\}", latex):
        if match.group(1) == "begin":
            envs.append(match.group(2))
        elif not envs or envs.pop() != match.group(2):
            return False
    return depth == 0 and not envs


def _relation_at(latex: str) -> list[tuple[str, str]]:
    """``latex`` as (term, relation before it) pairs, split at top-level relations."""
    return [(" ".join(term.split()), relation) for term, relation in _split_top(latex, _RELATIONS)]


def width(latex: str) -> float:
    """Estimated width of ``latex`` in frame units at the kit's equation size."""
    return GLYPH * _units(tokens(latex), 0)[0]


def _units(toks: list[str], i: int, stop: str | None = None) -> tuple[float, int]:
    """Glyph units of tokens from ``i`` up to ``stop`` (a closing brace); (units, next index)."""
    total = 0.0
    while i < len(toks):
        t = toks[i]
        if stop is not None and t == stop:
            return total, i + 1
        if t == "{":
            inner, i = _units(toks, i + 1, "}")
            total += inner
            continue
        if t in ("^", "_"):
            inner, i = _argument(toks, i + 1)
            total += 0.6 * inner
            continue
        if t in (r"\frac", r"\dfrac", r"\tfrac", r"\binom", r"\cfrac"):
            top, i = _argument(toks, i + 1)
            bottom, i = _argument(toks, i)
            total += max(top, bottom) + 0.4
            continue
        if t == r"\sqrt":
            inner, i = _argument(toks, i + 1)
            total += inner + 1.0
            continue
        if t.startswith(r"\begin") or t.startswith(r"\end"):
            i += 1
            while i < len(toks) and toks[i] != "}":  # the environment's name
                i += 1
            i += 1
            continue
        if t in _ZERO or t == "}":
            pass
        elif t in _RELATIONS or t in ("\\to", "\\mapsto"):
            total += 2.2
        elif t in ("+", "-", r"\pm", r"\mp", r"\times", r"\cdot", r"\div"):
            total += 1.8
        elif t in ("&",):
            pass
        elif re.fullmatch(r"\\(?:quad|qquad)", t):
            total += 2.0 if t == r"\quad" else 4.0
        elif re.fullmatch(r"\\(?:sin|cos|tan|log|ln|exp|lim|max|min|det|sup|inf)", t):
            total += len(t) - 1
        else:
            total += 1.0
        i += 1
    return total, i


def _argument(toks: list[str], i: int) -> tuple[float, int]:
    if i >= len(toks):
        return 0.0, i
    if toks[i] == "{":
        return _units(toks, i + 1, "}")
    return _units(toks[i:i + 1], 0)[0], i + 1


def _compose(first: str | None, second: str | None) -> str | None:
    """The relation between a and c given a (first) b (second) c; None when there is none."""
    if first is None or second is None:
        return None
    if first == "=":
        return second
    if second == "=":
        return first
    if first == second:
        return first
    orders = {("<", "<="), ("<=", "<")}
    if (first, second) in orders:
        return "<"
    if (first, second) in {(">", ">="), (">=", ">")}:
        return ">"
    return None


def chain_steps(latex: str) -> list[str]:
    """A relation chain as steps when it is too wide for the frame (see module doc), else
    ``[latex]``."""
    pieces = _relation_at(latex)
    if len(pieces) < 3 or not all(term for term, _ in pieces) or width(latex) <= BODY_WIDTH:
        return [latex]
    head = pieces[0][0]
    composed: str | None = "="
    shown: list[str] = []
    for term, relation in pieces[1:]:
        composed = _compose(composed, _RELATIONS[relation])
        if composed is None:
            break
        shown.append(f"{head} {_SHOWN[composed]} {term}")
    else:
        return shown
    return [f"{a} {relation} {b}" for (a, _), (b, relation) in zip(pieces, pieces[1:])]


def display_steps(source: str) -> list[str]:
    """The steps of one display block's LaTeX (see module doc). Raises MathError when its
    braces or environments do not balance."""
    body = "\n".join(strip_comments(line) for line in source.splitlines())
    if not _balanced(body):
        raise MathError("its braces '{ }' or \\begin/\\end environments do not balance")
    body = _unwrap(body)
    rows = [_clean(_SPACING.sub("", row)) for row, _ in _split_top(body, {"\\\\"})]
    rows = [row for row in rows if row]
    if not rows:
        return []
    steps: list[str] = []
    lhs: str | None = None  # the left side a row starting with a relation continues
    for row in rows:
        row = _clean(" ".join(part for part, _ in _split_top(row, {"&"})))
        pieces = _relation_at(row)
        if pieces[0][0] == "" and len(pieces) > 1 and lhs is not None:
            steps += chain_steps(f"{lhs} {row}")
        else:
            steps += chain_steps(row)
            lhs = pieces[0][0] if len(pieces) > 1 else None
    return steps
