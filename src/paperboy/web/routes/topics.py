"""Topics (issue 25): the map, a page per topic, and their JSON twins (docs/topics.md).

- ``GET /topics`` (page): the map (a canvas drawn by static/topics.js from the map's JSON),
  every topic as a list (no script needed) and the Rising list; ``?q=`` shows a search on
  the map. Twin: ``/api/topics``.
- ``GET /topics/{id}``: a topic's weekly chart (SVG), papers in trending order, top authors,
  its feed (``/feeds/topics/{id}.atom``, routes/feeds.py). Twin: ``/api/topics/{id}``.
- ``GET /api/topics?since=&until=``: ``[{id, label, keywords, size, weekly, growth}]``.
- ``GET /api/topics/map?since=&until=&limit=``: points ``[{id, x, y, topic}]``, at most
  ``limit`` (100,000); beyond, an even sample: ``X-Total-Count`` says how many there are,
  ``X-Sampled`` whether this is a sample.
- ``GET /api/topics/map/mine``: the signed-in member's own papers and For you picks on the map
  (``{ids, picks}``; 401 for no one).
- ``GET /api/topics/map/density``: the build's points counted on a grid (the page's shading).
- ``GET /api/topics/{id}``: a topic plus ``papers`` (the HF paper shape), trending order.
Topics are built by a background job (topics/build.py), never in a request.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from paperboy.community.members import Member
from paperboy.papers import view
from paperboy.topics import chart, queries
from paperboy.web import auth, searching
from paperboy.web.http import cacheable, no_store
from paperboy.web.templating import html, twin

api = APIRouter(prefix="/api", tags=["topics"])  # the HTTP API for programs (docs/api.md, /openapi.json)
pages = APIRouter(include_in_schema=False)  # pages for people and their twins
SignedIn = Annotated[Member, Depends(auth.signed_in)]
Since = Annotated[str | None, Query(description="from this day on, YYYY-MM-DD (1900-01-01: all time)")]
Until = Annotated[str | None, Query(description="up to this day, YYYY-MM-DD")]
MAP_ON_PAGE = 8000  # points the page's script asks for: 419 KB of JSON, 101 KB gzipped (75,000 papers)
PAPERS_ON_PAGE = 30


def _period(since: str | None, until: str | None) -> tuple[date | None, date | None]:
    p = searching.read_params(None, None, None, since, until, None, None, strict_length=False)
    if p.since and p.until and p.until < p.since:
        raise HTTPException(400, "until must not be before since")
    return p.since, p.until


def _topic_id(raw: int) -> int:
    if not 1 <= raw <= 2**62:
        raise HTTPException(404, "no such topic")
    return raw


@api.get("/topics", summary="Topics of the last build: label, keywords, size, weekly counts, growth")
@cacheable
def topics_api(request: Request, since: Since = None, until: Until = None) -> list[dict[str, Any]]:
    lo, hi = _period(since, until)
    with request.app.state.db.connection() as conn:
        return queries.listing(conn, lo, hi)


@api.get("/topics/map", summary="The topic map's points {id, x, y, topic}, sampled beyond limit")
@cacheable
def topic_map(request: Request, response: Response, since: Since = None, until: Until = None,
              limit: Annotated[int, Query(ge=1, le=queries.MAP_LIMIT, description="points, at most 100,000")] = 20_000,
              ) -> list[dict[str, Any]]:
    lo, hi = _period(since, until)
    with request.app.state.db.connection() as conn:
        points, total = queries.map_points(conn, lo, hi, limit)
    response.headers["X-Total-Count"] = str(total)
    response.headers["X-Sampled"] = "true" if total > len(points) else "false"
    return points


@api.get("/topics/map/mine", summary="The signed-in member's own papers and For you picks on the topic map")
def topic_map_mine(request: Request, response: Response, member: SignedIn) -> dict[str, list[str]]:
    """`ids`: papers the member upvoted, saved or has in their library; `picks`: their current
    For you picks (the first page of /for-you, best first); both among the map's papers."""
    no_store(response)
    with request.app.state.db.connection() as conn:
        return queries.marks(conn, member.id, days=request.app.state.config.recommend.days)


@api.get("/topics/map/density", summary="How many of the map's points fall in each cell of a grid")
@cacheable
def topic_map_density(request: Request) -> dict[str, Any]:
    """`{x0, y0, x1, y1, nx, ny, cells: [[i, j, n]]}`: the build's points counted on an `nx` ×
    `ny` grid over their extent (non-empty cells; `i` across from `x0`, `j` up from `y0`).
    The page shades it beneath its sample when the hub holds more papers than it draws."""
    with request.app.state.db.connection() as conn:
        return queries.density(conn)


@api.get("/topics/{topic_id}", summary="A topic with its papers (trending order, HF paper shape)")
@cacheable
def topic_api(request: Request, topic_id: int,
              limit: Annotated[int, Query(ge=1, le=100, description="papers, 1–100")] = 50) -> dict[str, Any]:
    with request.app.state.db.connection() as conn:
        found = queries.detail(conn, _topic_id(topic_id), limit)
    if found is None:
        raise HTTPException(404, "no such topic")
    t = found["topic"]
    return {**{k: t[k] for k in ("id", "label", "keywords", "size", "weekly", "growth")}, "active": t["active"],
            "papers": [view.of(r).hf_paper() for r in found["papers"]]}


@pages.get("/topics", response_class=HTMLResponse)
@cacheable
def topics_page(request: Request, q: Annotated[str | None, Query(max_length=250)] = None) -> HTMLResponse:
    with request.app.state.db.connection() as conn:
        found = queries.overview(conn)
    return html(request, "topics.html", {**found, "map_q": (q or "").strip(), "map_limit": MAP_ON_PAGE,
                                         "density": bool(found["build"]) and found["build"]["papers"] > MAP_ON_PAGE},
                json=twin("/api/topics"))


@pages.get("/topics/{topic_id}", response_class=HTMLResponse)
@cacheable
def topic_page(request: Request, topic_id: int) -> HTMLResponse:
    with request.app.state.db.connection() as conn:
        found = queries.detail(conn, _topic_id(topic_id), PAPERS_ON_PAGE)
    if found is None:
        raise HTTPException(404, "no such topic")
    t = found["topic"]
    return html(request, "topic.html", {
        "topic": t, "papers": [view.of(r) for r in found["papers"]], "authors": found["authors"],
        "chart": Markup(chart.weekly_svg(t["weekly"], t["label"])),  # noqa: S704 - built from escaped parts
    }, json=twin(f"/api/topics/{t['id']}"))
