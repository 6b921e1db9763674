"""A member's library over the web: the API and the account page's import form.

- ``POST /api/library/import``: a BibTeX, CSL-JSON or RIS file, as the multipart field
  ``file`` or as the raw request body (``?format=`` names the format; else the file name,
  else the content tells). Answers the summary ``{format, matched, matchedPapers,
  libraryOnly, duplicates, rejected}``; 400 with the reason for a file that cannot be
  imported (unknown format, nothing readable, a file too large in a form that is not);
  413 for a body larger than a file and its form may be (web/bodies.py); 401 for no one;
  429 past PAPERBOY_IMPORTS_PER_HOUR imports (with Retry-After; the form says so too).
- ``GET /api/library`` (``offset``, ``limit``): the member's entries, newest first, with
  counts; with ``?format=bibtex|csl-json|ris`` the known papers of the library as that file.
- ``DELETE /api/library/{entry_id}``: one entry removed (404: no such entry of yours).
- ``GET /api/library/search?q=`` (``limit``): search inside the member's library, passages
  of full texts and abstracts (passages/library.py); ``GET /account/library/search?q=`` is
  the account page's form and its results (someone not signed in is sent to sign in).
- ``POST /account/library`` (the form on /account#library): imports, then shows the account
  page with the summary; ``POST /account/library/{entry_id}/remove`` and
  ``/account/library/clear`` remove entries and go back there.

All per member: never cached (Cache-Control: no-store). Every change goes through
auth.writer (a token, or the session cookie with its CSRF token).
"""

from __future__ import annotations

import math

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from paperboy.community.members import Member
from paperboy.library import importer
from paperboy.library.entry import LibraryError
from paperboy.library.export import FORMATS
from paperboy.papers import view
from paperboy.passages import library as library_search
from paperboy.passages.search import public as passage_json
from paperboy.ratelimit.policies import IMPORTS
from paperboy.search.query import MAX_QUERY
from paperboy.web import auth
from paperboy.web.http import no_store, to_signin
from paperboy.web.routes.account import _page as account_page  # the account page, with what to add
from paperboy.web.routes.exports import EXPORTS
from paperboy.web.templating import html, twin

api = APIRouter(tags=["library"])  # the HTTP API for programs (docs/api.md, /openapi.json)
pages = APIRouter(include_in_schema=False)  # pages for people, their forms and twins
WRITER = Depends(auth.writer)
SIGNED_IN = Depends(auth.signed_in)
# (A body larger than the file and its form is refused before it is read: web/bodies.py.)
_TOO_LARGE = f"The file is too large: at most {importer.MAX_BYTES / 1_000_000:g} MB per import."


async def may_import(request: Request, member: Member = WRITER) -> Member:
    """A member who has not imported too often lately (each import parses up to 5 MB, which
    takes seconds): the attempt is counted before the file is read (the ``imports`` policy:
    PAPERBOY_IMPORTS_PER_HOUR at once and as many an hour after that)."""
    limits = request.app.state.limits
    wait = limits.held(IMPORTS, member.id) or await run_in_threadpool(limits.check, IMPORTS, member.id)
    if wait:
        minutes = math.ceil(wait / 60)
        raise HTTPException(429, f"Too many imports: at most {limits.most(IMPORTS)} an hour. Try again in "
                                 f"{minutes} minute{'s' if minutes != 1 else ''}.",
                            headers={"Retry-After": str(math.ceil(wait))})
    return member


IMPORTER = Depends(may_import)


