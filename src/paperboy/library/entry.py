"""One entry of a member's reference library, as a BibTeX, CSL-JSON or RIS file describes it,
and what its parsers return (the entries read, a rejection for each one that could not be).

Every entry is cleaned when it is made (:func:`make_entry`), so whatever a parser accepts
can be stored: no NUL or lone surrogate, no control characters, sizes within the limits a
stored paper keeps (:mod:`paperboy.papers.limits`), links that are http(s) only. The arXiv
id is looked for everywhere a reference manager puts it (:func:`find_arxiv_id`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote

from paperboy.papers import limits
from paperboy.papers.record import (
    ARXIV_ID,
    ARXIV_VERSION,
    clean_text,
    normalise_title,
    parse_arxiv_id,
)

DOI_MAX = 300  # DOIs are short; a longer "DOI" is something else
KEY_MAX = 200  # a cite key


class LibraryError(ValueError):
    """A library file that cannot be imported at all (its message says why, for the member)."""


@dataclass(frozen=True)
class Entry:
    """One reference: what the import matches against known papers and stores."""

    title: str
    abstract: str = ""
    authors: tuple[str, ...] = ()
    year: int | None = None
    arxiv_id: str | None = None
    doi: str | None = None
    url: str | None = None
    cite_key: str | None = None

    @property
    def title_key(self) -> str:
        """The same normalised title stored papers carry (``papers.title_key``)."""
        return normalise_title(self.title)


@dataclass(frozen=True)
class Rejection:
    """One entry a parser could not read: where ("entry 3 (smith2020)", "line 41"), and why."""

    where: str
    reason: str


@dataclass
class Parsed:
    """What a parser read: the entries, the rejections, and the format's name."""

    entries: list[Entry] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    format: str = ""


