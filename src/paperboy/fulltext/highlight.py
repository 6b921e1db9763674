"""Search terms marked in a text (the Read view's ``?hl=term1+term2``): each piece of the text
escaped, each match wrapped in ``<mark>``. It works on text only, never on HTML: the renderer
(fulltext/render.py) calls it for Markdown's text tokens, so a term can neither reach into a
tag or an attribute nor bring one in (``?hl=<script>`` marks the words "script", escaped).

Terms are matched case-insensitively, at word starts (``rot`` marks "rotary", not "carrot");
at most :data:`MAX_TERMS` terms of :data:`MAX_TERM_CHARS` characters each are kept, and
words shorter than two characters are dropped (``a`` would mark the whole page).
"""

from __future__ import annotations

import re

from markdown_it.common.utils import escapeHtml

MAX_TERMS = 12
MAX_TERM_CHARS = 60
MAX_HL_CHARS = 500  # what is read of ?hl at all
_SPLIT = re.compile(r"[\s+,]+")
_QUOTED = re.compile(r'"([^"]+)"')
_EDGE = re.compile(r"^\W+|\W+$")


def terms(hl: str | None) -> list[str]:
    """The terms of a ``?hl=`` value: words, or phrases in double quotes, lower-cased, without
    repeats, longest first (so a phrase wins over a word inside it)."""
    if not hl:
        return []
    hl = hl[:MAX_HL_CHARS]
    phrases = [" ".join(p.split()) for p in _QUOTED.findall(hl)]  # kept as written: "f(x)", "a.b"
    words = [_EDGE.sub("", w) for w in _SPLIT.split(_QUOTED.sub(" ", hl))]  # "rotary," is rotary
    out: dict[str, None] = {}
    for t in phrases + words:
        t = t[:MAX_TERM_CHARS].lower()
        if len(t) >= 2 and not _EDGE.fullmatch(t):
            out.setdefault(t, None)
    return sorted(out, key=len, reverse=True)[:MAX_TERMS]


def pattern(words: list[str]) -> re.Pattern[str] | None:
    """One regular expression for all ``words`` (None when there are none)."""
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + ")", re.IGNORECASE)


def mark(text: str, found: re.Pattern[str] | None) -> tuple[str, int]:
    """``text`` as HTML (escaped), with every match of ``found`` in ``<mark>``; and the count."""
    if found is None:
        return escapeHtml(text), 0
    out, last, n = [], 0, 0
    for m in found.finditer(text):
        if m.end() == m.start():
            continue
        out.append(escapeHtml(text[last:m.start()]))
        out.append(f"<mark>{escapeHtml(m.group(0))}</mark>")
        last, n = m.end(), n + 1
    out.append(escapeHtml(text[last:]))
    return "".join(out), n
