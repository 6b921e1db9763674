"""Submitting a paper to today's Daily list: the API, the form on every page, its page.

- ``POST /api/papers/submit`` with ``{"id": "2401.12345"}`` (an id or an arXiv or Hugging
  Face address): 201 and the daily item (``/api/daily_papers`` shape). A member by cookie
  (with the CSRF token) or ``Authorization: Bearer``; 401 for no one. Refusals are JSON
  ``{"error", "status"}`` (409 adds ``day``): see community/submissions.py.
- ``POST /submit`` (the form of templates/base.html, no JavaScript needed): 303 to the
  paper's page; a refusal shows the submit page with the message; someone not signed in is
  sent to sign in first, and comes back to the form with the id filled in.
- ``GET /submit``: that page (the id from ``?id=``, what may be submitted, the limits).

arXiv is asked through one polite client per process (PAPERBOY_ARXIV_URL, spaced by
PAPERBOY_ARXIV_DELAY), one question at a time, with a short timeout and one retry: a
person is waiting. Besides the daily limit (PAPERBOY_SUBMIT_PER_DAY, kept in the database)
a member may try at most BURST submissions a minute (the ``submit_burst`` policy of
ratelimit/policies.py, counted in the database for all workers), so no one can make this
instance hammer arXiv.
"""

from __future__ import annotations

import threading
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from paperboy.community import submissions
from paperboy.community.members import Member
from paperboy.config import Config
from paperboy.fetch import arxiv
from paperboy.fetch.client import PoliteClient
from paperboy.papers import view
from paperboy.papers.record import Paper
from paperboy.ratelimit.policies import SUBMIT_BURST, SUBMIT_TRIES
from paperboy.web import auth
from paperboy.web.http import to_signin
from paperboy.web.templating import html

api = APIRouter(tags=["community"])  # the HTTP API for programs (docs/api.md, /openapi.json)
pages = APIRouter(include_in_schema=False)  # pages for people, their forms and twins
Writer = Annotated[Member, Depends(auth.writer)]
BURST = SUBMIT_TRIES  # submissions a member may try a minute (curators and admins: no limit)
TIMEOUT = 15.0  # seconds arXiv may take to answer a submission (at most the fetch timeout)


class Lookup:
    """Reads one paper from arXiv for a submission: one client per process, one request at a
    time, spaced like every fetch from arXiv."""

    def __init__(self, cfg: Config) -> None:
        f = cfg.fetch
        self.url = f.arxiv_url
        self.client = PoliteClient("arXiv", f.arxiv_delay, min(f.timeout, TIMEOUT), min(f.retries, 1))
        self.lock = threading.Lock()

    def __call__(self, arxiv_id: str) -> Paper | None:
        with self.lock:
            return arxiv.lookup(self.client, self.url, arxiv_id)


def _lookup(request: Request) -> Lookup:
    """The app's arXiv lookup (made by create_app)."""
    return request.app.state.submit_lookup


def _submit(request: Request, member: Member, text: str) -> dict[str, Any]:
    """The stored paper, or raises SubmitError."""
    lookup = _lookup(request)
    if not member.can("curator"):
        wait = request.app.state.limits.check(SUBMIT_BURST, member.id)
        if wait:
            raise submissions.SubmitError(
                429, f"Too many submissions at once: at most {BURST} a minute. Try again in {int(wait) + 1} s.")
    return submissions.submit(request.app.state.db, member, text, lookup,
                              request.app.state.config.community.submit_per_day)


class Submission(BaseModel):
    id: str = Field(description="an arXiv id (2401.12345, 2401.12345v2, hep-th/9901001) or an "
                                "arXiv or Hugging Face paper address", max_length=1000)


@api.post(
    "/api/papers/submit",
    status_code=201,
    summary="Submit a paper to today's Daily list (a member)",
    responses={400: {"description": "not an arXiv id or address"}, 401: {"description": "no one signed in"},
               404: {"description": "arXiv has no such paper"},
               409: {"description": "already on a Daily list: `day` says which"},
               429: {"description": "the member's daily limit (or too many at once)"},
               502: {"description": "arXiv could not be reached; nothing was written"}},
)
def submit_api(request: Request, body: Submission, member: Writer) -> Response:
    """Reads the paper from arXiv when this instance does not have it yet, and lists it on
    today's (UTC) Daily list as submitted by the caller. Answers the daily item."""
    row = _submit(request, member, body.id)  # a SubmitError is answered by web/errors.py
    return JSONResponse(view.of(row).hf_daily_item(), status_code=201)


def _page(request: Request, paper_id: str = "", error: str | None = None, status: int = 200,
          day: str | None = None) -> Response:
    response = html(request, "submit.html", {
        "paper_id": paper_id, "error": error, "day": day, "examples": submissions.EXAMPLES,
        "per_day": request.app.state.config.community.submit_per_day, "burst": BURST,
    }, status)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@pages.get("/submit")
def submit_page(request: Request, id: str = "") -> Response:  # noqa: A002 - the form's field
    return _page(request, id[:300])


@pages.post("/submit")
async def submit_form(request: Request) -> Response:
    form = await request.form()
    text = str(form.get("id") or "")[:1000]
    member = auth.current(request)
    if member is None:
        back = "/submit?" + urlencode({"id": text[:300]}) if text else "/submit"
        return to_signin(back, "submit")
    await auth.check_csrf(request)
    try:
        row = await anyio.to_thread.run_sync(_submit, request, member, text)
    except submissions.SubmitError as e:
        return _page(request, text[:300], e.message, e.status, e.extra.get("day"))
    return RedirectResponse(f"/papers/{quote(row['id'], safe='/')}", status_code=303)
