"""The one read model of a stored paper: what pages, the JSON API, the Atom feeds and the
digest emails show of a row of ``papers``.

Build it with :func:`of` from a row (``SELECT * FROM papers``, plus whatever a list adds:
``day``, search highlights). Everything a reader sees that is computed rather than stored
lives here once: the outside links, the author count and line, the abstract excerpts, the
day a list shows, and the Hugging Face JSON shapes.

A stored row may predate today's checks (or come from a parser's bug), so every outside
link is checked again here with :func:`~paperboy.papers.limits.safe_url`: no page, feed,
email or API answer hands out a javascript: (or other non-http) URL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import urlencode

from paperboy.keyphrases import Shown, api_keywords
from paperboy.papers import hub_view
from paperboy.papers.limits import safe_url
from paperboy.papers.record import arxiv_month

EXCERPT = 1_000  # characters of an abstract on a list: cards clamp to a few lines anyway
DELETED_MEMBER = "deleted member"  # how a deleted account is named wherever it acted (submitter, author, log)
EMAIL_EXCERPT = 320  # an email shows a few lines of each abstract; the page has it whole


def excerpt(text: str | None, limit: int = EXCERPT) -> str:
    """``text`` cut to at most ``limit`` characters at a word, with an ellipsis when cut
    (a list of 30 papers must not carry 30 whole abstracts, whatever their size).

    >>> excerpt("one two three", 9)
    'one two…'
    """
    text = text or ""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit // 2:  # a word boundary not too far back; else cut inside the word
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


def email_excerpt(text: str | None, limit: int = EMAIL_EXCERPT) -> str:
    """The shorter cut a digest email carries: at the last word within ``limit``, then " …".

    >>> email_excerpt("one two three", 9)
    'one two …'
    """
    text = text or ""
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def as_datetime(d: date) -> datetime:
    """Midnight UTC of ``d`` (feeds need a datetime where a paper only has a day)."""
    return datetime.combine(d, time(0, 0), tzinfo=UTC)


def _iso_day(d: date | None) -> str | None:
    """HF writes dates as ISO datetimes in UTC: 2024-04-01T00:00:00.000Z."""
    return f"{d.isoformat()}T00:00:00.000Z" if d else None


# What a paper's date is (PaperView.when; ``publishedAtSource`` in the API; docs/web.md#dates).
PUBLISHED = "published"  # a source gave it: arXiv's first version, HF's publishedAt, a listing page
ARXIV_ID = "arxiv-id"  # the year and month its arXiv id begins with; the day stands at the 1st
LISTED = "listed"  # only a bound: the first day a daily list showed it, so published then or before
_NOTES = {PUBLISHED: "published on this day",
          ARXIV_ID: "the month of its arXiv id; the day is not known",
          LISTED: "first listed on this day: published then or before"}


@dataclass(frozen=True)
class PaperDate:
    """When a paper came out, as far as the hub knows, and what kind of date that is."""

    day: date  # for ARXIV_ID the first of the month
    source: str  # PUBLISHED, ARXIV_ID or LISTED

    @property
    def month_only(self) -> bool:
        return self.source == ARXIV_ID

    @property
    def listed(self) -> bool:
        return self.source == LISTED

    @property
    def text(self) -> str:
        """"Nov 4, 2024", or "Nov 2024" when only the month is known."""
        return self.day.strftime("%b %Y" if self.month_only else "%b %-d, %Y")

    @property
    def iso(self) -> str:
        """For ``<time datetime>``: 2024-11-04, or 2024-11 for a month."""
        return self.day.isoformat()[:7] if self.month_only else self.day.isoformat()

    @property
    def verb(self) -> str:
        """How the paper page introduces it: "published", or "listed" for a bound."""
        return "listed" if self.listed else "published"

    @property
    def note(self) -> str:
        """What the date is, in words (a tooltip)."""
        return _NOTES[self.source]


def paper_date(published: date | None, arxiv_id: str | None, listed: date | None) -> PaperDate | None:
    """The publication date when a source gave one; else the month the arXiv id was given,
    unless the paper was listed before that month began; else the first listing day, which
    bounds it (a paper is listed no earlier than it is published); else None.

    >>> paper_date(None, "2411.04905", date(2024, 11, 6))
    PaperDate(day=datetime.date(2024, 11, 1), source='arxiv-id')
    >>> paper_date(None, "t-3f2a", date(2024, 11, 6)).text
    'Nov 6, 2024'
    """
    if published:
        return PaperDate(published, PUBLISHED)
    month = arxiv_month(arxiv_id)
    if month and (listed is None or month <= listed):
        return PaperDate(month, ARXIV_ID)
    return PaperDate(listed, LISTED) if listed else None


@dataclass(frozen=True)
class Links:
    """The outside links of a paper, each an http(s) URL or None."""

    arxiv: str | None = None
    pdf: str | None = None
    code: str | None = None
    project: str | None = None


def links(row: Mapping[str, Any]) -> Links:
    aid = row.get("arxiv_id")
    return Links(
        arxiv=safe_url(f"https://arxiv.org/abs/{aid}") if aid else None,
        # a stored PDF link wins; without one (or with an unsafe one) arXiv's own
        pdf=safe_url(row.get("pdf_url")) or (safe_url(f"https://arxiv.org/pdf/{aid}") if aid else None),
        code=safe_url(row.get("github_repo")),
        project=safe_url(row.get("project_page")),
    )


@dataclass(frozen=True)
class PaperView:
    """A stored paper as readers see it. Templates get this object, never the raw row."""

    id: str
    title: str
    summary: str
    authors: tuple[str, ...]
    n_authors: int  # names may be fewer: a listing page often says only "6 authors"
    upvotes: int  # shown: imported from HF (0 when unknown) plus community votes
    links: Links
    arxiv_id: str | None = None
    version: int | None = None
    categories: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    published_at: date | None = None
    updated_at: date | None = None
    listed_on: date | None = None  # the first day any daily feed listed it
    day: date | None = None  # the day of the list it is shown in (set by listings and trending)
    comment: str | None = None
    withdrawn: bool = False
    # From ``extra``: what Hugging Face knows and arXiv does not (None or 0 when unknown).
    github_stars: int | None = None
    found: hub_view.Found = hub_view.NOTHING  # star growth, the code's origin, the Hub's repos (enrich/)
    ai_keywords: list[str] | None = None
    doi: str | None = None  # the publisher's DOI and the journal reference, as arXiv gives them
    journal_ref: str | None = None
    ai_keywords: list[str] | None = None  # Hugging Face's, as imported
    keyphrases: Shown = Shown()  # computed here (paperboy.keyphrases), and how
    submitted_by: str | None = None  # a member's name, "deleted member", or HF's submitter
    submitted_here: bool = False  # by a member of this instance (else on Hugging Face)
    num_comments: int | None = 0  # imported from HF plus this instance's comments
    # This instance's own: votes and shown comments of its members; who submitted it here.
    community_upvotes: int = 0
    community_comments: int = 0
    hf_upvotes: int = 0
    hidden: bool = False
    pinned: bool = False
    # Search results only: title and abstract with the matched words marked (safe Markup).
    highlighted_title: Any = None
    highlighted_summary: Any = None

    @property
    def path(self) -> str:
        """The paper's page, relative to the site (prefix PAPERBOY_BASE_URL for a feed or email)."""
        return f"/papers/{self.id}"

    @property
    def search_link(self) -> str | None:
        """Without an arXiv id (an id like t-3f2a…, from a saved listing page): arXiv's search
        for the title, to find the paper there; None for an arXiv paper.

        >>> of({"id": "t-1", "title": "Movie Gen: A Cast", "summary": ""}).search_link
        'https://arxiv.org/search/?query=Movie+Gen%3A+A+Cast&searchtype=title'
        """
        if self.arxiv_id:
            return None
        query = urlencode({"query": " ".join(self.title.split())[:300], "searchtype": "title"})
        return safe_url(f"https://arxiv.org/search/?{query}")

    @property
    def when(self) -> PaperDate | None:
        """The date pages show and ``publishedAt`` holds, with what kind of date it is."""
        return paper_date(self.published_at, self.arxiv_id, self.listed_on)

    @property
    def shown_on(self) -> date | None:
        """The day a feed or email shows: listed, else published."""
        return self.day or self.listed_on or self.published_at

    @property
    def excerpt(self) -> str:
        return excerpt(self.summary)

    @property
    def email_excerpt(self) -> str:
        return email_excerpt(self.summary)

    @property
    def authors_line(self) -> str:
        """The first three names, "et al." when there are more, or just the count.

        >>> of({"id": "x", "title": "T", "summary": "", "authors": ["A", "B", "C", "D"]}).authors_line
        'A, B, C et al.'
        >>> of({"id": "x", "title": "T", "summary": "", "num_authors": 6}).authors_line
        '6 authors'
        """
        first = self.authors[:3]
        if not first:
            return f"{self.n_authors} authors"
        return ", ".join(first) + (" et al." if self.n_authors > len(first) else "")

    @property
    def byline(self) -> str:
        """A card's author line: the first three names ("and others" when there are more) and
        the count; only the count when no names are known; "" when neither is.

        >>> of({"id": "x", "title": "T", "summary": "", "authors": ["A", "B", "C", "D"]}).byline
        'A, B, C and others · 4 authors'
        >>> of({"id": "t-1", "title": "T", "summary": ""}).byline
        ''
        """
        names = ", ".join(self.authors[:3]) + (" and others" if self.n_authors > 3 else "")
        count = f"{self.n_authors} author{'' if self.n_authors == 1 else 's'}" if self.n_authors else ""
        return " · ".join(part for part in (names, count) if part)

    @property
    def authors_text(self) -> str:
        """The paper page's authors: every name, "and N more" for those only counted, "N
        authors" when only the count is known, "" when nothing is."""
        more = self.n_authors - len(self.authors)
        if not self.authors:
            return f"{self.n_authors} authors" if self.n_authors else ""
        return ", ".join(self.authors) + (f" and {more} more" if more > 0 else "")

    def hf_paper(self) -> dict[str, Any]:
        """The HF papers API ``paper`` object, plus a few fields HF lacks (camelCase like HF).
        ``publishedAt`` is :attr:`when` (HF's client parses it); ``publishedAtSource`` says
        what it is: "published", "arxiv-id" (its month; the day is the 1st) or "listed"."""
        when = self.when
        return {
            "id": self.id,
            "title": self.title,
            "summary": self.summary,
            "authors": [{"name": a} for a in self.authors],
            "numAuthors": self.n_authors,
            "publishedAt": _iso_day(when.day if when else None),
            "publishedAtSource": when.source if when else None,
            "upvotes": self.upvotes,
            "communityUpvotes": self.community_upvotes,
            "hfUpvotes": self.hf_upvotes,
            "numComments": self.num_comments,
            "communityComments": self.community_comments,
            "githubRepo": self.links.code,
            "githubStars": self.github_stars,
            "projectPage": self.links.project,
            **self.found.hf(),
            **api_keywords(self.ai_keywords, self.keyphrases),  # ai_keywords and whose they are
            "arxivId": self.arxiv_id,
            "categories": list(self.categories),
            "doi": self.doi,
            "journalRef": self.journal_ref,
            "pdfUrl": self.links.pdf,
            "comment": self.comment,
            "withdrawn": self.withdrawn,
            "submittedOnDailyBy": self.submitter_user(),
        }

    def submitter_user(self) -> dict[str, Any] | None:
        """Who put it on a Daily list, as HF's user object; None when no one known or the
        member's account was deleted (no account to name: pages say "deleted member")."""
        if not self.submitted_by or (self.submitted_here and self.submitted_by == DELETED_MEMBER):
            return None
        return hf_user(self.submitted_by, self.submitted_here)

    def hf_daily_item(self) -> dict[str, Any]:
        """One item of ``/api/daily_papers``: the paper and the day it was listed."""
        return {
            "paper": self.hf_paper(),
            "publishedAt": _iso_day(self.day or self.listed_on),
            "title": self.title,
            "summary": self.summary,
            "numComments": self.num_comments,
            "submittedBy": self.submitter_user(),
        }


