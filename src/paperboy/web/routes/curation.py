"""Curation: the curators' (and admins') actions, through the API and the paper page's
forms, and the moderation log.

Every action answers the JSON API under ``/api/…`` and, at the same path without
``/api``, a plain form post (303 back to the paper). Both require a curator: 401 for no
one, 403 for a member, and the CSRF token when signed in by cookie (auth.writer_with).

- ``POST /api/papers/{id}/hide`` and ``/unhide`` → ``{"id", "hidden"}``
- ``POST /api/papers/{id}/pin`` and ``/unpin`` (optional ``{"day": "YYYY-MM-DD"}``) →
  ``{"id", "pinned": [days]}``
- ``POST /api/papers/{id}/merge`` ``{"into": "other id"}`` → ``{"id": kept, "merged": old}``
- ``POST /api/comments/{id}/hide`` and ``/unhide`` → ``{"id", "hidden"}``
- ``GET /api/moderation`` and the page ``/moderation``: the log, newest first.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

import anyio
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from paperboy.community import curation, modlog
from paperboy.community.comments import iso
from paperboy.community.members import Member
from paperboy.web import auth
from paperboy.web.templating import html, twin

api = APIRouter(tags=["curation"])  # the HTTP API for programs (docs/api.md, /openapi.json)
pages = APIRouter(include_in_schema=False)  # pages for people, their forms and twins
Curator = Annotated[Member, Depends(auth.writer_with("curator"))]
Reader = Annotated[Member, Depends(auth.role("curator"))]
PAGE_SIZE = 50


async def _fields(request: Request) -> dict[str, Any]:
    """The request's JSON object or form fields ({} for an empty body)."""
    kind = request.headers.get("content-type", "")
    if kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return {k: v for k, v in (await request.form()).items() if k != "csrf"}
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise HTTPException(400, "The body must be a JSON object.") from None
    if not isinstance(data, dict):
        raise HTTPException(400, "The body must be a JSON object.")
    return data


def _day(fields: dict[str, Any]) -> date | None:
    raw = fields.get("day")
    if raw in (None, ""):
        return None
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        raise HTTPException(400, "day must be a date, YYYY-MM-DD") from None


def _paper_path(paper_id: str) -> str:
    return f"/papers/{quote(paper_id, safe='/:')}"


async def _act(request: Request, action: Callable[[Any], dict[str, Any]], back: Callable[[dict[str, Any]], str]) -> Response:
    """Run ``action(conn)`` off the event loop; answer JSON on /api/, else 303 to ``back``."""
    def run() -> dict[str, Any]:
        with request.app.state.db.connection() as conn:
            return action(conn)  # a CurationError is answered by web/errors.py
    result = await anyio.to_thread.run_sync(run)
    if request.url.path.startswith("/api/"):
        return JSONResponse(result)
    return RedirectResponse(back(result), status_code=303)


def _to_paper(result: dict[str, Any]) -> str:
    return _paper_path(result["id"]) + "#curate"


@api.post("/api/papers/{paper_id:path}/hide", summary="Hide a paper from every list (a curator)")
@pages.post("/papers/{paper_id:path}/hide")
async def hide_paper(request: Request, paper_id: str, who: Curator) -> Response:
    """It leaves Daily, New, trending, search, feeds and digests; its page stays, marked."""
    return await _act(request, lambda c: curation.hide_paper(c, who, paper_id, True), _to_paper)


@api.post("/api/papers/{paper_id:path}/unhide", summary="Show a hidden paper again (a curator)")
@pages.post("/papers/{paper_id:path}/unhide")
async def unhide_paper(request: Request, paper_id: str, who: Curator) -> Response:
    return await _act(request, lambda c: curation.hide_paper(c, who, paper_id, False), _to_paper)


@api.post("/api/papers/{paper_id:path}/pin", summary="Pin a paper to the top of a day (a curator)")
@pages.post("/papers/{paper_id:path}/pin")
async def pin(request: Request, paper_id: str, who: Curator) -> Response:
    """Optional body `{"day": "YYYY-MM-DD"}`, from 1991-08-14 to today (UTC); by default the
    latest day the paper is on Daily. Pinning it to a day it is not on puts it on that day's
    Daily list."""
    day = _day(await _fields(request))
    return await _act(request, lambda c: curation.pin(c, who, paper_id, day), _to_paper)


