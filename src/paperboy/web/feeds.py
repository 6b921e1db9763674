"""Atom feeds of the daily papers and of trending papers (feedgen writes valid Atom)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from feedgen.feed import FeedGenerator

from paperboy import trending as trend
from paperboy.papers import listing
from paperboy.web.present import as_datetime

router = APIRouter(prefix="/feeds", tags=["feeds"])
ATOM = "application/atom+xml; charset=utf-8"
DAILY_DAYS = 3  # the daily feed carries the last few listed days, so a reader polling late misses none


def _feed(request: Request, name: str, title: str, subtitle: str, rows: list[dict[str, Any]],
          alternate: str | None = None) -> Response:
    base = str(request.base_url).rstrip("/")
    fg = FeedGenerator()
    fg.id(f"{base}/feeds/{name}")
    fg.title(title)
    fg.subtitle(subtitle)
    fg.link(href=str(request.url), rel="self")
    fg.link(href=alternate or (f"{base}/" if name == "daily.atom" else f"{base}/trending"), rel="alternate")
    fg.language("en")
    days = [r["day"] for r in rows if r.get("day")]
    fg.updated(as_datetime(max(days)) if days else as_datetime(date(2000, 1, 1)))
    for r in reversed(rows):  # feedgen prepends: add in reverse to keep our order
        e = fg.add_entry()
        url = f"{base}/papers/{r['id']}"
        e.id(url)
        e.title(r["title"])
        e.link(href=url)  # one link: the paper page (it links arXiv, PDF and code)
        for a in r["authors"][:20]:
            e.author({"name": a})
        if not r["authors"]:
            e.author({"name": "unknown"})
        e.summary(r["summary"] or r["title"])
        when = as_datetime(r.get("day") or r.get("published_at") or date(2000, 1, 1))
        e.published(when)
        e.updated(when)
        for c in r.get("categories") or []:
            e.category(term=c)
    return Response(fg.atom_str(pretty=True), media_type=ATOM)


@router.get("/daily.atom", summary="Atom feed: papers of the latest listed days")
def daily(request: Request) -> Response:
    with request.app.state.db.connection() as conn:
        latest = listing.latest_day(conn)
        rows: list[dict[str, Any]] = []
        if latest:
            period = listing.Period("day", latest - timedelta(days=DAILY_DAYS - 1), latest)
            rows, _ = listing.papers_in(conn, period, "publishedAt", 0, 200)
    return _feed(request, "daily.atom", "paperboy · daily papers",
                 "Papers of the latest days, newest day first", rows)


@router.get("/trending.atom", summary="Atom feed: trending papers")
def trending(request: Request) -> Response:
    with request.app.state.db.connection() as conn:
        rows, _, _ = trend.trending(conn, limit=50)
    return _feed(request, "trending.atom", "paperboy · trending papers", trend.ONE_LINE, rows)


@router.get("/search.atom", summary="Atom feed of a search: subscribe to a saved search")
def search_feed(request: Request, q: str, mode: str | None = None, category: str | None = None,
                code: str | None = None) -> Response:
    """The newest 50 papers matching the search (a feed reader sees new matches as they arrive)."""
    from urllib.parse import urlencode

    from paperboy.web import searching

    params = searching.read_params(q, mode, "date", None, None, code, category, strict_length=True)
    if not params.q.strip():
        from fastapi import HTTPException

        raise HTTPException(400, "q must not be empty")
    result = searching.run(request, params, 0, 50)
    rows = [{**r, "day": r.get("listed_on") or r.get("published_at")} for r in result.items]
    base = str(request.base_url).rstrip("/")
    return _feed(request, "search.atom", f"paperboy · search: {params.q}",
                 f"Newest papers matching {params.q!r}", rows,
                 alternate=f"{base}/search?{urlencode({'q': params.q, 'sort': 'date'})}")
