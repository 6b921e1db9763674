"""Titles and names between plain text and the LaTeX a BibTeX file holds, for the exports.

Titles keep maths between dollars (``LLM$\\times$MapReduce``). Into BibTeX (:func:`latex`,
:func:`bib_title`) the maths stays as written and every other character LaTeX reads as a
command is escaped, by pylatexenc's own table; the rest stays UTF-8. Out of it, for CSL-JSON
and RIS, whose readers print text as given (:func:`plain`), the maths becomes Unicode through
pylatexenc (``LLM×MapReduce``). A dollar is maths only in pairs that hug their content
(``$O(n^2)$``, not ``$5 to $10``).

BibTeX styles change a title's case (APA's sentence case makes "Movie Gen" "Movie gen");
:func:`bib_title` braces what must keep its capitals the way Zotero's BibTeX export does:
every word holding a capital letter, except a first word capitalised only at its start.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pylatexenc.latex2text import LatexNodes2Text
from pylatexenc.latexencode import (
    RULE_DICT,
    UnicodeToLatexConversionRule,
    UnicodeToLatexEncoder,
    get_builtin_uni2latex_dict,
)

# Maths: a dollar, content that neither starts nor ends with a space, a dollar ($x$, $\times$).
_MATH = re.compile(r"(?<![\\$])\$(?=[^\s$])[^$]*?[^\s\\$]\$|(?<![\\$])\$[^\s\\$]\$")
_WORD = re.compile(r"[^\W_]+")  # letters and digits: what BibTeX's case change touches
# "and" as a word of one name (two names run together, a stray conjunction): BibTeX would
# split the name there, so such a name is written whole, as a literal.
_AND = re.compile(r"(?<!\S)and(?!\S)", re.IGNORECASE)
# LaTeX's special characters (& -> \&, { -> \{, _ -> \_) by pylatexenc's table; every other
# character kept as it is (the file is UTF-8: pylatexenc's ASCII spellings of rarer letters
# do not read back the same).
_ASCII_SPECIALS = {c: latex for c, latex in get_builtin_uni2latex_dict().items() if c < 128 and c != ord('"')}
_ENCODER = UnicodeToLatexEncoder(
    conversion_rules=[UnicodeToLatexConversionRule(rule_type=RULE_DICT, rule=_ASCII_SPECIALS)],
    unknown_char_policy="keep",
    unknown_char_warning=False,
)
_TO_TEXT = LatexNodes2Text(math_mode="text")


def _pieces(text: str) -> Iterator[tuple[bool, str]]:
    """(is maths, piece) of ``text``, in order."""
    pos = 0
    for m in _MATH.finditer(text):
        if m.start() > pos:
            yield False, text[pos:m.start()]
        yield True, m.group()
        pos = m.end()
    if pos < len(text):
        yield False, text[pos:]


def latex(text: str) -> str:
    """``text`` for a BibTeX field: maths kept, LaTeX's special characters escaped.

    >>> latex("50% of $O(n^2)$ & {more}")
    '50\\\\% of $O(n^2)$ \\\\& \\\\{more\\\\}'
    """
    return "".join(piece if math else _ENCODER.unicode_to_latex(piece) for math, piece in _pieces(text))


def bib_title(title: str) -> str:
    """A title for BibTeX, its capitals braced so that no style lowers them.

    >>> bib_title("Movie Gen: A Cast of Media Foundation Models")
    'Movie {Gen}: {A} {Cast} of {Media} {Foundation} {Models}'
    >>> bib_title("LLM$\\\\times$MapReduce for $O(n)$ costs")
    '{LLM}$\\\\times${MapReduce} for {$O(n)$} costs'
    """
    out: list[str] = []
    first = True
    for math, piece in _pieces(title):
        if math:
            out.append(f"{{{piece}}}" if any(c.isupper() for c in piece) else piece)
            first = False
            continue
        pos = 0
        for m in _WORD.finditer(piece):
            word = m.group()
            out.append(_ENCODER.unicode_to_latex(piece[pos:m.start()]))
            capital_inside = any(c.isupper() for c in word[1:])
            protect = capital_inside or (word[0].isupper() and not first)
            out.append(f"{{{word}}}" if protect else word)
            first, pos = False, m.end()
        out.append(_ENCODER.unicode_to_latex(piece[pos:]))
    return "".join(out)


def is_literal(name: str) -> bool:
    """Whether a name holds "and" as a word (then it is written whole, never split).

    >>> is_literal("Donald Johann Jr. and Fred Prior"), is_literal("Alexander Anderson")
    (True, False)
    """
    return _AND.search(name) is not None


def plain(text: str) -> str:
    """``text`` with its maths as Unicode, for formats whose readers print text as given.

    >>> plain("LLM$\\\\times$MapReduce: $\\\\alpha$-scaling costs $5 to $10")
    'LLM×MapReduce: α-scaling costs $5 to $10'
    """
    if "$" not in text:
        return text
    return "".join(_to_text(piece) if math else piece for math, piece in _pieces(text))


def _to_text(math: str) -> str:
    try:
        return _TO_TEXT.latex_to_text(math).strip() or math
    except Exception:  # noqa: BLE001 -- pylatexenc on odd input: keep the maths as written
        return math
