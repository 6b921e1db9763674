"""New: the firehose of papers from the followed arXiv categories, by day, week or month, by
category, sortable and searchable; the page (/new) and its JSON twin (/api/new_papers).

Daily (pages.py, /api/daily_papers) is what people chose; New is everything fetched. The
search box of /new filters the period's papers with PostgreSQL full-text search
(listing.papers_in's ``text``), so a paper is found the moment it is fetched, and only
among the papers of that period and category.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse

from paperboy.fetch.arxiv import check_category
from paperboy.papers import listing, view
from paperboy.search.query import MAX_QUERY
from paperboy.web import http
from paperboy.web.http import cacheable, next_link
from paperboy.web.templating import html, twin

api = APIRouter(prefix="/api", tags=["papers"])  # the HTTP API for programs (docs/api.md, /openapi.json)
pages = APIRouter(include_in_schema=False)  # pages for people, their forms and twins
PAGE_SIZE = 30
Page = Annotated[int, Query(ge=1, le=100_000, description="page number, from 1")]
Sort = Literal["upvotes", "publishedAt", "trending"]
PARAM = {"day": "date", "week": "week", "month": "month"}


def _category(value: str | None) -> str | None:
    if not value:
        return None
    try:
        if len(value) > 40:
            raise ValueError("a category is at most 40 characters")
        return check_category(value.strip())
    except ValueError as e:
        raise HTTPException(400, f"category: {e}") from None


def _text(value: str | None) -> str | None:
    text = " ".join((value or "").split())
    if "\x00" in text:
        raise HTTPException(400, "q contains a NUL character")
    if len(text) > MAX_QUERY:
        raise HTTPException(400, f"q must be at most {MAX_QUERY} characters (got {len(text)})")
    return text or None


@dataclass(frozen=True)
class Links:
    """Addresses of /new that keep what the reader chose (sort, category, words)."""

    sort: str
    category: str | None
    q: str | None

    def to(self, period: listing.Period | None = None, **change: Any) -> str:
        params: dict[str, Any] = {}
        if period is not None:
            params[PARAM[period.kind]] = period.key
        params |= {"sort": self.sort if self.sort != "upvotes" else None,
                   "category": self.category, "q": self.q}
        params |= change
        query = urlencode({k: v for k, v in params.items() if v})
        return f"/new?{query}" if query else "/new"


@pages.get("/new", response_class=HTMLResponse)
@cacheable
def new(
    request: Request,
    date: str | None = None,
    week: str | None = None,
    month: str | None = None,
    sort: str = "upvotes",
    category: str | None = None,
    q: str | None = None,
    page: Page = 1,
) -> HTMLResponse:
    if sort not in listing.SORTS:
        raise HTTPException(400, "sort must be upvotes, publishedAt or trending")
    period, cat, text = http.period(date, week, month), _category(category), _text(q)
    links = Links(sort, cat, text)
    with request.app.state.db.connection() as conn:
        if period is None:
            latest = listing.latest_day(conn, "new")
            if latest is None:
                return html(request, "new.html", {"period": None, "papers": [], "links": links,
                                                   "sort": sort, "category": cat, "words": text})
            period = listing.period_of("day", latest)
        rows, total = listing.papers_in(conn, period, sort, (page - 1) * PAGE_SIZE, PAGE_SIZE,
                                        board="new", category=cat, text=text)
        prev, nxt = listing.neighbours(conn, period, "new")
        categories = listing.categories_in(conn, period, "new")
    anchor = max((r["day"] for r in rows), default=period.start)
    switch = {k: listing.period_of(k, anchor) for k in ("day", "week", "month")}
    return html(request, "new.html", {
        "period": period, "papers": [view.of(r) for r in rows], "prev": prev, "next": nxt,
        "switch": switch, "sort": sort, "category": cat, "words": text, "categories": categories,
        "links": links, "param": PARAM[period.kind], "page": page, "total": total,
        "last": max(1, -(-total // PAGE_SIZE)), "offset": (page - 1) * PAGE_SIZE,
    }, json=twin("/api/new_papers", **{PARAM[period.kind]: period.key}, sort=sort, category=cat, q=text,
                 p=page - 1, limit=PAGE_SIZE))


@api.get(
    "/new_papers",
    summary="Papers that arrived from the followed arXiv categories (New) on a day, week or month",
    response_description="Items shaped like /api/daily_papers; `Link: <…>; rel=\"next\"` points to "
    "the next page when there is one, `X-Total-Count` says how many there are.",
)
@cacheable
def new_papers(
    request: Request,
    response: Response,
    date: Annotated[str | None, Query(description="a day, YYYY-MM-DD")] = None,
    week: Annotated[str | None, Query(description="an ISO week, YYYY-Www (e.g. 2024-W45)")] = None,
    month: Annotated[str | None, Query(description="a month, YYYY-MM")] = None,
    sort: Annotated[Sort, Query(description="upvotes (default), publishedAt or trending")] = "upvotes",
    category: Annotated[str | None, Query(description="only this arXiv category, e.g. cs.CL")] = None,
    q: Annotated[str | None, Query(description="only papers whose title, abstract or authors "
                                               "match these words (\"phrases\", -excluded, a OR b)")] = None,
    p: Annotated[int, Query(ge=0, le=1_000_000, description="page, from 0")] = 0,
    limit: Annotated[int, Query(ge=1, le=100, description="items per page, 1–100 (400 outside)")] = 50,
) -> list[dict[str, Any]]:
    """With no date, week or month: the latest day New has papers."""
    period, cat, text = http.period(date, week, month), _category(category), _text(q)
    with request.app.state.db.connection() as conn:
        if period is None:
            latest = listing.latest_day(conn, "new")
            if latest is None:
                return []
            period = listing.period_of("day", latest)
        rows, total = listing.papers_in(conn, period, sort, p * limit, limit, board="new",
                                        category=cat, text=text)
    if (p + 1) * limit < total:
        next_link(request, response, p=p + 1, limit=limit)
    response.headers["X-Total-Count"] = str(total)
    return [view.of(r).hf_daily_item() for r in rows]
