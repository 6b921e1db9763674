"""Search where users meet it: the /search page, the API, the search feed, similar papers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import HTTPException, Request

from paperboy.papers.limits import DATE_RANGE, EARLIEST, LATEST
from paperboy.search import Filters, SearchResult
from paperboy.search import query as q
from paperboy.search.hybrid import MODES, SORTS


@dataclass
class SearchParams:
    q: str
    mode: str = "hybrid"
    sort: str = "relevance"
    since: date | None = None
    until: date | None = None
    code: bool = False
    category: str | None = None
    fulltext: bool = False  # search inside papers' full text too ("Search inside papers", fulltext=1)

    @property
    def filters(self) -> Filters:
        return Filters(since=self.since, until=self.until, has_code=self.code, category=self.category or None)


def _day(name: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise HTTPException(400, f"{name} must look like 2024-11-08 (YYYY-MM-DD)") from None
    # the keyword index holds dates of this range only; beyond it a filter made it fail (500)
    if not EARLIEST <= day <= LATEST:
        raise HTTPException(400, f"{name} must be a day from {DATE_RANGE}")
    return day


def read_params(
    q_: str | None, mode: str | None, sort: str | None, since: str | None, until: str | None,
    code: str | None, category: str | None, *, strict_length: bool, fulltext: str | None = None,
) -> SearchParams:
    """Validate what a request asks; raise HTTPException(400) saying what is wrong."""
    text = q_ or ""
    if strict_length and len(text) > q.MAX_QUERY:
        raise HTTPException(400, f"q must be at most {q.MAX_QUERY} characters (got {len(text)})")
    if "\x00" in text:
        raise HTTPException(400, "q contains a NUL character")
    mode = mode or "hybrid"
    sort = sort or "relevance"
    if mode not in MODES:
        raise HTTPException(400, f"mode must be one of {', '.join(MODES)}")
    if sort not in SORTS:
        raise HTTPException(400, f"sort must be one of {', '.join(SORTS)}")
    if category and (len(category) > 40 or "\x00" in category):
        raise HTTPException(400, "category is not an arXiv category")
    return SearchParams(q=text, mode=mode, sort=sort, since=_day("since", since), until=_day("until", until),
                        code=(code or "").lower() in ("1", "true", "on", "yes"), category=category,
                        fulltext=(fulltext or "").lower() in ("1", "true", "on", "yes"))


def run(request: Request, p: SearchParams, offset: int, limit: int, months: bool = False) -> SearchResult:
    """``months``: also the matches per month (the page's chart; search/chart.py draws it)."""
    searcher = request.app.state.searcher
    with request.app.state.db.connection() as conn:
        return searcher.search(conn, p.q, filters=p.filters, sort=p.sort, mode=p.mode,
                               offset=offset, limit=limit, fulltext=p.fulltext, months=months)