def _submitter(row: Mapping[str, Any], extra: Mapping[str, Any]) -> str | None:
    """``submitter`` (store.submitter_sql): a member's name, '' for a deleted account,
    None when no member submitted it: then Hugging Face's submitter, if imported."""
    name = row.get("submitter")
    if name is None:
        return extra.get("submitted_by")
    return name or DELETED_MEMBER


def hf_user(name: str, here: bool) -> dict[str, Any]:
    """A user object as Hugging Face shapes one (``submittedBy``, ``submittedOnDailyBy``).
    ``_id`` is stable per name and place (HF's ids are 24 hex digits)."""
    key = f"{'member' if here else 'hf'}:{name.lower()}".encode()
    return {"_id": hashlib.sha1(key).hexdigest()[:24], "name": name, "fullname": name,
            "avatarUrl": "", "type": "user", "isPro": False}


def of(row: Mapping[str, Any]) -> PaperView:
    """The view of one stored row (a dict from ``SELECT * FROM papers``, maybe with ``day``)."""
    extra = row.get("extra") or {}
    authors = tuple(row.get("authors") or ())
    return PaperView(
        id=row["id"],
        title=row["title"],
        summary=row["summary"],
        authors=authors,
        n_authors=max(row.get("num_authors") or 0, len(authors)),
        upvotes=(row.get("upvotes") or 0) + (row.get("community_upvotes") or 0),
        hf_upvotes=row.get("upvotes") or 0,
        community_upvotes=row.get("community_upvotes") or 0,
        community_comments=row.get("community_comments") or 0,
        hidden=bool(row.get("hidden")),
        pinned=bool(row.get("pinned")),
        links=links(row),
        arxiv_id=row.get("arxiv_id"),
        version=row.get("version"),
        categories=tuple(row.get("categories") or ()),
        sources=tuple(row.get("sources") or ()),
        published_at=row.get("published_at"),
        updated_at=row.get("updated_at"),
        listed_on=row.get("listed_on"),
        day=row.get("day"),
        comment=row.get("comment"),
        withdrawn=bool(row.get("withdrawn")),
        github_stars=extra.get("github_stars"),
        found=hub_view.found(row, extra),
        ai_keywords=extra.get("ai_keywords"),
        doi=extra.get("doi") or None,
        journal_ref=extra.get("journal_ref") or None,
        keyphrases=Shown.of(row.get("keyphrases")),
        submitted_by=_submitter(row, extra),
        submitted_here=row.get("submitter") is not None,
        num_comments=(extra.get("num_comments") or 0) + (row.get("community_comments") or 0),
        highlighted_title=row.get("highlighted_title"),
        highlighted_summary=row.get("highlighted_summary"),
    )
