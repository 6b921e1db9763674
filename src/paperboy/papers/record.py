"""The one normalised paper record every source yields.

Field names follow the Hugging Face papers API where it has one (``summary``,
``published_at`` <-> ``publishedAt``, ``upvotes``, ``github_repo`` <-> ``githubRepo``);
how a stored paper is shown (links, author count, the HF JSON shape) is
:mod:`paperboy.papers.view`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from paperboy.papers import formats, limits
from paperboy.papers.checks import check

# New-style ids (0704.0001 … 2501.12345) and old-style ids (astro-ph/0601001, math.GT/0309136),
# without their version. Every parser of arXiv ids (submissions, library files, search, the
# sources) builds on these, so one rule holds everywhere: an id is ASCII. The (?a:…) group
# keeps it so under re.IGNORECASE too, where [a-z] would match "ſ" (long s) and "K" (Kelvin
# sign); and [0-9], unlike \d, refuses full-width and Arabic-Indic digits, which would make
# ids arXiv has never given and let a listed paper be named again.
NEW_ARXIV_ID = r"(?a:[0-9]{4}\.[0-9]{4,5})"
OLD_ARXIV_ID = r"(?a:[a-z][a-z\-]*(?:\.[A-Z]{2})?/[0-9]{7})"
ARXIV_ID = rf"(?:{NEW_ARXIV_ID}|{OLD_ARXIV_ID})"
ARXIV_VERSION = r"(?a:v[0-9]+)"
_NEW_ID = re.compile(rf"(?<![\w.])({NEW_ARXIV_ID})({ARXIV_VERSION})?(?![\w])")
_OLD_ID = re.compile(rf"(?<![\w.])({OLD_ARXIV_ID})({ARXIV_VERSION})?(?![\w])")
# A whole id, nothing around it (arxiv_month reads its year and month from its digits).
_WHOLE_ID = re.compile(rf"{ARXIV_ID}$")
# A conjunction a scraper left at either end of a name ("and Lei Bai", "Wanli Ouyang and"),
# with the commas around it; a name that is nothing else.
_STRAY_AND = re.compile(r"^[\s,;]*(?:and|&)(?:\s+|[\s,;]*$)|[\s,;]+(?:and|&)[\s,;]*$", re.IGNORECASE)


def parse_arxiv_id(text: str | None) -> tuple[str, int | None] | None:
    """Find an arXiv id in ``text`` (a bare id or a URL) and split off its version.

    >>> parse_arxiv_id("https://arxiv.org/abs/2312.17653v2")
    ('2312.17653', 2)
    >>> parse_arxiv_id("http://arxiv.org/abs/astro-ph/0601001v1")
    ('astro-ph/0601001', 1)
    >>> parse_arxiv_id("２４１１.０４９０５") is None  # ids are ASCII (see ARXIV_ID)
    True
    """
    if not text:
        return None
    m = _NEW_ID.search(text) or _OLD_ID.search(text)
    if not m:
        return None
    version = int(m.group(2)[1:]) if m.group(2) else None
    return m.group(1), version


def arxiv_month(arxiv_id: str | None) -> date | None:
    """The first day of the month an arXiv id was given: both id styles begin with the year
    and month (``YYMM.NNNNN`` since April 2007, ``archive/YYMMNNN`` from 1991 to March 2007).

    >>> arxiv_month("2411.04905"), arxiv_month("hep-th/9711200"), arxiv_month("t-3f2a")
    (datetime.date(2024, 11, 1), datetime.date(1997, 11, 1), None)
    """
    if not arxiv_id or not _WHOLE_ID.match(arxiv_id):
        return None
    new_style = "/" not in arxiv_id
    digits = arxiv_id.rpartition("/")[2]  # YYMM.NNNNN or YYMMNNN
    yy, mm = int(digits[:2]), int(digits[2:4])
    year = 2000 + yy if new_style or yy < 91 else 1900 + yy
    return date(year, mm, 1) if 1 <= mm <= 12 else None


def normalise_title(title: str) -> str:
    """The key two titles of one paper share: case, accents, punctuation and spacing removed."""
    t = unicodedata.normalize("NFKD", title)
    t = "".join(c for c in t if not unicodedata.combining(c))
    t = re.sub(r"[^\w]+", " ", t.casefold())
    return " ".join(t.split())


def clean_text(text: str | None) -> str:
    """Collapse the hard line breaks arXiv keeps in titles and abstracts into single spaces,
    and drop the control characters no feed can carry.

    >>> clean_text("Deep\\n  learning\\x01 for all")
    'Deep learning for all'
    """
    if not text:
        return ""
    return " ".join(limits.strip_control(text).split())


def clean_author(name: str) -> str:
    """An author name without a stray "and" (or "&") at either end: scraped author lists
    keep the conjunction of "A, B and C" on the last name. "" when nothing else is left.

    >>> clean_author("and Lei Bai"), clean_author("Wanli Ouyang, and"), clean_author("Anderson")
    ('Lei Bai', 'Wanli Ouyang', 'Anderson')
    """
    return _STRAY_AND.sub("", name).strip() if _STRAY_AND.search(name) else name


def clean_authors(names: Iterable[str]) -> tuple[str, ...]:
    """Names as :func:`clean_text` and :func:`clean_author` leave them, the empty ones dropped."""
    return tuple(c for n in names if (c := clean_author(clean_text(n))))


_WITHDRAWN = re.compile(
    r"^\W*(?:this (?:paper|article|submission|manuscript|work) (?:has been|is|was) )?withdrawn\b"
    r"|\b(?:paper|article|submission|manuscript) (?:has been|is|was) withdrawn\b"
    r"|\bwithdrawn by the (?:authors?|submitter)\b",
    re.IGNORECASE,
)


def is_withdrawn(comment: str | None, summary: str | None = None) -> bool:
    """Whether arXiv's comment (or a replaced abstract) says the paper was withdrawn.

    >>> is_withdrawn("This paper has been withdrawn by the author due to an error in Lemma 2")
    True
    >>> is_withdrawn("12 pages; v2 adds results on withdrawn drugs")
    False
    """
    return any(_WITHDRAWN.search(text) for text in (comment or "", (summary or "")[:200]))


def title_id(title: str) -> str:
    """A stable id for a paper whose arXiv id is unknown, derived from its normalised title."""
    return "t-" + hashlib.sha1(normalise_title(title).encode()).hexdigest()[:12]


# Sources whose author lists are complete and clean (each format says which of its own are).
COMPLETE_AUTHOR_SOURCES = formats.COMPLETE_AUTHOR_SOURCES


@dataclass(frozen=True)
class Paper:
    """One paper, as a source describes it.

    ``authors`` is the ordered list of names the source gives; ``num_authors`` is the
    author count when the source knows more (or only) a count, e.g. a saved listing
    page that says "6 authors".
    """

    title: str
    source: str
    arxiv_id: str | None = None
    version: int | None = None
    summary: str = ""
    authors: tuple[str, ...] = ()
    num_authors: int | None = None
    categories: tuple[str, ...] = ()
    published_at: date | None = None  # arXiv publication date (first version)
    updated_at: date | None = None  # arXiv date of the latest version
    listed_on: date | None = None  # the day it appeared on a daily feed
    upvotes: int | None = None
    github_repo: str | None = None
    project_page: str | None = None
    pdf_url: str | None = None
    comment: str | None = None
    # Whether ``authors`` is the full, clean list; by default known from the source.
    authors_complete: bool | None = None
    withdrawn: bool = False  # the authors withdrew it (arXiv says so in a new version)
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.authors_complete is None:
            complete = self.source in COMPLETE_AUTHOR_SOURCES and bool(self.authors)
            object.__setattr__(self, "authors_complete", complete)
        # Every record checks itself: what a parser accepts can be stored, indexed and put
        # in a feed. A ValueError here becomes the parser's named rejection of this record.
        check(self)

    @property
    def id(self) -> str:
        """arXiv id without version when known, else an id derived from the title."""
        return self.arxiv_id or title_id(self.title)

    @property
    def title_key(self) -> str:
        return normalise_title(self.title)

    def with_(self, **changes: Any) -> Paper:
        return replace(self, **changes)


class Rejection(Exception):
    """One record a parser could not turn into a paper; the rest of the file still imports."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


class ParseError(Exception):
    """The whole input is unusable (wrong format, truncated, an API error entry…)."""
