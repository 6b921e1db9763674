"""``/papers/{id}.md``: a paper as Markdown (what ``hf papers read ID`` and
``HfApi.read_paper`` ask for). Routed before pages.py's ``/papers/{paper_id:path}``."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from paperboy.papers import as_markdown, store, view

router = APIRouter(include_in_schema=False)


@router.get("/papers/{paper_id:path}.md")
def paper_markdown(request: Request, paper_id: str) -> Response:
    with request.app.state.db.connection() as conn:
        row = store.get(conn, paper_id)
        if row is None:
            raise HTTPException(404, f"No paper with id {paper_id[:80]!r} in this hub.")
        text = as_markdown.page(conn, row, view.of(row), request.app.state.base_url)
    return Response(text, media_type="text/markdown; charset=utf-8")
