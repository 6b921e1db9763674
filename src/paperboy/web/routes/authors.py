"""Author pages: ``/authors/{name}`` and its JSON twin ``GET /api/authors/{name}`` (docs/web.md,
"Authors and follows"). Any spelling of a name finds its author (paperboy.authors); the page
and the twin are the same for everyone (cached); the Follow button is the member's own slot."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from fastapi.responses import HTMLResponse

from paperboy.authors import chart, page
from paperboy.authors.page import AuthorPage
from paperboy.follows.store import author_href
from paperboy.papers import view
from paperboy.web import http
from paperboy.web.http import cacheable
from paperboy.web.templating import html, twin

api = APIRouter(tags=["authors"])  # the HTTP API for programs (docs/web.md, /openapi.json)
pages = APIRouter(include_in_schema=False)  # pages for people, their forms and twins
Name = Annotated[str, Path(max_length=page.MAX_NAME, description="an author's name, any spelling")]
PAGE_SIZE = page.PAGE


def _load(request: Request, name: str, offset: int, limit: int) -> AuthorPage:
    found = http.call(request, page.load, name, offset, limit)
    if found is None:
        raise HTTPException(404, f"No author named {name[:80]!r} in this hub: no paper here gives that name.")
    return found


@pages.get("/authors/{name}", response_class=HTMLResponse)
@cacheable
def author_page(request: Request, name: Name,
                page_: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1) -> HTMLResponse:
    a = _load(request, name, (page_ - 1) * PAGE_SIZE, PAGE_SIZE)
    return html(request, "author.html", {
        "a": a, "papers": [view.of(r) for r in a.papers], "chart": chart.svg(page.every_week(a.weekly)),
        "page": page_, "last": max(1, -(-a.total // PAGE_SIZE)), "offset": (page_ - 1) * PAGE_SIZE,
    }, json=twin("/api" + author_href(a.author.name), p=page_ - 1 or None, limit=PAGE_SIZE if page_ > 1 else None))


@api.get("/api/authors/{name}", summary="An author: papers, co-authors, topics, weekly counts")
@cacheable
def author_api(request: Request, response: Response, name: Name,
               p: Annotated[int, Query(ge=0, le=100_000, description="page of papers, from 0")] = 0,
               limit: Annotated[int, Query(ge=1, le=100, description="papers per page, 1–100")] = PAGE_SIZE,
               ) -> dict[str, Any]:
    """The author a name means (any spelling: case, accents, "Last, First", initials where one
    full name fits): `name` (as they write it most), `papers` (HF paper shape, newest first),
    `coauthors` `[{name, n}]`, `topics` `[{id, label, n}]`, `weekly` `[{week, n}]`. 404: no
    paper gives that name."""
    a = _load(request, name, p * limit, limit)
    if (p + 1) * limit < a.total:
        http.next_link(request, response, p=p + 1, limit=limit)
    response.headers["X-Total-Count"] = str(a.total)
    return {"name": a.author.name, "papers": [view.of(r).hf_paper() for r in a.papers],
            "coauthors": a.coauthors, "topics": a.topics, "weekly": a.weekly}
