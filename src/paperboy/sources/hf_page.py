"""Saved Hugging Face Daily Papers listing pages (a browser's "save as text").

The page chrome comes first, then one block per paper: a title line, a blank line, the
abstract as one line, and on some pages a metadata group::

    byAK and the research community

    Oct 17

    CosmicMan: A Text-to-Image Foundation Model for Humans

    We present CosmicMan, a text-to-image foundation model specialized for ...

      • 6 authors
    ·
    Apr 1, 2024 1

The metadata date is the paper's publication date (``Oct 13`` without a year means the
year the page was saved); the number after it is the upvote count. The date in the
chrome (``Oct 17``) is the day the page was saved, not a listing day: these pages are
search results spanning years. Resolved against the reference date, it becomes the
reference for the papers' year-less dates. Pages carry no arXiv ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from paperboy.papers.record import Paper, ParseError, Rejection, clean_text
from paperboy.sources.result import ParseResult

SOURCE = "hf-page"

# Lines of the page header, compared case-insensitively; some are missing on some pages.
CHROME = frozenset(
    {
        "new",
        "get trending papers in your email inbox!",
        "subscribe",
        "daily papers",
        "byak and the research community",
    }
)
# The header is short and holds no abstracts: look for chrome among this many leading
# non-blank lines, stopping at the first long line, so a paper titled "Subscribe" or a
# paper's date line further down is never taken for chrome.
_HEADER_LINES = 12
_LONG_LINE = 200

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# "Oct 13", "Apr 1, 2024", optionally followed by the upvote count: "Oct 13 2".
_DATE = re.compile(r"([A-Z][a-z]{2,8})\.? (\d{1,2})(?:, (\d{4}))?(?: (\d+))?")
_AUTHORS = re.compile(r"•\s*(\d+)\s+authors?")
_DOT = "·"
# How far after the reference date a year-less date may fall before it must be last year's.
_YEAR_SLACK = timedelta(days=7)

# (month, day, year or None, upvotes or None) as read from a date line.
_DateParts = tuple[int, int, int | None, int | None]


@dataclass
class _Draft:
    line: int
    title: str
    summary: str | None = None
    num_authors: int | None = None
    date_parts: _DateParts | None = None
    last: str = "title"  # the field a run of adjacent lines continues


def resolve_date(month: int, day: int, year: int | None, reference: date | None) -> date | None:
    """The date a page shows as ``Mon D[, YYYY]``; a year-less one is taken relative to
    ``reference`` (the day the page was saved): this year, unless that is more than a
    week in the future, then last year. ``None`` when it cannot be known or is invalid."""
    if year is not None:
        return _valid(year, month, day)
    if reference is None:
        return None
    for y in (reference.year, reference.year - 1):
        d = _valid(y, month, day)
        if d is not None and d <= reference + _YEAR_SLACK:
            return d
    return None


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _match_date(line: str) -> _DateParts | None:
    m = _DATE.fullmatch(line)
    if not m:
        return None
    word = m.group(1).lower()
    month = _MONTHS.index(word[:3]) + 1 if word[:3] in _MONTHS else 0
    full = date(2000, month, 1).strftime("%B").lower() if month else ""
    if not month or not full.startswith(word):
        return None
    year = int(m.group(3)) if m.group(3) else None
    return month, int(m.group(2)), year, int(m.group(4)) if m.group(4) else None


def _split_header(lines: list[str]) -> tuple[int, bool, _DateParts | None]:
    """Index of the first body line, whether any chrome was seen, and the page date."""
    end, chrome, seen = 0, False, 0
    page_date: _DateParts | None = None
    for i, line in enumerate(lines):
        if not line:
            continue
        seen += 1
        if seen > _HEADER_LINES or len(line) > _LONG_LINE or _AUTHORS.fullmatch(line):
            break
        if line.casefold() in CHROME:
            end, chrome = i + 1, True
        elif (d := _match_date(line)) and d[3] is None:
            end, page_date = i + 1, d
    return end, chrome, page_date


def _drafts(lines: list[str], start: int) -> list[_Draft]:
    drafts: list[_Draft] = []
    cur: _Draft | None = None
    after_blank = True
    for i in range(start, len(lines)):
        line = lines[i]
        if not line:
            after_blank = True
            continue
        if cur is not None and cur.summary is not None:
            # Metadata lines only count after an abstract: elsewhere they are text.
            if m := _AUTHORS.fullmatch(line):
                cur.num_authors, cur.last = int(m.group(1)), "meta"
                continue
            if line == _DOT:
                cur.last = "meta"
                continue
            if d := _match_date(line):
                cur.date_parts, cur.last = d, "meta"
                continue
        if cur is not None and not after_blank and cur.last in ("title", "summary"):
            # A hard-wrapped title or abstract: adjacent lines belong together.
            if cur.last == "title":
                cur.title += " " + line
            else:
                cur.summary = f"{cur.summary} {line}"
        elif cur is None or cur.summary is not None:
            cur = _Draft(line=i + 1, title=line)
            drafts.append(cur)
        else:
            cur.summary, cur.last = line, "summary"
        after_blank = False
    return drafts


def _is_block(d: _Draft) -> bool:
    """A title/abstract pair as HF shows it, not two paragraphs of prose."""
    if not d.summary or len(d.title) > 300 or d.title.endswith((".", ",", ";")):
        return False
    return len(d.summary) >= max(2 * len(d.title), 80)


def _lines(text: str) -> list[str]:
    # Split on "\n" only: str.splitlines() would also break on U+2028 and friends.
    return [line.strip() for line in text.lstrip("\ufeff").split("\n")]


def _mostly_blocks(drafts: list[_Draft]) -> bool:
    good = sum(_is_block(d) for d in drafts)
    return good >= 1 and good >= 0.8 * len(drafts)


def looks_like_page(text: str) -> bool:
    """Whether ``text`` has the page chrome or the title/blank/abstract block pattern."""
    lines = _lines(text)
    start, chrome, _ = _split_header(lines)
    return chrome or _mostly_blocks(_drafts(lines, start))


def parse(text: str, name: str = "<input>", reference_date: date | None = None) -> ParseResult:
    lines = _lines(text)
    start, chrome, page_date = _split_header(lines)
    drafts = _drafts(lines, start)
    if not chrome and not _mostly_blocks(drafts):
        raise ParseError(
            "does not look like a saved Hugging Face Daily Papers page "
            "(no page header and no title/abstract blocks)"
        )
    saved_on = resolve_date(*page_date[:3], reference_date) if page_date else None
    reference = saved_on or reference_date
    result = ParseResult()
    for d in drafts:
        if not d.summary:
            result.rejected.append(
                Rejection(f"line {d.line}", f"title without an abstract: {d.title[:60]!r}")
            )
            continue
        parts = d.date_parts
        published = resolve_date(*parts[:3], reference) if parts else None
        try:
            paper = Paper(
                title=clean_text(d.title),
                source=SOURCE,
                summary=clean_text(d.summary),
                num_authors=d.num_authors,
                published_at=published,
                upvotes=parts[3] if parts else None,
            )
        except ValueError as e:  # the record's own checks (dates, sizes, characters)
            result.rejected.append(Rejection(f"line {d.line}", str(e)))
            continue
        result.papers.append(paper)
    return result
