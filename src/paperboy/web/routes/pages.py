"""HTML pages: the daily/weekly/monthly feed, trending, a page per paper."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperboy import trending as trend
from paperboy.papers import listing, page, store, view
from paperboy.search.chart import monthly_svg
from paperboy.web import http, searching
from paperboy.web.http import cacheable
from paperboy.web.templating import html, twin

pages = APIRouter(include_in_schema=False)  # pages for people, their forms and twins
PAGE_SIZE = 30
PARAM = {"day": "date", "week": "week", "month": "month"}  # a period as the query names it
Page = Annotated[int, Query(ge=1, le=100_000, description="page number, from 1")]


def _db(request: Request):
    return request.app.state.db


def _query(request: Request) -> dict[str, str]:
    """The page's query, less its page number (a twin counts pages its own way: ``p``, from 0)."""
    return {k: v for k, v in request.query_params.items() if k not in ("page", "p", "limit")}


def _pages(total: int, page: int) -> dict:
    last = max(1, -(-total // PAGE_SIZE))
    return {"page": page, "last": last, "total": total}


@pages.get("/favicon.ico")
def favicon() -> RedirectResponse:
    """Browsers ask for /favicon.ico whatever the page says: point them at the icon."""
    return RedirectResponse("/static/favicon.svg", status_code=301)


@pages.get("/", response_class=HTMLResponse)
@cacheable
def home(request: Request, sort: str = "upvotes", page: Page = 1) -> HTMLResponse:
    return feed(request, sort=sort, page=page)


@pages.get("/papers", response_class=HTMLResponse)
@cacheable
def feed(
    request: Request,
    date: str | None = None,
    week: str | None = None,
    month: str | None = None,
    sort: str = "upvotes",
    page: Page = 1,
) -> HTMLResponse:
    if sort not in listing.SORTS:  # the orders /api/daily_papers knows too
        raise HTTPException(400, "sort must be upvotes, publishedAt or trending")
    period = http.period(date, week, month)
    if period is None and sort == "trending":  # as /api/daily_papers?sort=trending: the Trending list
        return RedirectResponse("/trending" + (f"?page={page}" if page > 1 else ""), status_code=307)
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
    }, json=twin("/api/daily_papers", **{PARAM[period.kind]: period.key}, sort=sort, p=page - 1, limit=PAGE_SIZE))


@pages.get("/trending", response_class=HTMLResponse)
@cacheable
def trending(request: Request, page: Page = 1,
             with_: Annotated[Literal["code"] | None, Query(alias="with")] = None) -> HTMLResponse:
    code = with_ == "code"  # only papers with code, their GitHub star growth counted (trending.py)
    with _db(request).connection() as conn:
        rows, total, ref = trend.trending(conn, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE, with_code=code)
    return html(request, "trending.html", {
        "papers": [view.of(r) for r in rows], "ref": ref, **_pages(total, page), "offset": (page - 1) * PAGE_SIZE,
        "with_code": code,
    }, json=twin("/api/daily_papers", sort="trending", p=page - 1, limit=PAGE_SIZE, **{"with": "code"})
        if code else twin("/api/trending", p=page - 1, limit=PAGE_SIZE))


@pages.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    q: str | None = None,
    mode: str | None = None,
    sort: str | None = None,
    since: str | None = None,
    until: str | None = None,
    code: str | None = None,
    category: str | None = None,
    fulltext: str | None = None,
    page: Page = 1,
) -> HTMLResponse:
    params = searching.read_params(q, mode, sort, since, until, code, category, strict_length=False,
                                   fulltext=fulltext)
    result = None
    if params.q.strip():
        result = searching.run(request, params, (page - 1) * PAGE_SIZE, PAGE_SIZE, months=True)
    return html(request, "search.html", {
        "params": params, "result": result, "q": params.q,
        "months_chart": monthly_svg(result.months, params.q) if result else "",
        "papers": [view.of(r) for r in result.items] if result else [],
        "passages": {r["id"]: r["passage"] for r in result.items if "passage" in r} if result else {},
        **_pages(result.total if result else 0, page), "offset": (page - 1) * PAGE_SIZE,
    }, json=twin("/api/papers/search", **_query(request), p=page - 1, limit=PAGE_SIZE) if result else None)


@pages.get("/papers/{paper_id:path}", response_class=HTMLResponse)
@cacheable
def paper(request: Request, paper_id: str) -> Response:
    with _db(request).connection() as conn:
        found = page.load(conn, paper_id, with_similar=True, with_text_status=True)
    if found is None:
        raise HTTPException(404, f"No paper with id {paper_id[:80]!r} in this hub.")
    if found.moved:  # merged into another paper by a curator: it lives there now
        return RedirectResponse(f"/papers/{quote(found.id, safe='/:')}", status_code=301)
    return html(request, "paper.html", {
        "p": found.paper, "days": found.days, "similar": found.similar, "comments": found.comments, "pins": found.pins,
        "text": found.text_status, "texts_on": request.app.state.config.fetch.fulltext != "off",
    }, json=f"/api{found.paper.path}")
