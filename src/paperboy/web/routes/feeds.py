"""Atom feeds of the daily papers and of trending papers (feedgen writes valid Atom).

Every string written into a feed passes through ``xml_safe``: one control character in a
stored title (or in a search query) would otherwise make the whole feed fail to render.
Absolute links start at PAPERBOY_BASE_URL, never at the request's Host header.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request, Response
from feedgen.feed import FeedGenerator

from paperboy import trending as trend
from paperboy.papers import listing, view
from paperboy.papers.days import listed_days
from paperboy.papers.limits import xml_safe
from paperboy.topics import queries as topic_queries
from paperboy.web import searching
from paperboy.web.http import cacheable

api = APIRouter(prefix="/feeds", tags=["feeds"])  # the HTTP API for programs (docs/api.md, /openapi.json)
ATOM = "application/atom+xml; charset=utf-8"


class AtomResponse(Response):
    """An Atom document (as the OpenAPI schema says of the routes answering one)."""

    media_type = "application/atom+xml"

DAILY_DAYS = 3  # the daily feed carries the last few listed days, so a reader polling late misses none
# An empty feed's <updated> (Atom requires one): a fixed instant, so the document is the same on
# every request (a feed reader's conditional GET sees no change).
_EMPTY_FEED_DATE = datetime(2000, 1, 1, tzinfo=UTC)


def _feed(request: Request, name: str, title: str, subtitle: str, rows: list[dict[str, Any]],
          alternate: str | None = None, query: str = "", path: str | None = None) -> Response:
    """The Atom feed of ``rows`` (paper rows), at ``/feeds/{name}`` or ``path`` (a feed
    elsewhere on the site: a public collection's, web/routes/collections.py)."""
    base = request.app.state.base_url
    at = f"{base}{path or '/feeds/' + name}"
    fg = FeedGenerator()
    fg.id(xml_safe(at))
    fg.title(xml_safe(title))
    fg.subtitle(xml_safe(subtitle))
    fg.link(href=xml_safe(at + (f"?{query}" if query else "")), rel="self")
    fg.link(href=xml_safe(alternate or (f"{base}/" if name == "daily.atom" else f"{base}/trending")),
            rel="alternate")
    fg.language("en")
    papers = [view.of(r) for r in rows]
    # An entry's date: the day it was listed (else published); a paper known by neither (a
    # saved page without dates) is dated by when this hub got it, and claims no publication.
    whens = [view.as_datetime(p.shown_on) if p.shown_on else (r.get("created") or _EMPTY_FEED_DATE)
             for p, r in zip(papers, rows, strict=True)]
    fg.updated(max(whens, default=None) or _EMPTY_FEED_DATE)
    for p, when in reversed(list(zip(papers, whens, strict=True))):  # feedgen prepends: add in reverse
        e = fg.add_entry()
        url = xml_safe(f"{base}{p.path}")
        e.id(url)
        e.title(xml_safe(p.title) or xml_safe(p.id))
        e.link(href=url)  # one link: the paper page (it links arXiv, PDF and code)
        names = [n for n in (xml_safe(a) for a in p.authors[:20]) if n.strip()]
        for a in names or ["unknown"]:
            e.author({"name": a})
        e.summary(xml_safe(p.summary or p.title) or xml_safe(p.id))
        if p.shown_on:
            e.published(when)
        e.updated(when)
        for c in p.categories:
            if xml_safe(c).strip():
                e.category(term=xml_safe(c))
    return AtomResponse(fg.atom_str(pretty=True), media_type=ATOM)


@api.get("/daily.atom", summary="Atom feed: papers of the latest listed days", response_class=AtomResponse)
@cacheable
def daily(request: Request) -> Response:
    with request.app.state.db.connection() as conn:
        latest = listing.latest_day(conn)
        rows: list[dict[str, Any]] = []
        if latest:
            # the last DAILY_DAYS days that have a Daily list (a weekend or a pause skipped)
            days = listed_days(conn, latest, DAILY_DAYS, boards=("daily",))
            period = listing.Period("day", days[-1], latest)
            rows, _ = listing.papers_in(conn, period, "publishedAt", 0, 200)
    return _feed(request, "daily.atom", "paperboy · daily papers",
                 "Papers of the latest days, newest day first", rows)


@api.get("/trending.atom", summary="Atom feed: trending papers", response_class=AtomResponse)
@cacheable
def trending(request: Request) -> Response:
    with request.app.state.db.connection() as conn:
        rows, _, _ = trend.trending(conn, limit=50)
    return _feed(request, "trending.atom", "paperboy · trending papers", trend.ONE_LINE, rows)


@api.get("/search.atom", summary="Atom feed of a search: subscribe to a saved search",
            response_class=AtomResponse)
def search_feed(request: Request, q: str, mode: str | None = None, category: str | None = None,
                code: str | None = None) -> Response:
    """The newest 50 papers matching the search (a feed reader sees new matches as they arrive)."""
    params = searching.read_params(q, mode, "date", None, None, code, category, strict_length=True)
    if not params.q.strip():
        raise HTTPException(400, "q must not be empty")
    result = searching.run(request, params, 0, 50)
    base = request.app.state.base_url
    asked = {"q": q, "mode": mode, "category": category, "code": code}
    query = urlencode({k: v for k, v in asked.items() if v is not None})
    return _feed(request, "search.atom", f"paperboy · search: {params.q}",
                 f"Newest papers matching {params.q!r}", result.items, query=query,
                 alternate=f"{base}/search?{urlencode({'q': params.q, 'sort': 'date'})}")


@api.get("/topics/{topic_id}.atom", summary="Atom feed of a topic: its newest papers", response_class=AtomResponse)
@cacheable
def topic_feed(request: Request, topic_id: int) -> Response:
    """The newest 50 papers of a topic (docs/topics.md); 404 for a topic never built."""
    with request.app.state.db.connection() as conn:
        topic, rows = topic_queries.feed(conn, topic_id)
    if topic is None:
        raise HTTPException(404, "no such topic")
    base = request.app.state.base_url
    return _feed(request, f"topics/{topic_id}.atom", f"paperboy · topic: {topic['label']}",
                 "Newest papers of the topic " + ", ".join(topic["keywords"][:6]), rows,
                 alternate=f"{base}/topics/{topic_id}")
