"""Collections over JSON, and the Atom feed of a public one.

- ``GET /api/collections`` (a member): their collections; ``?paper=ID`` adds ``hasPaper``;
- ``POST /api/collections`` ``{name, description?, public?}`` → 201 the collection;
- ``GET /api/collections/{id}``: the collection with its papers, or with ``?format=`` the
  export file; anyone for a public one, its owner alone for a private one (404 to others);
- ``PATCH`` / ``DELETE /api/collections/{id}``, ``PUT`` / ``DELETE
  /api/collections/{id}/papers/{paper_id}``: its owner (404 to anyone else);
- ``GET /collections/{id}/feed.atom``: a public collection's papers (404 private).

A collection someone may not see is 404 exactly like one that does not exist: whether a
private collection exists is never told. The pages and forms are web/routes/collection_pages.py.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from paperboy import collections
from paperboy.collections import Collection
from paperboy.collections.lists import iso
from paperboy.community.members import Member
from paperboy.papers import view
from paperboy.web import auth
from paperboy.web.http import call, next_link, no_store
from paperboy.web.routes import feeds
from paperboy.web.routes.exports import EXPORT_MAX, EXPORTS, Format, check_format, exported

api = APIRouter(tags=["collections"])  # the HTTP API for programs (docs/api.md, /openapi.json)
Writer = Annotated[Member, Depends(auth.writer)]
SignedIn = Annotated[Member, Depends(auth.signed_in)]


class NewCollection(BaseModel):
    name: str = Field(description="1–100 characters, one line; unique among your collections (without case)")
    description: str = Field("", description="at most 2,000 characters")
    public: bool = Field(False, description="public: a page and an Atom feed anyone may read")


class CollectionChange(BaseModel):
    name: str | None = Field(None, description="a new name")
    description: str | None = Field(None, description="a new description")
    public: bool | None = Field(None, description="make it public (true) or private (false)")


def viewable(request: Request, collection_id: int) -> Collection:
    """The collection if the asker may see it; else 404 (as for none at all)."""
    member = auth.current(request)
    found = call(request, collections.get, collection_id, member.id if member else None)
    if found is None:
        raise collections.lists.not_found(collection_id)
    return found


def private(c: Collection, response: Response) -> Response:
    """A private collection's answers are for its owner only: never stored on the way."""
    return response if c.public else no_store(response)


@api.get("/api/collections", summary="Your collections (a member)")
def mine(request: Request, member: SignedIn,
         paper: Annotated[str | None, Query(max_length=200, description="a paper id: each collection "
                                            "then says whether it holds it (`hasPaper`)")] = None) -> Response:
    """`[{id, name, description, public, owner: {name}, numPapers, created, modified}]`, the
    most recently changed first. 401 for no one."""
    with request.app.state.db.connection() as conn:
        found = collections.of_member(conn, member.id)
        pid = collections.paper_id_of(conn, paper) if paper else None
        saved = collections.containing(conn, member.id, [pid]).get(pid, set()) if pid else set()
    return no_store(JSONResponse([{**c.api(), **({"hasPaper": c.id in saved} if paper else {})} for c in found]))


@api.post("/api/collections", status_code=201, summary="Make a collection (a member)")
def create(request: Request, data: NewCollection, member: Writer) -> dict[str, Any]:
    """**201** the new collection (with `papers: []`). 400 a bad name or description, or
    200 collections already; 409 a name you use already."""
    made = call(request, collections.create, member.id, data.name, data.description, data.public)
    return {**made.api(), "papers": []}


@api.get("/api/collections/{collection_id:int}", summary="A collection and its papers, or an export",
            responses=EXPORTS)
def one(request: Request, collection_id: int, fmt: Format = None,
        p: Annotated[int, Query(ge=0, le=1_000_000, description="page, from 0")] = 0,
        limit: Annotated[int, Query(ge=1, le=EXPORT_MAX, description="papers per page, 1–5,000 "
                                    "(default: all)")] = EXPORT_MAX) -> Response:
    """`{id, name, description, public, owner: {name}, numPapers, created, modified, papers:
    [paper objects with addedAt]}`, the last saved first. A public collection is anyone's to
    read; a private one its owner's only: 404 to anyone else, as for a collection that does
    not exist. With `format` (bibtex, csl-json or ris): its papers as that file."""
    check_format(fmt)
    c = viewable(request, collection_id)
    rows = call(request, collections.papers, c.id, p * limit, limit)
    if fmt:
        return private(c, exported([view.of(r).hf_paper() for r in rows], fmt, c.name))
    response = JSONResponse({**c.api(), "papers": [{**view.of(r).hf_paper(), "addedAt": iso(r["added"])}
                                                   for r in rows]})
    if (p + 1) * limit < c.n_papers:
        next_link(request, response, p=p + 1, limit=limit)
    return private(c, response)


@api.patch("/api/collections/{collection_id:int}", summary="Rename a collection, or make it public or private")
def change(request: Request, collection_id: int, data: CollectionChange, member: Writer) -> dict[str, Any]:
    """The fields given change; the collection after. 404 for a collection not yours."""
    return call(request, collections.update, member.id, collection_id, data.name, data.description,
                data.public).api()


@api.delete("/api/collections/{collection_id:int}", summary="Delete a collection")
def delete(request: Request, collection_id: int, member: Writer) -> dict[str, Any]:
    """The papers stay where they are; only the list goes. 404 for a collection not yours."""
    call(request, collections.delete, member.id, collection_id)
    return {"id": collection_id, "deleted": True}


@api.put("/api/collections/{collection_id:int}/papers/{paper_id:path}", summary="Save a paper to a collection")
def save(request: Request, collection_id: int, paper_id: str, member: Writer) -> dict[str, Any]:
    """`{collection, paper, saved: true, numPapers}`; saving again changes nothing. 404 for
    a collection not yours or an unknown paper; 400 when the collection holds 5,000."""
    done = call(request, collections.add_paper, member.id, collection_id, paper_id)
    return {"collection": collection_id, **done, "saved": True}


@api.delete("/api/collections/{collection_id:int}/papers/{paper_id:path}",
               summary="Take a paper out of a collection")
def unsave(request: Request, collection_id: int, paper_id: str, member: Writer) -> dict[str, Any]:
    """`{collection, paper, saved: false, numPapers}`; a paper not in it changes nothing."""
    done = call(request, collections.remove_paper, member.id, collection_id, paper_id)
    return {"collection": collection_id, **done, "saved": False}


@api.get("/collections/{collection_id:int}/feed.atom", summary="Atom feed of a public collection",
            response_class=feeds.AtomResponse)
def feed(request: Request, collection_id: int) -> Response:
    """The last 100 papers saved to a public collection (404 for a private one)."""
    with request.app.state.db.connection() as conn:
        c = collections.get(conn, collection_id, None)  # a feed reader is no one: public only
        if c is None:
            raise collections.lists.not_found(collection_id)
        rows = collections.papers(conn, c.id, 0, 100)
    base = request.app.state.base_url
    return feeds._feed(request, f"collection-{c.id}", f"paperboy · {c.name}",
                       c.description or f"Papers {c.owner} saved to {c.name}", rows,
                       alternate=f"{base}{c.path}", path=f"{c.path}/feed.atom")
