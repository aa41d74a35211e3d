"""Inline Markdown: what a line of text means once the block it is in is known. Text shown on
screen (a list item, a cell, a caption) and text spoken (a paragraph) lose their marks: links
become their text; emphasis, code marks, footnote references and HTML tags go; a backslash
escape (``\\*``, ``\\$``, ``\\{``) stands for the character itself. ``**term**`` in a paragraph is a
highlight: a bookmark before the spoken word."""

from __future__ import annotations

import html
import re

_ESCAPABLE = r"""!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~"""
# A backslash escape (\*, \$, \{ ...) stands for the character itself. While a text is parsed,
# each escaped character is a private-use character, so no rule below takes it for syntax.
_PRIVATE = 0xF0000


MARKS = frozenset("\\*_`$[]{}<>|#!&%=~^")  # what escape() escapes: every mark inline text has


def escape(text: str) -> str:
    """``text`` with a backslash before each character inline Markdown would read as a mark, so
    ``inline``/``spoken_text`` give ``text`` back as written (the inverse of ``protect``)."""
    return "".join(f"\\{c}" if c in MARKS else c for c in text)


def protect(text: str) -> str:
    return re.sub(r"\\([" + _ESCAPABLE + "])", lambda m: chr(_PRIVATE + ord(m.group(1))), text)


def restore(text: str) -> str:
    return re.sub(r"[\U000F0000-\U000F007F]", lambda m: chr(ord(m.group()) - _PRIVATE), text)


def plain(text: str) -> str:
    """Protected inline Markdown as plain text: links (and Obsidian's [[wiki links]]) as their
    text; emphasis, highlight and code marks, footnotes, comments and HTML tags dropped; HTML
    entities (&amp; &nbsp;) as their characters."""
    text = re.sub(r"<!--.*?-->|%%.*?%%", " ", text)  # HTML and Obsidian comments
    text = re.sub(r"!?\[\[([^\]|]+)\|([^\]]+)\]\]", r"\2", text)  # [[Page|shown]]
    text = re.sub(r"!?\[\[([^\]]+)\]\]", r"\1", text)  # [[Page]]
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)(?:\{[^}]*\})?", r"\1", text)  # [text](url){attrs}
    text = re.sub(r"\[\^[^\]]+\]|\^\[[^\]]*\]", "", text)  # [^1] and ^[inline footnotes]
    text = re.sub(r"\[([^\]]+)\]\[[^\]]*\]", r"\1", text)  # [text][ref]
    text = re.sub(r"<((?:https?|mailto):[^>\s]+)>", r"\1", text)  # <https://...>
    text = re.sub(r"</?(?!bookmark\b)[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>", " ", text)  # <br>
    text = re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: m.group(1) or m.group(2), text)
    text = re.sub(r"(?<!\w)([*_])(?!\s)(.+?)(?<!\s)\1(?!\w)", r"\2", text)  # *a*, not 2 * 3 * 4
    text = re.sub(r"~~(.+?)~~|==(.+?)==", lambda m: m.group(1) or m.group(2), text)
    text = text.replace("`", "")
    text = html.unescape(text)
    return " ".join(text.split())


def inline(text: str) -> str:
    """Text shown on screen (a list item, a cell, a caption): inline Markdown as plain text."""
    return restore(plain(protect(text)))


def split_cells(row: str, most: int = -1) -> list[str]:
    """``row`` split at '|' that are not escaped ('\\|'), escapes kept for ``_inline``."""
    return [re.sub(r"[\U000F0000-\U000F007F]", lambda m: "\\" + chr(ord(m.group()) - _PRIVATE),
                   cell).strip() for cell in protect(row).split("|", most)]


def cells(line: str) -> list[str]:
    """The cells of a table row (outer pipes optional)."""
    row = line.strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
    return split_cells(row)


def sentence(text: str) -> str:
    """``text`` ending as a sentence, so the voice pauses after it."""
    text = text.strip()
    return text if re.search(r"[.!?:;…]['\")\]]*$", text) else text + "."


def highlighted(text: str) -> tuple[str, list[str]]:
    """``**term**`` is spoken as "term" and flashes on screen as it is said: a bookmark ``h{k}``
    goes before it, and the term is returned so the template can find what to flash."""
    terms: list[str] = []

    def mark(match: re.Match) -> str:
        terms.append(match.group(1).strip())
        return f'<bookmark mark="h{len(terms)}"/>{match.group(1)}'

    return re.sub(r"\*\*(.+?)\*\*", mark, text), terms


def spoken_text(text: str, protected: bool = False) -> str:
    """Markdown marks are not spoken: emphasis, code marks, link targets, HTML tags, escapes.
    ``protected``: the text's escapes are already placeholders (restored by the caller)."""
    return plain(text) if protected else restore(plain(protect(text)))
