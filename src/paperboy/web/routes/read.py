"""The paper page's Read view and its JSON twin (fulltext/render.py renders the stored text).

- ``GET /papers/{id}/read[?hl=term1+term2]`` → the paper's full text as a page: its outline as
  a table of contents, the text as sanitised HTML whose headings carry the outline's anchors
  (``#S4.SS2``), math as LaTeX source; the ``hl`` terms marked. Without a stored text, a page
  that says so, with the form to ask for it and a link to the abstract. Works without JavaScript.
- ``GET /api/papers/{id}/fulltext`` → ``{"id", "status": "text"|"none"|"unknown", "version",
  "reason", "truncated", "outline": [{"level", "title", "anchor"}], "markdown"}`` (public).

Routed before pages.py's ``/papers/{paper_id:path}`` and api.py's ``/api/papers/{paper_id:path}``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperboy.fulltext import render
from paperboy.papers import page
from paperboy.web.http import cacheable
from paperboy.web.templating import html

api = APIRouter(tags=["papers"])  # the HTTP API for programs (docs/api.md, /openapi.json)
pages = APIRouter(include_in_schema=False)  # pages for people, their forms and twins


def _load(request: Request, paper_id: str) -> page.PaperPage:
    with request.app.state.db.connection() as conn:
        found = page.load(conn, paper_id, with_thread=False, with_fulltext=True, with_text_status=True)
    if found is None:
        raise HTTPException(404, f"No paper with id {paper_id[:80]!r} in this hub.")
    return found


@pages.get("/papers/{paper_id:path}/read", response_class=HTMLResponse)
@cacheable
def read(request: Request, paper_id: str, hl: str | None = None) -> Response:
    found = _load(request, paper_id)
    if found.moved:  # merged into another paper: read it there
        query = f"?{urlencode({'hl': hl})}" if hl else ""
        return RedirectResponse(f"/papers/{quote(found.id, safe='/:')}/read{query}", status_code=301)
    text = found.fulltext
    doc = render.render(text.markdown, text.outline, hl) if text is not None else None
    return html(request, "read.html", {
        "p": found.paper, "fulltext": text, "doc": doc, "text": found.text_status, "hl": hl or "",
        "texts_on": request.app.state.config.fetch.fulltext != "off",
    }, json=f"/api/papers/{found.id}/fulltext")


@api.get("/api/papers/{paper_id:path}/fulltext", summary="A paper's full text: Markdown and outline")
@cacheable
def fulltext(request: Request, paper_id: str) -> dict[str, Any]:
    """The paper's full text as converted from arXiv's HTML version: the Markdown, its section
    outline (anchors as in `/papers/{id}/read#ANCHOR`) and the arXiv version it came from;
    `status` `none` with the `reason` when arXiv has none, `unknown` when none was fetched yet."""
    found = _load(request, paper_id)
    return render.as_json(found.id, found.fulltext, found.text_status)
