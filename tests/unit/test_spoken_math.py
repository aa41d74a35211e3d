"""Inline math spoken in words (flaming_horse.authoring.spoken_math): what a teacher would say,
money left as money, and a command it cannot say refused rather than guessed."""

from __future__ import annotations

import pytest

from flaming_horse.authoring.spoken_math import UnknownMath, speak, speak_inline


@pytest.mark.parametrize("latex, said", [
    (r"f(x) = x^2", "f of x equals x squared"),
    (r"a^3 - b^{10}", "a cubed minus b to the 10"),
    (r"A^{-1} A^T", "A inverse A transpose"),
    (r"\frac{a}{b} + \sqrt{x+1}", "a over b plus the square root of x plus 1"),
    (r"\sqrt[3]{8} = 2", "the 3-th root of 8 equals 2"),
    (r"\alpha \le \beta_{12}", "alpha is at most beta sub 12"),
    (r"\int_0^1 x\,dx", "the integral from 0 to 1 of x d x"),
    (r"\sum_{k=1}^{n} k", "the sum from k equals 1 to n of k"),
    (r"\lim_{h \to 0} h", "the limit as h tends to 0 of h"),
    (r"\binom{n}{k}", "n choose k"),
    (r"\log_2 n", "log base 2 of n"),
    (r"\vec{v} \cdot \hat{x}", "vector v times x hat"),
    (r"\sin^2 x + \cos^2 x = 1", "sine squared x plus cosine squared x equals 1"),
    (r"\text{area} = \pi r^2", "area equals pi r squared"),
    (r"3.14 \approx \pi", "3.14 is approximately pi"),
    (r"n! \ne 0", "n factorial is not equal to 0"),
])
def test_formulas_are_said_as_a_teacher_would(latex, said):
    assert speak(latex) == said


def test_inline_math_is_found_as_pandoc_finds_it():
    assert speak_inline("With $x^2$ and \\(y_1\\), it costs $5 or $6.") == \
        "With x squared and y sub 1, it costs $5 or $6."
    escaped = "Escaped \\$x$ and \\\\(y\\\\) stay."
    assert speak_inline(escaped) == escaped
    assert speak_inline("$ x$ and $x $ are not math.") == "$ x$ and $x $ are not math."


@pytest.mark.parametrize("latex", [r"\weird{x}", r"\mathcal{O} \oops", "x @ y"])
def test_what_it_cannot_say_is_refused_not_guessed(latex):
    with pytest.raises(UnknownMath):
        speak(latex)
