"""Asking for one paper's full text (fulltext/asks.py): a member queues it for the next fetch.

- ``POST /api/papers/{id}/fulltext`` → ``{"id", "status": "queued"|"known"}``: a member (cookie
  with CSRF token, or ``Authorization: Bearer``); 401 for no one, 404 for an unknown paper, 409
  without an arXiv id or with PAPERBOY_FULLTEXT=off, 429 past 20 an hour (policy "fulltext_asks").
- ``POST /papers/{id}/fulltext`` (the paper page's form, without JavaScript): the same, then 303
  back to the paper's page; someone not signed in is sent to sign in first.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from paperboy.community.members import Member
from paperboy.errors import Refused
from paperboy.fulltext import asks
from paperboy.ratelimit.policies import FULLTEXT_ASKS
from paperboy.web import auth
from paperboy.web.http import call, to_signin

api = APIRouter(tags=["papers"])
pages = APIRouter(include_in_schema=False)
Writer = Annotated[Member, Depends(auth.writer)]


def _ask(request: Request, member: Member, paper_id: str) -> dict[str, Any]:
    limits = request.app.state.limits
    wait = limits.check(FULLTEXT_ASKS, member.id)
    if wait:
        raise Refused(429, f"Too many full texts asked for: at most {limits.most(FULLTEXT_ASKS)} an hour. "
                      f"Try again in {int(wait) + 1} s.", retry_after=int(wait) + 1)
    return call(request, asks.ask, paper_id, request.app.state.config)


@api.post("/api/papers/{paper_id:path}/fulltext", summary="Ask for a paper's full text (a member)")
def ask_fulltext(request: Request, paper_id: str, member: Writer) -> dict[str, Any]:
    """Queue the paper's full text from arXiv's HTML version for the hub's next fetch, whatever
    PAPERBOY_FULLTEXT's choice of papers. `status` is `queued`, or `known` when the text of the
    paper's latest known version is stored already."""
    return _ask(request, member, paper_id)


@pages.post("/papers/{paper_id:path}/fulltext")
async def ask_fulltext_form(request: Request, paper_id: str) -> RedirectResponse:
    back = f"/papers/{quote(paper_id, safe='/:')}"
    member = auth.current(request)
    if member is None:
        return to_signin(back, "fulltext")
    await auth.check_csrf(request)
    await anyio.to_thread.run_sync(_ask, request, member, paper_id)
    return RedirectResponse(back, status_code=303)
