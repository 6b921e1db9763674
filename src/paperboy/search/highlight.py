"""Marking the query's words in titles and abstracts (escaped HTML with <mark>)."""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer
from markupsafe import Markup, escape

_STEMMER = snowballstemmer.stemmer("english")
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    return _STEMMER.stemWord(word.lower())


def spans(text: str, words: list[str]) -> list[tuple[int, int]]:
    """(start, end) of every word of ``text`` sharing a stem with one of ``words``."""
    stems = {stem(w) for w in words if len(w) > 1}
    if not stems or not text:
        return []
    # Stemming only trims endings, so a word can only share a stem that starts like it:
    # checking the first letters first spares stemming nearly every word of an abstract.
    starts = {s[:3] for s in stems}
    return [
        m.span() for m in _WORD.finditer(text)
        if m.group()[:3].lower() in starts and stem(m.group()) in stems
    ]


def highlight(text: str, words: list[str]) -> Markup:
    """``text`` escaped, with every word sharing a stem with one of ``words`` in <mark>."""
    out: list[str] = []
    last = 0
    for start, end in spans(text, words):
        out.append(str(escape(text[last:start])))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        last = end
    out.append(str(escape(text[last:])))
    return Markup("".join(out))