# An arXiv id, new style (1706.03762) or old style (hep-th/9901001, math.GT/0309136), with an
# optional version; parse_arxiv_id (papers.record) then splits the version off.
_ID = rf"{ARXIV_ID}{ARXIV_VERSION}?"  # ASCII only (see papers.record.ARXIV_ID)
_BARE = re.compile(rf"\s*(?:arxiv\s*:\s*)?({_ID})\s*", re.IGNORECASE)
_URL = re.compile(rf"arxiv\.org/(?:abs|pdf|html|format)/({_ID})", re.IGNORECASE)
_DOI = re.compile(rf"10\.48550/arxiv\.({_ID})", re.IGNORECASE)
_IN_TEXT = re.compile(rf"\barxiv\s*:\s*({_ID})", re.IGNORECASE)
_DOI_PREFIX = re.compile(r"^\s*(?:doi\s*:\s*|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)


def _normal_id(raw: str) -> str | None:
    found = parse_arxiv_id(raw)
    return found[0] if found else None


def arxiv_from_eprint(eprint: str | None, archive: str | None = None) -> str | None:
    """The arXiv id of an ``eprint`` field ("1706.03762v5", "arXiv:hep-th/9901001"), unless
    its ``archivePrefix`` names another archive.

    >>> arxiv_from_eprint("arXiv:1706.03762v5"), arxiv_from_eprint("hep-th/9901001", "arXiv")
    ('1706.03762', 'hep-th/9901001')
    >>> arxiv_from_eprint("PMC123456", "PubMed") is None
    True
    """
    if not eprint or (archive and archive.strip().casefold() != "arxiv"):
        return None
    m = _BARE.fullmatch(eprint)
    return _normal_id(m.group(1)) if m else arxiv_from_url(eprint) or arxiv_from_doi(eprint)


def arxiv_from_url(url: str | None) -> str | None:
    """The arXiv id of an arxiv.org abs/pdf/html link, without its version.

    >>> arxiv_from_url("https://arxiv.org/pdf/2312.17653v2.pdf")
    '2312.17653'
    >>> arxiv_from_url("http://arxiv.org/abs/hep-th/9901001v1")
    'hep-th/9901001'
    """
    if not url:
        return None
    m = _URL.search(unquote(url))
    return _normal_id(m.group(1)) if m else None


def arxiv_from_doi(doi: str | None) -> str | None:
    """The arXiv id of an arXiv DOI (10.48550/arXiv.XXXX).

    >>> arxiv_from_doi("https://doi.org/10.48550/arXiv.1706.03762")
    '1706.03762'
    """
    if not doi:
        return None
    m = _DOI.search(doi)
    return _normal_id(m.group(1)) if m else None


def arxiv_from_text(text: str | None) -> str | None:
    """An arXiv id a free-text field gives ("arXiv preprint arXiv:1810.04805", a link, a DOI).

    >>> arxiv_from_text("arXiv preprint arXiv:1810.04805")
    '1810.04805'
    """
    if not text:
        return None
    m = _IN_TEXT.search(text)
    return _normal_id(m.group(1)) if m else arxiv_from_url(text) or arxiv_from_doi(text)


def find_arxiv_id(
    *,
    eprint: str | None = None,
    archive: str | None = None,
    urls: Iterable[str | None] = (),
    doi: str | None = None,
    texts: Iterable[str | None] = (),
) -> str | None:
    """The first arXiv id found, most explicit first: eprint, DOI, links, then free text."""
    found = arxiv_from_eprint(eprint, archive) or arxiv_from_doi(doi)
    if found:
        return found
    for url in urls:
        if found := arxiv_from_url(url):
            return found
    for text in texts:
        if found := arxiv_from_text(text):
            return found
    return None


def _clean(text: object, cap: int) -> str:
    """Text made storable: forbidden characters dropped, spacing collapsed, cut at ``cap``."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    return clean_text(limits.xml_safe(text))[:cap]


def clean_doi(doi: object) -> str | None:
    """A DOI without its resolver prefix ("https://doi.org/", "doi:"), or None.

    >>> clean_doi("https://doi.org/10.48550/arXiv.1706.03762")
    '10.48550/arXiv.1706.03762'
    """
    text = _clean(doi, DOI_MAX + 100)
    text = _DOI_PREFIX.sub("", text).strip()
    return text if text.startswith("10.") and len(text) <= DOI_MAX else None


def year_of(value: object) -> int | None:
    """A plausible publication year found in ``value`` ("2017", "2017-06-12", "June 2017").

    >>> year_of("2017-06-12"), year_of("n.d."), year_of(1850)
    (2017, None, None)
    """
    if isinstance(value, int) and not isinstance(value, bool):
        year = value
    else:
        m = re.search(r"(?<!\d)(\d{4})(?!\d)", value if isinstance(value, str) else "")
        if m is None:
            return None
        year = int(m.group(1))
    return year if limits.EARLIEST.year <= year <= limits.LATEST.year else None


def make_entry(
    where: str,
    *,
    title: object,
    abstract: object = "",
    authors: Iterable[object] = (),
    year: int | None = None,
    arxiv_id: str | None = None,
    doi: object = None,
    url: object = None,
    cite_key: object = None,
) -> Entry | Rejection:
    """An :class:`Entry` cleaned to what can be stored, or the :class:`Rejection` saying why not."""
    title_text = _clean(title, limits.TITLE_MAX + 1)
    if not normalise_title(title_text):
        return Rejection(where, "no title")
    if len(title_text) > limits.TITLE_MAX:
        return Rejection(where, f"title longer than {limits.TITLE_MAX} characters")
    names = [_clean(a, limits.AUTHOR_MAX) for a in authors]
    link = url if isinstance(url, str) else None
    return Entry(
        title=title_text,
        abstract=_clean(abstract, limits.SUMMARY_MAX),
        authors=tuple(n for n in names if n)[: limits.AUTHORS_MAX],
        year=year,
        arxiv_id=arxiv_id,
        doi=clean_doi(doi),
        url=limits.safe_url(link.strip()) if link else None,
        cite_key=_clean(cite_key, KEY_MAX) or None,
    )


def add(parsed: Parsed, made: Entry | Rejection) -> None:
    """Add what :func:`make_entry` made to ``parsed``."""
    if isinstance(made, Entry):
        parsed.entries.append(made)
    else:
        parsed.rejected.append(made)
