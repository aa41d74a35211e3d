"""What was meant against what was heard: both normalised to plain words, aligned word by word
(jiwer's Levenshtein alignment), and the differences named.

Normalising: case, punctuation, accents, apostrophes and hyphens go; numbers become words
(num2words: "3" and "three", "25th" and "twenty-fifth", "1.5" and "one point five" compare equal);
"%" and "&" are read out. A substitution of a word that sounds alike (rapidfuzz similarity of
at least ``ALIKE``: "colour"/"color", "row"/"roll") is a match with a different spelling, not an
error: a tiny recogniser mishears short words that the voice said right. So is a stretch of
differing words whose letters, run together, are alike: a name it never learnt, heard as pieces
("Przybylski" as "PRs are Bill Ski"). Words only added (a repeat, babble) or only missed (a
sentence swallowed) have no counterpart and stay errors.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

ALIKE = 50  # rapidfuzz ratio (0-100) at or above which a substituted word counts as heard
_NUMBER = re.compile(r"(\d+(?:[.,]\d+)*)(st|nd|rd|th)?", re.IGNORECASE)
_SYMBOLS = {"%": " percent ", "&": " and ", "+": " plus ", "=": " equals ", "°": " degrees "}
_NOT_WORD = re.compile(r"[^a-z0-9\s]+")


def _number_words(match: re.Match) -> str:
    from num2words import num2words

    digits, suffix = match.group(1), match.group(2)
    if re.fullmatch(r"\d{1,3}(,\d{3})+", digits):
        digits = digits.replace(",", "")
    try:
        if suffix:
            return " " + num2words(int(digits.replace(",", "")), to="ordinal") + " "
        if "," in digits:  # "1,5" or a list like "1,2": read the parts
            return " " + " ".join(num2words(int(p)) for p in digits.split(",")) + " "
        return " " + num2words(float(digits) if "." in digits else int(digits)) + " "
    except (ValueError, OverflowError, ArithmeticError):
        return " " + " ".join(digits) + " "


def _readings(match: re.Match) -> list[str]:
    """The ways a written number may have been said: "1810" as a cardinal, digit by digit
    ("one eight one zero") or as a year ("eighteen ten")."""
    from num2words import num2words

    readings = [_number_words(match)]
    digits = match.group(1)
    if not match.group(2) and digits.isdigit() and len(digits) > 1:
        readings.append(" " + " ".join(num2words(int(d)) for d in digits) + " ")
        if len(digits) == 4:
            readings.append(" " + num2words(int(digits), to="year") + " ")
    return readings


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    for symbol, spoken in _SYMBOLS.items():
        text = text.replace(symbol, spoken)
    return text.replace("'", "").replace("\u2019", "")


def _split(text: str) -> list[str]:
    return _NOT_WORD.sub(" ", text.replace("-", " ")).split()


def normal_words(text: str) -> list[str]:
    """The plain lower-case words of ``text``, numbers and symbols read out."""
    return _split(_NUMBER.sub(_number_words, _plain(text)))


def heard_words(heard_text: str, meant: list[str]) -> list[str]:
    """The plain words of what was heard, each number read the way (``_readings``) that
    matches the ``meant`` words best: the recogniser writes "eight one" as "81"."""
    text = _plain(heard_text)
    options = [_readings(m) for m in _NUMBER.finditer(text)]
    chosen = [0] * len(options)

    def words() -> list[str]:
        picks = iter(zip(options, chosen))  # the numbers come in the order they were found
        return _split(_NUMBER.sub(lambda _: (lambda o, c: o[c])(*next(picks)), text))

    for k, readings in enumerate(options):  # each number read the best way, in turn
        scores = []
        for c in range(len(readings)):
            chosen[k] = c
            scores.append((compare_words(meant, words()).errors, c))
        chosen[k] = min(scores)[1]
    return words()


def alike(a: str, b: str) -> bool:
    from rapidfuzz.fuzz import ratio

    return ratio(a, b) >= ALIKE


@dataclass(frozen=True)
class Comparison:
    meant: list[str]  # normalised words of the narration
    heard: list[str]  # normalised words of the transcript
    pairs: list[tuple[int, int]] = field(default_factory=list)  # (meant i, heard j) matched
    missing: list[str] = field(default_factory=list)  # meant words not heard
    added: list[str] = field(default_factory=list)  # heard words not meant
    missing_run: int = 0  # most meant words in a row not heard (a sentence swallowed)
    added_run: int = 0  # most heard words in a row not meant (babble, a repeat, noise)
    inserted_run: int = 0  # ... of them with no meant word missed beside them (only added)
    repeated: int = 0  # most words heard said twice in a row that the narration says once

    @property
    def errors(self) -> int:
        """Words wrong: a substitution counts once, a word missed or added once."""
        return max(len(self.missing), len(self.added))

    @property
    def wer(self) -> float:
        """Word error rate: words missed or added (alike spellings aside) per meant word."""
        return self.errors / max(len(self.meant), 1)


def longest_run(flags: list[bool]) -> int:
    """The most True flags in a row."""
    best = run = 0
    for flag in flags:
        run = run + 1 if flag else 0
        best = max(best, run)
    return best


def compare(meant_text: str, heard_text: str) -> Comparison:
    meant = normal_words(meant_text)
    return compare_words(meant, heard_words(heard_text, meant))


def compare_words(meant: list[str], heard: list[str]) -> Comparison:
    pairs: list[tuple[int, int]] = []
    said: set[int] = set()  # meant words heard, if differently spelt or split
    caught: set[int] = set()  # heard words that stand for meant ones
    inserted: set[int] = set()  # heard words where no meant word is missed: only added
    if meant and heard:
        import jiwer

        chunks = jiwer.process_words(" ".join(meant), " ".join(heard)).alignments[0]
        for chunk in chunks:
            if chunk.type == "equal" or chunk.type == "substitute":
                for i, j in zip(range(chunk.ref_start_idx, chunk.ref_end_idx),
                                range(chunk.hyp_start_idx, chunk.hyp_end_idx)):
                    if chunk.type == "equal" or alike(meant[i], heard[j]):
                        pairs.append((i, j))
        for (i0, i1), (j0, j1) in _differing(chunks):
            if i1 == i0:
                inserted.update(range(j0, j1))
            if i1 > i0 and j1 > j0 and _spelt(meant[i0:i1], heard[j0:j1]):
                said.update(range(i0, i1))  # a name heard as pieces: "Dijkstra met" as
                caught.update(range(j0, j1))  # "Dakes dramet", not words missed and added
    said |= {i for i, _ in pairs}
    caught |= {j for _, j in pairs}
    lost = [i not in said for i in range(len(meant))]
    extra = [j not in caught for j in range(len(heard))]
    return Comparison(meant, heard, pairs,
                      missing=[w for w, f in zip(meant, lost) if f],
                      added=[w for w, f in zip(heard, extra) if f],
                      missing_run=longest_run(lost), added_run=longest_run(extra),
                      inserted_run=longest_run([f and j in inserted for j, f in enumerate(extra)]),
                      repeated=_repeated(heard, meant, extra))


def _spelt(meant: list[str], heard: list[str]) -> bool:
    """Whether ``heard`` spells ``meant`` another way: their letters, run together, are alike
    and about as many (a phrase said twice has twice the letters)."""
    said, got = "".join(meant), "".join(heard)
    return max(len(said), len(got)) <= 1.4 * min(len(said), len(got)) and alike(said, got)


def _differing(chunks) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The stretches where meant and heard words differ: ((meant from, to), (heard from, to))
    over each run of jiwer chunks between two equal ones."""
    out, region = [], None
    for chunk in list(chunks) + [None]:
        if chunk is None or chunk.type == "equal":
            if region is not None:
                out.append(region)
            region = None
            continue
        i0, i1, j0, j1 = (chunk.ref_start_idx, chunk.ref_end_idx, chunk.hyp_start_idx,
                          chunk.hyp_end_idx)
        region = ((i0, i1), (j0, j1)) if region is None else \
            ((region[0][0], i1), (region[1][0], j1))
    return out


def _repeated(heard: list[str], meant: list[str], extra: list[bool], gap: int = 2) -> int:
    """The most words heard twice in a row, or with up to ``gap`` words between the two
    sayings (a voice looping back: "everything them, the colons tell you everything the"),
    when the narration does not say them that often and one of the two sayings is mostly
    words the narration does not account for (``extra``): a phrase misheard into its
    neighbour ("to B, then to D" heard as "to D, then to D") is said once each, not twice."""
    best = 0
    for start in range(len(heard)):
        for size in range(max(best + 1, 2), (len(heard) - start) // 2 + 1):
            piece = heard[start:start + size]
            again = start + size
            for g in range(gap + 1):
                if heard[again + g:again + g + size] != piece or _count(meant, piece) >= 2:
                    continue
                if any(2 * sum(extra[j:j + size]) > size for j in (start, again + g)):
                    best = size
                    break
    return best


def _count(words: list[str], piece: list[str]) -> int:
    size = len(piece)
    return sum(words[i:i + size] == piece for i in range(len(words) - size + 1))
