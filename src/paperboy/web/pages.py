"""HTML pages: the daily/weekly/monthly feed, trending, a page per paper."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperboy import trending as trend
from paperboy.community import comments, curation
from paperboy.papers import listing, store, view
from paperboy.search import similar
from paperboy.web import searching
from paperboy.web.templating import html

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 30
Page = Annotated[int, Query(ge=1, le=100_000, description="page number, from 1")]


def _db(request: Request):
    return request.app.state.db


def _pages(total: int, page: int) -> dict:
    last = max(1, -(-total // PAGE_SIZE))
    return {"page": page, "last": last, "total": total}


@router.get("/favicon.ico")
def favicon() -> RedirectResponse:
    """Browsers ask for /favicon.ico whatever the page says: point them at the icon."""
    return RedirectResponse("/static/favicon.svg", status_code=301)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, sort: str = "upvotes", page: Page = 1) -> HTMLResponse:
    return feed(request, sort=sort, page=page)


@router.get("/papers", response_class=HTMLResponse)
def feed(
    request: Request,
    date: str | None = None,
    week: str | None = None,
    month: str | None = None,
    sort: str = "upvotes",
    page: Page = 1,
) -> HTMLResponse:
    if sort not in ("upvotes", "publishedAt"):
        raise HTTPException(400, "sort must be upvotes or publishedAt")
    try:
        period = listing.parse_period(date, week, month)
    except listing.PeriodError as e:
        raise HTTPException(400, str(e)) from None
    with _db(request).connection() as conn:
        if period is None:
            latest = listing.latest_day(conn)
            if latest is None:
                return html(request, "empty.html", {"total": store.count(conn),
                                                    "new_day": listing.latest_day(conn, "new")})
            period = listing.period_of("day", latest)
        rows, total = listing.papers_in(conn, period, sort, (page - 1) * PAGE_SIZE, PAGE_SIZE)
        prev, nxt = listing.neighbours(conn, period)
    # switching between day, week and month keeps the latest listed day in view
    anchor = max((r["day"] for r in rows), default=period.start)
    switch = {k: listing.period_of(k, anchor).key for k in ("day", "week", "month")}
    return html(request, "papers.html", {
        "period": period, "papers": [view.of(r) for r in rows], "prev": prev, "next": nxt, "sort": sort, "switch": switch,
        **_pages(total, page), "offset": (page - 1) * PAGE_SIZE,
    })


@router.get("/trending", response_class=HTMLResponse)
def trending(request: Request, page: Page = 1) -> HTMLResponse:
    with _db(request).connection() as conn:
        rows, total, ref = trend.trending(conn, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return html(request, "trending.html", {
        "papers": [view.of(r) for r in rows], "ref": ref, **_pages(total, page), "offset": (page - 1) * PAGE_SIZE,
    })


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    q: str | None = None,
    mode: str | None = None,
    sort: str | None = None,
    since: str | None = None,
    until: str | None = None,
    code: str | None = None,
    category: str | None = None,
    page: Page = 1,
) -> HTMLResponse:
    params = searching.read_params(q, mode, sort, since, until, code, category, strict_length=False)
    result = None
    if params.q.strip():
        result = searching.run(request, params, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    return html(request, "search.html", {
        "params": params, "result": result, "q": params.q,
        "papers": [view.of(r) for r in result.items] if result else [],
        **_pages(result.total if result else 0, page), "offset": (page - 1) * PAGE_SIZE,
    })


@router.get("/papers/{paper_id:path}", response_class=HTMLResponse)
def paper(request: Request, paper_id: str) -> Response:
    with _db(request).connection() as conn:
        row = store.get(conn, paper_id)
        if row is None:
            raise HTTPException(404, f"No paper with id {paper_id[:80]!r} in this hub.")
        if row["id"] != paper_id:  # merged into another paper by a curator: it lives there now
            return RedirectResponse(f"/papers/{quote(row['id'], safe='/:')}", status_code=301)
        days = listing.listing_days(conn, row["id"])
        near = similar(conn, row["id"], limit=6)
        thread = comments.thread(conn, row["id"])
        pins = curation.pins_of(conn, row["id"])
    return html(request, "paper.html", {
        "p": view.of(row), "days": days, "similar": [view.of(r) for r in near],
        "comments": thread, "pins": pins,
    })
