"""Comments: the JSON API, the plain forms of the paper page, a member's public page, and
the hook that shows each member the controls that are theirs.

- ``GET /api/papers/{id}/comments`` → the thread, flat in reading order (public, cached);
- ``POST /api/papers/{id}/comments`` ``{"body", "parent"?}`` → 201 the new comment;
- ``PATCH`` / ``DELETE /api/comments/{id}``: the author only (403 for others, 404 unknown);
- forms: ``POST /papers/{id}/comments``, ``GET``/``POST /comments/{id}/edit``,
  ``POST /comments/{id}/delete``, each 303 back to the paper;
- ``GET /members/{name}``: who a @mention links to.

The paper page is cached and shared, so it is rendered as for no one: the comment form,
a member's own edit and delete buttons and the curators' controls are in the page but
``hidden``; :func:`reveal` (a hook of web/personal.py, named in create_app) unhides what the member may use. The
server checks every request anyway.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

import anyio
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from paperboy.community import comments, members
from paperboy.community.comments import Comment
from paperboy.community.members import Member
from paperboy.papers import store
from paperboy.ratelimit.policies import COMMENT_EDITS
from paperboy.web import auth
from paperboy.web.http import cacheable, to_signin
from paperboy.web.templating import html

api = APIRouter(tags=["community"])  # the HTTP API for programs (docs/api.md, /openapi.json)
pages = APIRouter(include_in_schema=False)  # pages for people, their forms and twins
Writer = Annotated[Member, Depends(auth.writer)]


class NewComment(BaseModel):
    body: str = Field(description="Markdown, 1–10,000 characters")
    parent: int | None = Field(None, description="the comment this one answers")


class CommentText(BaseModel):
    body: str = Field(description="Markdown, 1–10,000 characters")


def _db(request: Request):
    return request.app.state.db


def _post(request: Request, member: Member, paper_id: str, body: str, parent: int | None) -> Comment:
    per_hour = request.app.state.config.community.comments_per_hour
    with _db(request).connection() as conn:
        return comments.post(conn, member, paper_id, body, parent, per_hour)


def _edit(request: Request, member: Member, comment_id: int, body: str) -> Comment:
    # Every edit changes the shared pages (and empties their cache): at most
    # PAPERBOY_COMMENTS_PER_HOUR a member an hour (the ``comment_edits`` policy).
    limits = request.app.state.limits
    if limits.check(COMMENT_EDITS, member.id):
        raise HTTPException(429, f"At most {limits.most(COMMENT_EDITS)} edits an hour: try again later.",
                            headers={"Retry-After": "3600"})
    with _db(request).connection() as conn:
        return comments.edit(conn, member, comment_id, body)


def _back(c: Comment) -> str:
    return f"/papers/{quote(c.paper_id, safe='/:')}#c{c.id}"


# --- the JSON API ----------------------------------------------------------------------

@api.get("/api/papers/{paper_id:path}/comments", summary="A paper's comments")
@cacheable
def list_comments(request: Request, paper_id: str) -> list[dict[str, Any]]:
    """`[{id, author, html, created, parent, edited, deleted, hidden}]`: top-level comments
    oldest first, each followed by its replies (`parent` is the top-level comment's id).
    Deleted and hidden comments are left out, except as a placeholder (`deleted` or
    `hidden` true, `author` null, `html` empty) for one that has replies."""
    with _db(request).connection() as conn:
        paper = store.get(conn, paper_id)
        if paper is None:
            raise HTTPException(404, f"no paper with id {paper_id[:80]!r}")
        thread = comments.thread(conn, paper["id"])
    return [c.api() for c in comments.flat(thread)]


@api.post("/api/papers/{paper_id:path}/comments", status_code=201, summary="Comment on a paper (a member)")
def add_comment(request: Request, paper_id: str, data: NewComment, member: Writer) -> dict[str, Any]:
    """Markdown, rendered to sanitised HTML (LaTeX in `$…$` kept as text); `parent` makes
    it a reply (a reply to a reply joins its top-level comment's thread). 400 for an empty
    or too long body or a wrong parent, 404 for an unknown paper, 429 past
    PAPERBOY_COMMENTS_PER_HOUR."""
    made = _post(request, member, paper_id, data.body, data.parent)
    return {k: v for k, v in made.api().items() if k in ("id", "author", "html", "created", "parent")}


@api.patch("/api/comments/{comment_id}", summary="Edit your comment")
def edit_comment(request: Request, comment_id: int, data: CommentText, member: Writer) -> dict[str, Any]:
    """Your own comment only (403 for anyone else's, 404 unknown or deleted); it is then
    marked edited. 429 past PAPERBOY_COMMENTS_PER_HOUR edits an hour."""
    return _edit(request, member, comment_id, data.body).api()


@api.delete("/api/comments/{comment_id}", summary="Delete your comment")
def delete_comment(request: Request, comment_id: int, member: Writer) -> dict[str, Any]:
    with _db(request).connection() as conn:
        gone = comments.delete(conn, member, comment_id)
    return {"id": gone.id, "deleted": True}


# --- plain forms -------------------------------------------------------------------------

@pages.post("/papers/{paper_id:path}/comments")
async def comment_form(request: Request, paper_id: str, body: Annotated[str, Form()] = "",
                       parent: Annotated[str, Form()] = "") -> RedirectResponse:
    member = auth.current(request)
    if member is None:
        back = f"/papers/{quote(paper_id, safe='/:')}#comments"
        return to_signin(back, "comment")
    await auth.check_csrf(request)
    if parent and not parent.isdigit():
        raise HTTPException(400, "parent must be a comment's number")
    made = await anyio.to_thread.run_sync(_post, request, member, paper_id, body, int(parent) if parent else None)
    return RedirectResponse(_back(made), status_code=303)


def _own(request: Request, member: Member, comment_id: int) -> Comment:
    with _db(request).connection() as conn:
        c = comments.get(conn, comment_id)
    if c is None or c.deleted:
        raise HTTPException(404, f"No comment {comment_id}.")
    if c.author_id != member.id:
        raise HTTPException(403, "Only its author may change or delete a comment.")
    return c


@pages.get("/comments/{comment_id}/edit")
def edit_page(request: Request, comment_id: int) -> Response:
    member = auth.current(request)
    if member is None:
        return to_signin(request.url.path, "comment")
    return html(request, "comment_edit.html", {"c": _own(request, member, comment_id)})


@pages.post("/comments/{comment_id}/edit")
def edit_form(request: Request, comment_id: int, member: Writer,
              body: Annotated[str, Form()] = "") -> RedirectResponse:
    return RedirectResponse(_back(_edit(request, member, comment_id, body)), status_code=303)


@pages.post("/comments/{comment_id}/delete")
def delete_form(request: Request, comment_id: int, member: Writer) -> RedirectResponse:
    with _db(request).connection() as conn:
        c = comments.delete(conn, member, comment_id)
    return RedirectResponse(f"/papers/{quote(c.paper_id, safe='/:')}#comments", status_code=303)


@pages.get("/members/{name}", response_class=HTMLResponse)
def member_page(request: Request, name: str) -> HTMLResponse:
    with _db(request).connection() as conn:
        who = members.by_name(conn, name) if members.NAME.match(name) else None
        if who is None:
            raise HTTPException(404, "No member by this name.")
        said = comments.by_author(conn, who.id)
    return html(request, "member.html", {"who": who, "said": said})


# --- each member's controls on the shared page --------------------------------------------

# The marked elements, each written with its marker right after the tag's name: user text
# is escaped ("<" becomes "&lt;"), so no comment can contain these bytes.
_FOR_MEMBERS = tuple(b"<%s data-for=\"members\"" % t for t in (b"form", b"details"))
_FOR_NO_ONE = b'<p data-for="no-one"'
_CURATE = tuple(b"<%s data-curate=\"1\"" % t for t in (b"section", b"form"))


async def reveal(scope: dict[str, Any], member: Member, body: bytes) -> bytes:
    """Unhide, on a page made for ``member``: the comment forms (and hide the "sign in to
    comment" link), their own comments' edit and delete buttons, and for a curator the
    curation controls."""
    if b" data-for=" not in body and b" data-own=" not in body and b" data-curate=" not in body:
        return body
    for mark in _FOR_MEMBERS:
        body = body.replace(mark + b" hidden", mark)
    body = body.replace(_FOR_NO_ONE, _FOR_NO_ONE + b" hidden")
    mine = b'<div data-own="%d"' % member.id
    body = body.replace(mine + b" hidden", mine)
    if member.is_curator:
        for mark in _CURATE:
            body = body.replace(mark + b" hidden", mark)
    return body


reveal.markers = (b" data-for=", b" data-own=", b" data-curate=")  # type: ignore[attr-defined]
