"""What a stored paper may hold: the one set of rules every source, page and feed agrees on.

Parsers build :class:`~paperboy.papers.record.Paper` records, and a record checks itself
against these rules when it is made, so whatever a parser accepts can be stored, indexed
and written into a feed. A value that breaks a rule either is cleaned (control characters,
an unsafe link) or makes the record a named rejection (NUL, lone surrogates, numbers out of
range, implausible dates, oversized text).

The caps, and why:

- title: 600 characters (arXiv's longest titles are about 300; the normalised title is a
  btree key, which PostgreSQL limits to about 2,700 bytes, i.e. 600 four-byte characters);
- abstract: 10,000 characters (arXiv allows 1,920);
- comment: 2,000 characters; one author name: 1,000 (collaborations list themselves as
  one "author"); authors: 10,000; one category: 200 (arXiv keeps MSC/ACM class lists
  among them); categories: 50; a link: 2,000 characters;
- counts (upvotes, authors, version, stars, comments): 0 … 2,147,483,647 (PostgreSQL integer);
- dates: 1900-01-01 … 2099-12-31 (tantivy can hold 1677–2262; nothing older than print
  journals or later than this century is a real paper date).
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

TITLE_MAX = 600
SUMMARY_MAX = 10_000
COMMENT_MAX = 2_000
AUTHOR_MAX = 1_000
AUTHORS_MAX = 10_000
CATEGORY_MAX = 200
CATEGORIES_MAX = 50
URL_MAX = 2_000
EXTRA_TEXT_MAX = 10_000  # one string inside ``extra`` (an AI summary, a DOI…)
EXTRA_LIST_MAX = 100  # items of a list inside ``extra`` (AI keywords)
INT_MAX = 2**31 - 1

EARLIEST = date(1900, 1, 1)
LATEST = date(2099, 12, 31)
DATE_RANGE = f"{EARLIEST.isoformat()} to {LATEST.isoformat()}"

# Characters that break storage (PostgreSQL text has no NUL; UTF-8 has no lone surrogates).
_FORBIDDEN = re.compile(r"[\x00\ud800-\udfff]")
# Characters XML 1.0 (Atom feeds) forbids, other than those above; tab, LF and CR are fine.
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
# What browsers drop from a URL before reading its scheme ("java\tscript:" is "javascript:").
_URL_DROPPED = re.compile(r"[\x00-\x20\x7f-\x9f\ufeff\u200b-\u200f\u2028\u2029]")


def forbidden(text: str) -> str | None:
    """The name of a character ``text`` must not hold (NUL, a lone surrogate), or None.

    >>> forbidden("fine"), forbidden("a\\x00b"), forbidden("\\ud800")
    (None, 'a NUL character', 'a lone surrogate')
    """
    m = _FORBIDDEN.search(text)
    if m is None:
        return None
    return "a NUL character" if m.group() == "\x00" else "a lone surrogate"


def strip_control(text: str) -> str:
    """``text`` without the control characters XML cannot carry (tab and line breaks stay).

    >>> strip_control("Deep\\x01 Learning\\x7f")
    'Deep Learning'
    """
    if _CONTROL.search(text) is None:  # the common case costs one scan
        return text
    return _CONTROL.sub("", text)


def xml_safe(text: str) -> str:
    """``text`` with everything XML 1.0 forbids removed (for feeds built from any string)."""
    return strip_control(_FORBIDDEN.sub("", text))


def safe_url(value: object) -> str | None:
    """An http(s) URL fit for an ``href``, or None.

    Trimmed, with the characters browsers ignore removed first, so ``" JaVa\\tScRiPt:x"``
    is judged as the ``javascript:`` URL a browser would see.

    >>> safe_url(" https://github.com/a/b ")
    'https://github.com/a/b'
    >>> safe_url("java\\tscript:alert(1)") is None, safe_url("//evil.example") is None
    (True, True)
    """
    if not isinstance(value, str):
        return None
    url = _URL_DROPPED.sub("", value)
    if not url or len(url) > URL_MAX or _FORBIDDEN.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an invalid IPv6 host
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or not parts.hostname:
        return None
    return url


def plausible_date(d: date | None) -> bool:
    """Whether ``d`` is a date a paper can have (None, unknown, is fine)."""
    return d is None or EARLIEST <= d <= LATEST


def count_ok(n: int | None) -> bool:
    return n is None or 0 <= n <= INT_MAX
