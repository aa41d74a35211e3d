r"""Inline math in narration, spoken in words: ``$f(x) = x^2$`` is said "f of x equals x squared".

Inline math is found as Pandoc finds it: ``$...$`` whose opening ``$`` is followed by a non-space,
whose closing ``$`` follows a non-space and is not followed by a digit (so "$5 or $6" is money, not
math), and ``\(...\)``. What it covers: letters, numbers, operators and relations, powers and
indices, fractions, roots, Greek letters, the usual functions, sums, integrals, limits, primes,
factorials, ``\text{...}`` and font commands. A command it does not know raises ``UnknownMath``
naming it, so the script is refused with the line instead of the voice saying nonsense.
"""

from __future__ import annotations

import re

from flaming_horse.authoring.display_math import tokens

INLINE = re.compile(r"(?<![\\$])\$(?=\S)([^$\n]*?[^\s\\])\$(?!\d)(?!\$)"
                    r"|(?<!\\)\\\((.+?)(?<!\\)\\\)")

GREEK = ("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu "
         "nu xi omicron pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega "
         "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega").split()
WORDS = {
    "+": "plus", "-": "minus", "=": "equals", "<": "is less than", ">": "is greater than",
    "/": "over", "!": "factorial", "'": "prime", ",": ",", ":": ":", ";": ";", "|": "",
    r"\pm": "plus or minus", r"\mp": "minus or plus", r"\times": "times", r"\cdot": "times",
    r"\div": "divided by", r"\ne": "is not equal to", r"\neq": "is not equal to",
    r"\le": "is at most", r"\leq": "is at most", r"\ge": "is at least", r"\geq": "is at least",
    r"\approx": "is approximately", r"\equiv": "is equivalent to", r"\sim": "is like",
    r"\propto": "is proportional to", r"\to": "to", r"\rightarrow": "to", r"\mapsto": "maps to",
    r"\Rightarrow": "implies", r"\implies": "implies", r"\iff": "if and only if",
    r"\infty": "infinity", r"\in": "in", r"\notin": "not in", r"\subset": "a subset of",
    r"\subseteq": "a subset of", r"\cup": "union", r"\cap": "intersect",
    r"\emptyset": "the empty set",
    r"\forall": "for all", r"\exists": "there exists", r"\partial": "partial", r"\nabla": "del",
    r"\ldots": "and so on", r"\dots": "and so on", r"\cdots": "and so on", r"\circ": "degrees",
    r"\degree": "degrees", r"\%": "percent", r"\angle": "angle", r"\perp": "is perpendicular to",
    r"\parallel": "is parallel to", r"\triangle": "triangle", r"\sum": "the sum",
    r"\prod": "the product", r"\int": "the integral", r"\oint": "the integral",
    r"\lim": "the limit",
    r"\log": "log", r"\ln": "the natural log of", r"\exp": "exp", r"\sin": "sine",
    r"\cos": "cosine", r"\tan": "tangent", r"\max": "the maximum", r"\min": "the minimum",
    r"\det": "the determinant of", r"\gcd": "the g c d of", r"\mid": "given",
    r"\quad": ",", r"\qquad": ",", r"\colon": ":", r"\cdotp": "times",
    r"\ast": "star", r"\star": "star", r"\sec": "secant", r"\csc": "cosecant",
    r"\cot": "cotangent", r"\arcsin": "arc sine", r"\arccos": "arc cosine",
    r"\arctan": "arc tangent", r"\sinh": "hyperbolic sine", r"\cosh": "hyperbolic cosine",
    r"\tanh": "hyperbolic tangent", r"\bmod": "mod", r"\mod": "mod",
    r"\lfloor": "the floor of",
    r"\rfloor": "", r"\lceil": "the ceiling of", r"\rceil": "", r"\langle": "", r"\rangle": "",
    r"\deg": "degrees", r"\Pr": "the probability of", r"\top": "transpose",
    r"\leftarrow": "from", r"\Leftarrow": "is implied by", r"\gets": "gets",
    r"\ll": "is much less than", r"\gg": "is much greater than", r"\neg": "not",
    r"\land": "and", r"\lor": "or", r"\wedge": "and", r"\vee": "or", r"\oplus": "x or",
    r"\hbar": "h bar", r"\ell": "ell", r"\Re": "the real part of",
    r"\Im": "the imaginary part of",
}
SILENT = {r"\left", r"\right", r"\big", r"\Big", r"\bigg", r"\Bigg", r"\,", r"\;", r"\!", r"\:",
          r"\displaystyle", r"\textstyle", r"\limits", r"\nolimits", "(", ")", "[", "]", "&",
          r"\{", r"\}", r"\lvert", r"\rvert", r"\vert", r"\|"}
