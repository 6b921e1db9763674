"""``/papers/{id}.md``: a paper as Markdown (what ``hf papers read ID`` and
``HfApi.read_paper`` ask for), with the paper's full text when one is stored. Routed before pages.py's ``/papers/{paper_id:path}``."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from paperboy.papers import page
from paperboy.web.http import cacheable

pages = APIRouter(include_in_schema=False)  # pages for people, their forms and twins


@pages.get("/papers/{paper_id:path}.md")
@cacheable
def paper_markdown(request: Request, paper_id: str) -> Response:
    with request.app.state.db.connection() as conn:
        found = page.load(conn, paper_id, with_fulltext=True)
    if found is None:
        raise HTTPException(404, f"No paper with id {paper_id[:80]!r} in this hub.")
    return Response(found.markdown(request.app.state.base_url), media_type="text/markdown; charset=utf-8")
