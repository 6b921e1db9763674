"""Collections as pages: /collections (a member's, with the form to make one), a collection's
page (its papers as cards, export links, the owner's controls), the plain forms behind them,
and the "Save" control of the paper page and the paper cards.

Every form works without JavaScript: it posts (with the session's ``csrf`` field) and is
answered with a redirect back (static/collections.js only dims the list of collections while
a new one's name is typed). The JSON API (web/routes/collections.py) does the same for scripts.

The paper page is cached and shared (web/cache.py), so it is rendered as for no one, with
a marked "save" box (templates/_save.html: a sign-in prompt); a slot of web/personal.py,
:func:`save_box`, fills it for a member with their collections (one query, on paper pages
only). Each paper card links to that box ("Save"), the same link for everyone.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

import anyio
from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperboy import collections
from paperboy.collections import CollectionError
from paperboy.community.members import Member
from paperboy.papers import view
from paperboy.web import auth
from paperboy.web.http import call, local_path, no_store, to_signin
from paperboy.web.personal import Found
from paperboy.web.routes.collections import viewable
from paperboy.web.templating import html as render
from paperboy.web.templating import templates

pages = APIRouter(include_in_schema=False)  # pages for people, their forms and twins
Writer = Annotated[Member, Depends(auth.writer)]
PAGE_SIZE = 30
DONE = {
    "made": "The collection is made: save papers to it from any paper's page.",
    "changed": "Saved.",
    "deleted": "The collection is deleted.",
    "removed": "The paper is taken out of this collection.",
}


def _list_page(request: Request, member: Member | None, status: int = 200, **extra: Any) -> Response:
    mine: list[collections.Collection] = []
    if member is not None:
        with request.app.state.db.connection() as conn:
            mine = collections.of_member(conn, member.id)
    return no_store(render(request, "collections.html", {
        "member": member, "mine": mine, "max_name": collections.MAX_NAME, **extra}, status,
        json="/api/collections" if member is not None else None))


@pages.get("/collections", response_class=HTMLResponse)
def list_page(request: Request, done: str = "") -> Response:
    """The member's collections and the form to make one; for no one, how to sign in."""
    return _list_page(request, auth.current(request), notice=DONE.get(done))


@pages.get("/collections/{collection_id:int}", response_class=HTMLResponse)
def collection_page(request: Request, collection_id: int, done: str = "",
                    page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    """A collection's papers as cards, newest saved first (404 when not the asker's to see)."""
    c = viewable(request, collection_id)
    rows = call(request, collections.papers, c.id, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    member = auth.current(request)
    return no_store(render(request, "collection.html", {
        "c": c, "papers": [view.of(r) for r in rows], "owner": member is not None and member.id == c.member_id,
        "page": page, "last": max(1, -(-c.n_papers // PAGE_SIZE)), "total": c.n_papers,
        "offset": (page - 1) * PAGE_SIZE, "notice": DONE.get(done), "max_name": collections.MAX_NAME},
        json=f"/api/collections/{c.id}"))


def _public(value: str) -> bool | None:
    """A form's ``public`` field: "1"/"on" public, "0" private, absent unchanged."""
    if value == "":
        return None
    return value.lower() in ("1", "on", "true", "yes", "public")


@pages.post("/collections", response_class=HTMLResponse)
def create_form(request: Request, member: Writer, name: Annotated[str, Form()] = "",
                description: Annotated[str, Form()] = "", public: Annotated[str, Form()] = "") -> Response:
    try:
        with request.app.state.db.connection() as conn:
            made = collections.create(conn, member.id, name, description, bool(_public(public)))
    except CollectionError as e:
        return _list_page(request, member, e.status, error=e.message, name=name, description=description)
    return RedirectResponse(f"{made.path}?done=made", status_code=303)


@pages.post("/collections/{collection_id:int}/edit")
def edit_form(request: Request, collection_id: int, member: Writer, name: Annotated[str | None, Form()] = None,
              description: Annotated[str | None, Form()] = None, public: Annotated[str, Form()] = "") -> Response:
    """Rename (``name``, ``description``) or make public or private (``public`` 1 or 0);
    a field not sent stays as it was."""
    call(request, collections.update, member.id, collection_id, name, description, _public(public))
    return RedirectResponse(f"/collections/{collection_id}?done=changed", status_code=303)


@pages.post("/collections/{collection_id:int}/delete")
def delete_form(request: Request, collection_id: int, member: Writer) -> Response:
    call(request, collections.delete, member.id, collection_id)
    return RedirectResponse("/collections?done=deleted", status_code=303)


@pages.post("/collections/{collection_id:int}/remove")
def remove_form(request: Request, collection_id: int, member: Writer, paper: Annotated[str, Form()] = "",
                next_: Annotated[str, Form(alias="next")] = "") -> Response:
    """Take ``paper`` out of the collection; back to ``next`` (a path of this site) or the
    collection's page."""
    call(request, collections.remove_paper, member.id, collection_id, paper)
    return RedirectResponse(local_path(next_, f"/collections/{collection_id}?done=removed"), status_code=303)


def _save(request: Request, member: Member, paper: str, collection: str, new_collection: str) -> str:
    """Save ``paper`` to the member's collection ``collection`` (an id), or to the one
    named ``new_collection`` (made when they have none by that name); its stored id."""
    with request.app.state.db.connection() as conn:
        if new_collection.strip():
            target = collections.named(conn, member.id, new_collection) or collections.create(
                conn, member.id, new_collection)
            cid = target.id
        elif collection.isdigit():
            cid = int(collection)
        else:
            raise HTTPException(400, "Choose one of your collections, or type the name of a new one.")
        return collections.add_paper(conn, member.id, cid, paper)["paper"]


@pages.post("/collections/save")
async def save_form(request: Request, paper: Annotated[str, Form()] = "", collection: Annotated[str, Form()] = "",
                    new_collection: Annotated[str, Form()] = "",
                    next_: Annotated[str, Form(alias="next")] = "") -> Response:
    """The paper page's "Save" form: to a chosen collection or a new one by name; back to
    the paper's save box. Someone not signed in is sent to sign in first."""
    back = local_path(next_, f"/papers/{quote(paper, safe='/:')}#save")
    member = auth.current(request)
    if member is None:
        return to_signin(back, "save")
    await auth.check_csrf(request)
    await anyio.to_thread.run_sync(_save, request, member, paper, collection, new_collection)
    return RedirectResponse(back, status_code=303)


# --- the member's "Save" controls on shared pages ------------------------------------------

def _save_state(db: Any, member_id: int, paper_ids: list[str]) -> tuple[list[Any], dict[str, set[int]]]:
    with db.connection() as conn:
        return collections.of_member(conn, member_id), collections.containing(conn, member_id, paper_ids)


def save_box_for(pid: str, mine: list[Any], saved: set[int], csrf: str) -> bytes:
    """The save box of paper ``pid`` for a member with collections ``mine``."""
    return templates.get_template("_save.html").render(
        pid=pid, saving={"collections": mine, "saved": saved, "held": [c for c in mine if c.id in saved]},
        csrf_token=csrf).encode()


async def save_box(scope: dict[str, Any], member: Member, found: list[Found]) -> list[bytes]:
    """The "save" slots of a page (templates/_save.html), made the member's: their
    collections to choose from, those holding the paper, and the form to save it."""
    ids = [f.arg for f in found]
    mine, held = await anyio.to_thread.run_sync(_save_state, scope["app"].state.db, member.id, ids)
    csrf = (scope.get("state") or {}).get("csrf", "")
    return [save_box_for(pid, mine, held.get(pid, set()), csrf) for pid in ids]