@api.post("/api/papers/{paper_id:path}/unpin", summary="Unpin a paper (a curator)")
@pages.post("/papers/{paper_id:path}/unpin")
async def unpin(request: Request, paper_id: str, who: Curator) -> Response:
    """Optional body `{"day": "YYYY-MM-DD"}`; by default from every day it is pinned to."""
    day = _day(await _fields(request))
    return await _act(request, lambda c: curation.unpin(c, who, paper_id, day), _to_paper)


@api.post("/api/papers/{paper_id:path}/merge", summary="Merge a paper into another (a curator)")
@pages.post("/papers/{paper_id:path}/merge")
async def merge(request: Request, paper_id: str, who: Curator) -> Response:
    """Body `{"into": "other id"}` (the paper kept). Everything naming this paper moves to
    it (votes, comments, listings, submissions, pins, collections, library entries, "not
    interested" marks); this paper's id then answers with the kept paper.
    400 for merging a paper into itself, 404 for an unknown id."""
    into = (await _fields(request)).get("into")
    if not isinstance(into, str) or not into.strip():
        raise HTTPException(400, "into: give the id of the paper to keep")
    return await _act(request, lambda c: curation.merge(c, who, paper_id, into), _to_paper)


def _comment_back(result: dict[str, Any]) -> str:
    return _paper_path(result["paper"]) + "#comments"


def _hide_comment(who: Member, comment_id: int, hidden: bool) -> Callable[[Any], dict[str, Any]]:
    def action(conn: Any) -> dict[str, Any]:
        c = curation.hide_comment(conn, who, comment_id, hidden)
        return {"id": c.id, "hidden": c.hidden, "paper": c.paper_id}
    return action


@api.post("/api/comments/{comment_id}/hide", summary="Hide a comment (a curator)")
@pages.post("/comments/{comment_id}/hide")
async def hide_comment(request: Request, comment_id: int, who: Curator) -> Response:
    return await _act(request, _hide_comment(who, comment_id, True), _comment_back)


@api.post("/api/comments/{comment_id}/unhide", summary="Show a hidden comment again (a curator)")
@pages.post("/comments/{comment_id}/unhide")
async def unhide_comment(request: Request, comment_id: int, who: Curator) -> Response:
    return await _act(request, _hide_comment(who, comment_id, False), _comment_back)


# --- the moderation log ----------------------------------------------------------------------

def _entry(r: dict[str, Any]) -> dict[str, Any]:
    return {"id": r["id"], "at": iso(r["at"]), "actor": r["actor_name"], "action": r["action"],
            "target": r["target"], "detail": r["detail"]}


@api.get("/api/moderation", summary="The moderation log (curators and admins)")
def moderation_api(request: Request, who: Reader, response: Response,
                   p: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
                   limit: Annotated[int, Query(ge=1, le=100)] = 50) -> list[dict[str, Any]]:
    """Every curator and admin action, newest first: `{id, at, actor, action, target,
    detail}`. Actions: hide-paper, unhide-paper, pin, unpin, merge, hide-comment,
    unhide-comment, and the admins' (role, invite, remove-member)."""
    with request.app.state.db.connection() as conn:
        rows, total = modlog.recent(conn, p * limit, limit)
    response.headers["X-Total-Count"] = str(total)
    response.headers["Cache-Control"] = "private, no-store"
    return [_entry(r) for r in rows]


@pages.get("/moderation", response_class=HTMLResponse)
def moderation_page(request: Request, who: Reader,
                    page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> HTMLResponse:
    with request.app.state.db.connection() as conn:
        rows, total = modlog.recent(conn, (page - 1) * PAGE_SIZE, PAGE_SIZE)
        now = curation.hidden_now(conn) if page == 1 else None
    response = html(request, "moderation.html", {
        "entries": rows, "now": now, "page": page, "last": max(1, -(-total // PAGE_SIZE)), "total": total},
        json=twin("/api/moderation", p=page - 1, limit=PAGE_SIZE))
    response.headers["Cache-Control"] = "private, no-store"
    return response
