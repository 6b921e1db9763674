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


@lru_cache(maxsize=1024)
def _pattern(stems: frozenset[str]) -> tuple[re.Pattern[str], frozenset[str]]:
    """The words a match can be: those starting as a stem does (the stems' first letters)."""
    starts = frozenset(s[:3] for s in stems)
    if not all(s.isascii() for s in starts):  # (case folding beyond ASCII: every word is a candidate)
        return _WORD, starts
    # a text's words are runs of \w: a stem starting otherwise ("c++") matches none of them
    alternatives = "|".join(re.escape(s) for s in sorted(starts, key=len, reverse=True) if _WORD.fullmatch(s))
    if not alternatives:
        return re.compile(r"(?!)"), starts
    return re.compile(rf"(?<!\w)(?:{alternatives})\w*", re.IGNORECASE), starts


def spans(text: str, words: list[str]) -> list[tuple[int, int]]:
    """(start, end) of every word of ``text`` sharing a stem with one of ``words``."""
    stems = frozenset(stem(w) for w in words if len(w) > 1)
    if not stems or not text:
        return []
    # Stemming only trims endings, so a word can only share a stem that starts like it: the
    # regex engine finds the words starting so (a few in an abstract), and only those are
    # stemmed (testing every word of an abstract in Python cost ~2 ms of a search's page).
    candidates, starts = _pattern(stems)
    return [
        m.span() for m in candidates.finditer(text)
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