FONTS = {r"\mathrm", r"\mathbf", r"\mathit", r"\mathbb", r"\mathcal", r"\mathsf",
         r"\boldsymbol", r"\operatorname", r"\mathfrak", r"\mathscr", r"\bm"}
ACCENTS = {r"\vec": "vector", r"\overrightarrow": "vector", r"\hat": "hat", r"\bar": "bar",
           r"\overline": "bar", r"\tilde": "tilde", r"\dot": "dot", r"\ddot": "double dot"}
_TEXT = 0xE000  # \text{...} pieces stand in the token stream as private-use characters
BETWEEN = {r"\frac": "over", r"\dfrac": "over", r"\tfrac": "over", r"\binom": "choose",
           r"\dbinom": "choose", r"\tbinom": "choose"}
BIG = {r"\sum": "the sum", r"\prod": "the product", r"\int": "the integral",
       r"\oint": "the integral", r"\lim": "the limit"}
POWERS = {"2": "squared", "3": "cubed", "-1": "inverse", "T": "transpose", r"\prime": "prime"}


class UnknownMath(ValueError):
    """Inline math this module cannot say; ``args[0]`` is the piece it could not."""


def speak_inline(text: str) -> str:
    """``text`` with each inline formula replaced by its words (raises UnknownMath)."""
    return INLINE.sub(lambda m: speak(m.group(1) if m.group(1) is not None else m.group(2)), text)


def speak(latex: str) -> str:
    """One formula in words."""
    texts: list[str] = []

    def keep(match: re.Match) -> str:  # \text{...} is said as written: one token for it
        texts.append(" ".join(match.group(1).split()))
        return f" {chr(_TEXT + len(texts) - 1)} "

    latex = re.sub(r"\\(?:text|textrm|textbf|textit|mbox)\s*\{([^{}]*)\}", keep, latex)
    words, _ = _say(tokens(latex), 0, None, texts)
    return " ".join(" ".join(words).split()).replace(" ,", ",").replace(" :", ":")


def _group(toks: list[str], i: int, texts: list[str]) -> tuple[list[str], int]:
    """The words of one argument: a {group} or a single token."""
    if i >= len(toks):
        return [], i
    if toks[i] == "{":
        return _say(toks, i + 1, "}", texts)
    return _say(toks[i:i + 1], 0, None, texts)[0], i + 1


