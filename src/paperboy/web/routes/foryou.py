"""For you: a member's picks on a page, in the API, and "not interested".

- ``GET /for-you`` (the page): the member's picks, each a paper card with its because line
  and a "Not interested" form; for no one, what it is and a sign-in link. Per member, so
  never cached as a shared page (``Cache-Control: no-store``; the response cache serves
  only the paths of web/cache.py's CACHEABLE).
- ``POST /for-you/{id}/not-interested`` and ``POST /for-you/{id}/undo``: the plain forms
  (``csrf`` field), each 303 back to the page; static/foryou.js uses the API instead.
- ``GET /api/recommendations?limit=&offset=&since=&until=``: a member (401 JSON for no one);
  items in the HF paper shape plus ``score`` and ``because``.
- ``POST`` / ``DELETE /api/recommendations/{id}/not-interested``: drop a pick (and teach
  the model), or take that back; 404 for an unknown paper, 429 past the votes' limit.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

import anyio
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from paperboy import recommend
from paperboy.community.members import Member
from paperboy.papers import picks
from paperboy.papers.limits import EARLIEST
from paperboy.ratelimit.policies import MARKS
from paperboy.web import auth, searching
from paperboy.web.http import local_path, next_link, no_store, to_signin
from paperboy.web.routes.exports import EXPORTS, Format, check_format, exported
from paperboy.web.templating import html, twin

api = APIRouter(prefix="/api", tags=["for you"])  # the HTTP API for programs (docs/api.md, /openapi.json)
pages = APIRouter(include_in_schema=False)  # pages for people, their forms and twins
Writer = Annotated[Member, Depends(auth.writer)]
SignedIn = Annotated[Member, Depends(auth.signed_in)]
PAGE = 20
Limit = Annotated[int, Query(ge=1, le=100, description="picks, 1–100")]
Offset = Annotated[int, Query(ge=0, le=100_000, description="picks to skip, from 0")]
Since = Annotated[str | None, Query(description="from this day on, YYYY-MM-DD (1900-01-01: all time)")]
Until = Annotated[str | None, Query(description="up to this day, YYYY-MM-DD")]


def period(since: str | None, until: str | None) -> tuple[date | None, date | None]:
    """The days asked for, read as search reads them (400 naming what is wrong); neither:
    the last PAPERBOY_FOR_YOU_DAYS days."""
    p = searching.read_params(None, None, None, since, until, None, None, strict_length=False)
    if p.since and p.until and p.until < p.since:
        raise HTTPException(400, "until must not be before since")
    return p.since, p.until


def _picks(request: Request, member: Member, since: date | None, until: date | None,
           limit: int, offset: int) -> picks.ForYou:
    with request.app.state.db.connection() as conn:
        return picks.for_you(conn, member.id, since=since, until=until, limit=limit, offset=offset,
                             days=request.app.state.config.recommend.days)


# --- the page ------------------------------------------------------------------------------

NOTICES = {"removed": "Removed from your picks: you will see fewer papers like it.",
           "undone": "Back among your picks."}


@pages.get("/for-you", response_class=HTMLResponse)
def page(request: Request, since: Since = None, until: Until = None, offset: Offset = 0,
         limit: Limit = PAGE, done: str = "", paper: str = "") -> Response:
    start, end = period(since, until)
    member = auth.current(request)
    context: dict[str, Any] = {
        "member": member, "since": start, "until": end, "offset": offset, "limit": limit,
        "days": request.app.state.config.recommend.days, "all_time": start == EARLIEST and end is None,
        "notice": NOTICES.get(done), "undo": undoable(paper) if done == "removed" else "",
    }
    if member is not None:
        found = _picks(request, member, start, end, limit, offset)
        query = {k: v for k, v in (("since", since), ("until", until), ("limit", limit if limit != PAGE else None))
                 if v}
        context.update(
            found=found,
            next_url=("/for-you?" + urlencode({**query, "offset": offset + limit})) if found.asked >= limit else None,
            prev_url=("/for-you?" + urlencode({**query, "offset": max(0, offset - limit)})) if offset else None,
            back=request.url.path + ("?" + request.url.query if request.url.query else ""),
        )
    return no_store(html(request, "foryou.html", context, json=twin(
        "/api/recommendations", since=since, until=until, limit=limit, offset=offset or None) if member else None))


_PAPER_ID = re.compile(r"[\w:-][\w.:-]*(?:/[\w.:-]+)*")


def undoable(paper: str) -> str:
    """The paper of the Undo form (``?paper=``, put in its action path), if it reads as a
    paper id: never "..", "%2e%2e" or a query, which would point the form (and its form token)
    at another route of this site, such as /account/library/clear.

    >>> undoable("2410.12345"), undoable("hep-th/9901001"), undoable("../../account/delete?")
    ('2410.12345', 'hep-th/9901001', '')
    """
    ok = len(paper) <= 200 and _PAPER_ID.fullmatch(paper) and ".." not in paper.split("/")
    return paper if ok else ""


def _back(form: Any) -> str:
    back = local_path(form.get("next"), "/for-you")
    return back if back.startswith("/for-you") else "/for-you"


def _with(back: str, **params: str) -> str:
    path, _, query = back.partition("?")
    kept = [p for p in query.split("&") if p and p.split("=", 1)[0] not in ("done", "paper")]
    return f"{path}?{'&'.join([*kept, urlencode(params)])}"


@pages.post("/for-you/{paper_id:path}/not-interested")
async def not_interested_form(request: Request, paper_id: str) -> RedirectResponse:
    form = await request.form()
    member = auth.current(request)
    if member is None:
        return to_signin("/for-you", "for-you")
    await auth.check_csrf(request)
    resolved = await anyio.to_thread.run_sync(_mark, request, member, paper_id, True)
    return RedirectResponse(_with(_back(form), done="removed", paper=resolved), status_code=303)


@pages.post("/for-you/{paper_id:path}/undo")
async def undo_form(request: Request, paper_id: str) -> RedirectResponse:
    form = await request.form()
    member = auth.current(request)
    if member is None:
        return to_signin("/for-you", "for-you")
    await auth.check_csrf(request)
    await anyio.to_thread.run_sync(_mark, request, member, paper_id, False)
    return RedirectResponse(_with(_back(form), done="undone"), status_code=303)


# --- the API -------------------------------------------------------------------------------

def _mark(request: Request, member: Member, paper_id: str, on: bool) -> str:
    """Mark (``on``) or unmark the paper; its id (a merged paper's id resolves to where it
    lives). 404 for an unknown paper, 429 past the limit (marks count like votes: at most
    PAPERBOY_VOTES_PER_MINUTE a minute per member)."""
    limits = request.app.state.limits
    wait = limits.check(MARKS, member.id)
    if wait:
        raise HTTPException(
            429, f"Too many changes: at most {limits.most(MARKS)} a minute. Try again in {int(wait) + 1} s.",
            headers={"Retry-After": str(int(wait) + 1)})
    if "\x00" in paper_id or len(paper_id) > 200:  # no paper has such an id (nor may SQL text hold NUL)
        raise HTTPException(404, f"no paper with id {paper_id[:80]!r}")
    try:
        with request.app.state.db.connection() as conn:
            if on:
                return recommend.not_interested(conn, member.id, paper_id)
            recommend.interested_again(conn, member.id, paper_id)
            return paper_id
    except LookupError:
        raise HTTPException(404, f"no paper with id {paper_id[:80]!r}") from None


@api.get("/recommendations", summary="Papers picked for you (a member)", responses=EXPORTS)
def recommendations(request: Request, member: SignedIn, limit: Limit = PAGE, offset: Offset = 0,
                    since: Since = None, until: Until = None, fmt: Format = None) -> Response:
    """The papers most like the ones you upvoted, saved or have in your library, best
    first: each item is the HF paper shape plus `score`, `trending` (true: a trending paper
    filling the page, as nothing else was close enough to yours) and `because` (`[{id, title,
    kind, url}]`, the one or two of your own papers it is really close to). With no `since`/`until`:
    the last PAPERBOY_FOR_YOU_DAYS listed days up to the hub's latest listed day;
    `since=1900-01-01` means all time. Headers:
    `X-Paperboy-Signals` (your upvotes, saves and library entries), `X-Paperboy-Cold-Start: 1`
    (fewer than 3 signals: the items are trending papers, `because` empty) and
    `X-Paperboy-Pending: 1` (your picks are being updated after a change). With `format`
    (bibtex, csl-json or ris): the same papers as a file of that format."""
    check_format(fmt)
    start, end = period(since, until)
    found = _picks(request, member, start, end, limit, offset)
    if fmt:
        return no_store(exported([s.paper.hf_paper() for s in found.items], fmt, f"{member.name}-for-you"))
    response = JSONResponse([s.hf_item() for s in found.items], headers={
        "X-Paperboy-Signals": str(found.signals), "X-Paperboy-Cold-Start": "1" if found.cold_start else "0",
        "X-Paperboy-Pending": "1" if found.pending else "0", "Cache-Control": "private, no-store"})
    if found.asked >= limit:
        next_link(request, response, offset=offset + limit, limit=limit)
    return response


@api.post("/recommendations/{paper_id:path}/not-interested", summary="Not interested in a paper (a member)")
def not_interested(request: Request, paper_id: str, member: Writer) -> dict[str, Any]:
    """The paper leaves your picks at once, and the model learns you want fewer like it.
    Answers `{"ok": true, "id": …}`; marking it again changes nothing."""
    return {"ok": True, "id": _mark(request, member, paper_id, True)}


@api.delete("/recommendations/{paper_id:path}/not-interested", summary="Take back a not interested (a member)")
def interested_again(request: Request, paper_id: str, member: Writer) -> dict[str, Any]:
    """Undo: the paper may be picked again. Answers as POST does."""
    return {"ok": True, "id": _mark(request, member, paper_id, False)}
