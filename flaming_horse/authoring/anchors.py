"""Automatic anchors: a bullet appears when the narration first says its key word.

Used when a paragraph has no explicit {n} markers. For each item of a bullet list, recap or
comparison, and each step of a figure (its first content word: visit, compare, tangent ...), in
order, the first content word of the item is looked for in the narration after
the previous anchor; where found, a bookmark ``s{i}`` goes before that word. Items whose word is
not spoken stay unanchored and are spread evenly between their neighbours.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from flaming_horse.authoring.figures import FIGURES
from flaming_horse.authoring.storyboard import BulletList, Comparison, Recap, Visual

_WORD = re.compile(r"[A-Za-z0-9']+")
_TAG = re.compile(r"<bookmark[^>]*/>")
STOPWORDS = frozenset("""
a an and are as at be but by can do does for from has have how if in into is it its of on or so
that the their then there these this those to was we were what when where which who why will with
you your our they them than not no yes all any each every more most very just also
""".split())
PREFIX = 5  # words match when they share their first 5 letters ("squares" ~ "square")


def key_word(item: str) -> str | None:
    """The first content word of an item, lower case, or None."""
    for word in _WORD.findall(item.lower()):
        if word not in STOPWORDS and len(word) >= 3:
            return word
    return None


def _same_word(spoken: str, key: str) -> bool:
    spoken = spoken.lower()
    if len(spoken) < 3:
        return False
    n = min(PREFIX, len(key), len(spoken))
    return spoken[:n] == key[:n] and abs(len(spoken) - len(key)) <= 3


def items_of(visual: Visual | None) -> list[str]:
    if isinstance(visual, (BulletList, Recap)):
        return list(visual.items)
    if isinstance(visual, Comparison):
        return [visual.left_title, visual.right_title]
    if isinstance(visual, FIGURES) and getattr(visual, "steps", None):
        # step 1 is the figure itself; each later step is anchored on the word that says what
        # it does ("visit", "compare", "tangent"), where the narration says it
        return [""] + [" ".join(_strings(step)) for step in visual.steps]
    return []


def _strings(value: object) -> list[str]:
    """The words a figure step is written with, in order (its op first, then names, labels)."""
    if isinstance(value, str):
        return [value.replace("_", " ")]
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if isinstance(value, dict):
        return [w for v in value.values() for w in _strings(v)]
    if isinstance(value, (list, tuple)):
        return [w for v in value for w in _strings(v)]
    return []


def auto_anchor(narration: str, items: list[str]) -> str:
    """``narration`` with a bookmark ``s{i}`` before the word that says item i, where found."""
    visible = _TAG.sub(lambda m: " " * len(m.group()), narration)  # never match inside a tag
    spoken = [(m.start(), m.group()) for m in _WORD.finditer(visible)]
    inserts: list[tuple[int, str]] = []
    cursor = 0
    for number, item in enumerate(items, start=1):
        key = key_word(item)
        if key is None:
            continue
        for index in range(cursor, len(spoken)):
            if _same_word(spoken[index][1], key):
                inserts.append((spoken[index][0], f'<bookmark mark="s{number}"/>'))
                cursor = index + 1
                break
    for offset, tag in reversed(inserts):
        narration = narration[:offset] + tag + narration[offset:]
    return narration