async def _upload(request: Request) -> tuple[bytes, str]:
    """The file's bytes and name: the multipart field ``file``, else the whole body."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise HTTPException(400, "Choose a file to import (the form field 'file').")
        data = await file.read(importer.MAX_BYTES + 1)
        name = file.filename or ""
    else:
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > importer.MAX_BYTES:
                break
        data, name = bytes(body), ""
    if len(data) > importer.MAX_BYTES:
        raise HTTPException(400, _TOO_LARGE)
    if not data.strip():
        raise HTTPException(400, "The file is empty: nothing to import.")
    return data, name


async def _import(request: Request, member: Member, fmt: str | None) -> importer.ImportSummary:
    data, name = await _upload(request)

    def work() -> importer.ImportSummary:
        text = importer.read_text(data)
        with request.app.state.db.connection() as conn:
            return importer.import_library(conn, member.id, text, name, fmt or None)

    try:
        return await run_in_threadpool(work)  # parsing a large file takes seconds
    except LibraryError as e:
        raise HTTPException(400, str(e)) from None


@api.post("/api/library/import")
async def import_api(request: Request, fmt: str | None = Query(None, alias="format"),
                     member: Member = IMPORTER) -> Response:
    """Import a library file; the summary of what was matched, kept and rejected."""
    summary = await _import(request, member, fmt)
    return no_store(JSONResponse(summary.as_json()))


@api.get("/api/library", responses=EXPORTS)
def library_api(request: Request, offset: int = Query(0, ge=0, le=1_000_000),  # (beyond: bigint overflow, a 500)
                limit: int = Query(importer.PAGE, ge=1, le=500),
                fmt: str | None = Query(None, alias="format"), member: Member = SIGNED_IN) -> Response:
    """The member's library, newest first; with ``format``, its known papers as a file."""
    if fmt is not None and fmt not in FORMATS:
        raise HTTPException(400, f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")
    with request.app.state.db.connection() as conn:
        if fmt is not None:
            exported = importer.export_library(conn, member.id, fmt)
        else:
            return no_store(JSONResponse(importer.library(conn, member.id, offset, limit).as_json()))
    return no_store(Response(exported.body, media_type=exported.media_type, headers={
        "Content-Disposition": f'attachment; filename="library.{exported.extension}"'}))


@api.delete("/api/library/{entry_id}")
def remove_api(request: Request, entry_id: int, member: Member = WRITER) -> Response:
    with request.app.state.db.connection() as conn:
        if not importer.remove_entry(conn, member.id, entry_id):
            raise HTTPException(404, "There is no such entry in your library.")
    return no_store(JSONResponse({"removed": entry_id}))


@pages.post("/account/library", response_class=HTMLResponse)
async def import_form(request: Request, member: Member = WRITER) -> Response:
    """The account page's import form: the page again, with the summary (or the reason)."""
    try:
        await may_import(request, member)
        summary = await _import(request, member, None)
    except HTTPException as e:
        return await run_in_threadpool(account_page, request, member, e.status_code, library_error=e.detail)
    return await run_in_threadpool(account_page, request, member, library_summary=summary)


@pages.post("/account/library/{entry_id}/remove", response_class=HTMLResponse)
def remove_form(request: Request, entry_id: int, member: Member = WRITER) -> Response:
    with request.app.state.db.connection() as conn:
        if not importer.remove_entry(conn, member.id, entry_id):
            raise HTTPException(404, "There is no such entry in your library.")
    return RedirectResponse("/account#library", status_code=303)


@pages.post("/account/library/clear", response_class=HTMLResponse)
def clear_form(request: Request, member: Member = WRITER) -> Response:
    with request.app.state.db.connection() as conn:
        importer.clear(conn, member.id)
    return RedirectResponse("/account#library", status_code=303)


def _search(request: Request, member: Member, q: str, limit: int) -> list[dict]:
    with request.app.state.db.connection() as conn:
        return library_search.search(conn, request.app.state.searcher, member.id, q, limit)


@api.get("/api/library/search")
def search_api(request: Request, q: str = Query(..., max_length=MAX_QUERY), limit: int = Query(20, ge=1, le=100),
               member: Member = SIGNED_IN) -> Response:
    """Search inside your library (papers you upvoted, saved or imported): their full texts'
    passages and their abstracts. Items: ``{paper, title, score, passage}``, ``passage``
    being ``{section, label, anchor, snippet, url, highlight_url}`` or null (matched in the abstract)."""
    found = _search(request, member, q, limit)
    return no_store(JSONResponse([{"paper": view.of(r).hf_paper(), "title": r["title"], "score": round(r["score"], 6),
                                   "passage": passage_json(r["passage"])} for r in found]))


@pages.get("/account/library/search", response_class=HTMLResponse)
def search_page(request: Request, q: str = Query("", max_length=MAX_QUERY)) -> Response:
    member = auth.current(request)
    if member is None:
        return no_store(to_signin(str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")))
    found = _search(request, member, q, 50) if q.strip() else []
    return no_store(html(request, "library_search.html", {
        "q": q, "results": [(view.of(r), r["passage"]) for r in found]},
        json=twin("/api/library/search", q=q, limit=50) if q.strip() else None))
