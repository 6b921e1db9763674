"""A paper's code repository, set by people (enrich/set_code.py does it).

- ``POST /api/papers/{id}/code`` ``{"githubRepo": "https://github.com/owner/repo"}`` →
  ``{"id", "githubRepo", "githubRepoSource"}``: a member links one the paper lacks (409 when
  it has one), a curator corrects any. 400 for what is no GitHub repository, 404 for an
  unknown paper, 429 past the ``code_links`` policy (ratelimit/policies.py).
- ``POST /papers/{id}/code`` (the paper page's form, field ``repo``, CSRF-checked): the same,
  then 303 back to the paper's code card.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

import anyio
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from paperboy.community.members import Member
from paperboy.enrich.set_code import set_repo
from paperboy.ratelimit.policies import CODE_LINKS
from paperboy.web import auth
from paperboy.web.http import to_signin
from paperboy.web.routes.curation import _fields

api = APIRouter(tags=["community"])  # the HTTP API for programs (docs/api.md, /openapi.json)
pages = APIRouter(include_in_schema=False)  # pages for people, their forms and twins
Writer = Annotated[Member, Depends(auth.writer)]


def _set(request: Request, member: Member, paper_id: str, repo: Any) -> dict[str, Any]:
    limits = request.app.state.limits
    wait = limits.check(CODE_LINKS, member.id)
    if wait:
        raise HTTPException(429, f"Too many repository changes: at most {limits.most(CODE_LINKS)} an hour. "
                            f"Try again in {int(wait) + 1} s.", headers={"Retry-After": str(int(wait) + 1)})
    with request.app.state.db.connection() as conn:
        return set_repo(conn, paper_id, repo, member)  # a CodeError is answered by web/errors.py


@api.post("/api/papers/{paper_id:path}/code", summary="Set a paper's code repository (a member)")
async def set_code(request: Request, paper_id: str, member: Writer) -> dict[str, Any]:
    """A member links the GitHub repository of a paper that has none; a curator corrects
    one. Its stars are read from GitHub by the next enrichment round."""
    fields = await _fields(request)
    return await anyio.to_thread.run_sync(_set, request, member, paper_id, fields.get("githubRepo"))


@pages.post("/papers/{paper_id:path}/code")
async def set_code_form(request: Request, paper_id: str) -> Response:
    back = f"/papers/{quote(paper_id, safe='/:')}"
    member = auth.current(request)
    if member is None:
        return to_signin(back)
    await auth.check_csrf(request)
    form = await request.form()
    result = await anyio.to_thread.run_sync(_set, request, member, paper_id, form.get("repo"))
    return RedirectResponse(f"/papers/{quote(result['id'], safe='/:')}#code", status_code=303)
