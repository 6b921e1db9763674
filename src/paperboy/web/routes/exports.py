"""Exports: any list of papers as BibTeX, CSL-JSON or RIS (``?format=`` on its JSON twin).

:func:`exported` turns the papers a route found (Hugging Face paper shapes) into the file,
written by library/export.py; the routes that take ``format`` are a collection
(web/routes/collections.py), a search and a day, week or month (web/routes/api.py), and the member's
upvotes, served here: ``GET /api/upvotes``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse

from paperboy import collections
from paperboy.collections.lists import iso
from paperboy.community.members import Member
from paperboy.library.export import FORMATS, MEDIA_TYPES, export
from paperboy.papers import view
from paperboy.web import auth
from paperboy.web.http import next_link, no_store

api = APIRouter(tags=["collections"])  # the HTTP API for programs (docs/api.md, /openapi.json)
EXPORT_MAX = collections.MAX_PAPERS  # papers an export holds at most (a whole collection)
FORMAT_HELP = "bibtex, csl-json or ris: the list as a file of that format instead of JSON"
Format = Annotated[str | None, Query(alias="format", description=FORMAT_HELP)]
# What the OpenAPI schema says a route taking ``format`` answers: JSON, or one of the files.
EXPORTS: dict[int | str, dict[str, Any]] = {200: {"content": {m.split(";")[0]: {} for m in MEDIA_TYPES.values()}}}


def check_format(fmt: str | None) -> str | None:
    """``fmt`` when it names an export format (None: JSON); else HTTPException 400."""
    if fmt is not None and fmt not in FORMATS:
        raise HTTPException(400, f"format must be one of {', '.join(FORMATS)} (not {fmt[:40]!r}).")
    return fmt


def filename(stem: str) -> str:
    """A file name stem safe in a Content-Disposition header: letters, digits, ``._-``.

    >>> filename("My reading list: ü & more")
    'My-reading-list-more'
    """
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.")[:80] or "papers"


def exported(papers: Sequence[Mapping[str, Any]], fmt: str, filename_stem: str) -> Response:
    """The papers (Hugging Face paper shapes) as a file to download in ``fmt``: 400 for a
    format other than bibtex, csl-json or ris."""
    check_format(fmt)
    out = export(papers, fmt)
    name = f"{filename(filename_stem)}.{out.extension}"
    return Response(out.body, media_type=out.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@api.get("/api/upvotes", summary="Your upvoted papers (a member), or an export of them", responses=EXPORTS)
def upvotes(
    request: Request,
    member: Annotated[Member, Depends(auth.signed_in)],
    fmt: Format = None,
    p: Annotated[int, Query(ge=0, le=1_000_000, description="page, from 0")] = 0,
    limit: Annotated[int | None, Query(ge=1, le=EXPORT_MAX, description="papers per page, 1–5,000: "
                                       "100 by default, 5,000 for an export")] = None,
) -> Response:
    """The papers the caller (session or `Authorization: Bearer` token) upvoted, the newest
    vote first, as Hugging Face paper objects with `upvotedAt`; `X-Total-Count` and a
    `Link: rel="next"` header while there are more. With `format`: the same papers as a
    BibTeX, CSL-JSON or RIS file. 401 for no one."""
    check_format(fmt)
    size = limit or (EXPORT_MAX if fmt else 100)
    with request.app.state.db.connection() as conn:
        rows, total = collections.upvoted_papers(conn, member.id, p * size, size)
    if fmt:
        return no_store(exported([view.of(r).hf_paper() for r in rows], fmt, f"{member.name}-upvotes"))
    response = JSONResponse([{**view.of(r).hf_paper(), "upvotedAt": iso(r["upvoted"])}
                             for r in rows])
    if (p + 1) * size < total:
        next_link(request, response, p=p + 1, limit=size)
    response.headers["X-Total-Count"] = str(total)
    return no_store(response)
