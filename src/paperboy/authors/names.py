"""Author names, normalised: the rules of migration 0024's SQL ``author_key`` in Python.

A name's *key* is what makes two spellings one author: case, accents, punctuation, spacing,
"Last, First" order and a trailing Jr./Sr./II–IV do not count. Names that differ only in their
given names being initials ("A. Vaswani" and "Ashish Vaswani") are a separate step, which needs
the corpus (page.py: merged only where one full name fits). Limits: docs/authors.md.

>>> key("Vaswani, Ashish"), key("ASHISH  VASWANI"), key("José Müller-Núñez")
('ashish vaswani', 'ashish vaswani', 'jose muller nunez')
>>> key("Martin Luther King, Jr."), key("Łukasz Kaiser"), initials(key("J.-P. Dupont"))
('martin luther king', 'lukasz kaiser', 'jp')
"""

from __future__ import annotations

import re
import unicodedata

SUFFIXES = ("jr", "sr", "ii", "iii", "iv")
# Letters NFKD does not take apart, as the SQL function replaces them.
_LETTERS = {"ø": "o", "ł": "l", "đ": "d", "ı": "i", "ð": "d", "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th"}
_COMMA = re.compile(r"[^,]*[^,\s][^,]*,[^,]*[^,\s][^,]*", re.DOTALL)
_MARKS = re.compile("[\u0300-\u036f]")
_NOT_ALNUM = re.compile(r"[\W_]+")
_SUFFIX = re.compile(r"( (?:jr|sr|ii|iii|iv))+$")
SHORT = re.compile(r"[^ ]( [^ ])* [^ ]+")  # a key whose given names are initials only


def key(name: str) -> str:
    """The normalised key of one written name ('' for a name without letters or digits)."""
    n = name
    if _COMMA.fullmatch(n):
        first, last = n.split(",")[1], n.split(",")[0]
        if _NOT_ALNUM.sub("", first).lower() not in SUFFIXES:
            n = f"{first} {last}"
    n = _MARKS.sub("", unicodedata.normalize("NFKD", n.lower()))
    n = "".join(_LETTERS.get(c, c) for c in n)
    n = _NOT_ALNUM.sub(" ", n).strip()
    return _SUFFIX.sub("", n).strip()


def surname(k: str) -> str:
    """A key's last word ("vaswani")."""
    return k.rsplit(" ", 1)[-1]


def initials(k: str) -> str:
    """The first letters of a key's given names: "jean pierre dupont" -> "jp"."""
    return "".join(w[0] for w in k.split(" ")[:-1] if w)


def is_short(k: str) -> bool:
    """Whether a key's given names are initials only ("a vaswani", "j p dupont")."""
    return SHORT.fullmatch(k) is not None