def _say(toks: list[str], i: int, stop: str | None, texts: list[str]) -> tuple[list[str], int]:
    out: list[str] = []
    while i < len(toks):
        t = toks[i]
        if t == stop:
            return out, i + 1
        if t == "{":
            inner, i = _say(toks, i + 1, "}", texts)
            out += inner
            continue
        if t in ("^", "_"):
            if i + 1 < len(toks) and toks[i + 1] == "{":
                raw, end = _raw_group(toks, i + 1)
            else:
                raw, end = (toks[i + 1] if i + 1 < len(toks) else ""), i + 2
            arg, i = _group(toks, i + 1, texts)
            if t == "_":
                out += ["sub", *arg]
            elif raw.replace(" ", "") in POWERS:
                out.append(POWERS[raw.replace(" ", "")])
            else:
                out += ["to the", *arg]
            i = max(i, end)
            continue
        if t in BIG:  # \sum_{k=1}^{n}: the sum from k equals 1 to n of
            low = high = None
            i += 1
            while i < len(toks) and toks[i] in ("_", "^", r"\limits"):
                if toks[i] == r"\limits":
                    i += 1
                    continue
                mark = toks[i]
                arg, i = _group(toks, i + 1, texts)
                low, high = (arg, high) if mark == "_" else (low, arg)
            if t == r"\lim":
                said = [w if w != "to" else "tends to" for w in (low or [])]
                out += ["the limit", *(["as", *said] if said else []), "of"]
            else:
                out.append(BIG[t])
                out += ["from", *low] if low else []
                out += ["to", *high] if high else []
                out.append("of")
            continue
        if t in BETWEEN:  # \frac{a}{b}: a over b; \binom{n}{k}: n choose k
            top, i = _group(toks, i + 1, texts)
            bottom, i = _group(toks, i, texts)
            out += [*top, BETWEEN[t], *bottom]
            continue
        if t == r"\pmod":
            arg, i = _group(toks, i + 1, texts)
            out += ["mod", *arg]
            continue
        if t in ACCENTS:
            arg, i = _group(toks, i + 1, texts)
            vector = t in (r"\vec", r"\overrightarrow")
            out += ["vector", *arg] if vector else [*arg, ACCENTS[t]]
            continue
        if t == r"\log" and i + 1 < len(toks) and toks[i + 1] == "_":  # log_2 n: log base 2 of n
            base, i = _group(toks, i + 2, texts)
            out += ["log base", *base, "of"]
            continue
        if t == r"\sqrt":
            if i + 1 < len(toks) and toks[i + 1] == "[":
                end = toks.index("]", i + 1)
                degree = " ".join(_say(toks[i + 2:end], 0, None, texts)[0])
                arg, i = _group(toks, end + 1, texts)
                out += [f"the {degree}-th root of", *arg]
            else:
                arg, i = _group(toks, i + 1, texts)
                out += ["the square root of", *arg]
            continue
        if len(t) == 1 and _TEXT <= ord(t) < _TEXT + len(texts):
            out.append(texts[ord(t) - _TEXT])
            i += 1
            continue
        if t in FONTS:
            arg, i = _group(toks, i + 1, texts)
            out += arg
            continue
        if t.startswith("\\") and t[1:] in GREEK:
            out.append(t[1:].lower().replace("var", ""))
        elif t in WORDS:
            out.append(WORDS[t])
        elif t in SILENT:
            pass
        elif re.fullmatch(r"[A-Za-z]", t):
            nxt = toks[i + 1] if i + 1 < len(toks) else ""
            out.append(t + (" of" if nxt == "(" and t in "fghFGHPEO" else ""))
        elif re.fullmatch(r"[0-9.]", t):
            if out and re.fullmatch(r"[0-9.]+", out[-1]) and toks[i - 1] == out[-1][-1]:
                out[-1] += t  # digits of one number
            else:
                out.append(t)
        else:
            raise UnknownMath(t)
        i += 1
    return out, i


def _raw_group(toks: list[str], i: int) -> tuple[str, int]:
    """The tokens of a {group} as written (an exponent, to look up in POWERS)."""
    if i >= len(toks) or toks[i] != "{":
        return (toks[i] if i < len(toks) else ""), i + 1
    depth, j, parts = 0, i, []
    while j < len(toks):
        if toks[j] == "{":
            depth += 1
            if depth > 1:
                parts.append("{")
        elif toks[j] == "}":
            depth -= 1
            if depth == 0:
                return " ".join(parts), j + 1
            parts.append("}")
        else:
            parts.append(toks[j])
        j += 1
    return " ".join(parts), j
