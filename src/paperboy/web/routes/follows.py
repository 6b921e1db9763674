"""Follows: a member follows an author or a topic (docs/web.md, "Authors and follows").

- ``POST`` / ``DELETE /api/authors/{name}/follow`` and ``/api/topics/{id}/follow`` →
  ``{kind, key, label, following}``: a member (cookie with CSRF token, or a token); 401 for no
  one, 404 for an unknown author or topic (unfollowing one that is gone works).
- ``POST /authors/{name}/follow|unfollow``, ``/topics/{id}/follow|unfollow`` (forms, without
  JavaScript): then 303 back to ``next`` (a path of this site) or the author's or topic's page;
  someone not signed in is sent to sign in first.
- :func:`follow_buttons`, the "follow" slot of web/personal.py: a member's Follow buttons on a
  shared page say whether they follow (templates/_follow.html).
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from paperboy.authors.page import MAX_NAME
from paperboy.community.members import Member
from paperboy.follows import store
from paperboy.web import auth
from paperboy.web.http import local_path, no_store, to_signin
from paperboy.web.personal import Found
from paperboy.web.templating import templates

api = APIRouter(tags=["follows"])  # the HTTP API for programs (docs/web.md, /openapi.json)
pages = APIRouter(include_in_schema=False)  # pages for people, their forms and twins
Writer = Annotated[Member, Depends(auth.writer)]
Name = Annotated[str, Path(max_length=MAX_NAME)]
TopicId = Annotated[int, Path(ge=1, le=2**62)]
State = dict[str, Any]


def _do(request: Request, fn, *args: Any) -> store.Follow:
    try:
        with request.app.state.db.connection() as conn:
            return fn(conn, *args)
    except store.NotFound as e:
        raise HTTPException(404, str(e)) from None


def _json(f: store.Follow, following: bool) -> Response:
    return no_store(JSONResponse(f.as_json(following)))


@api.post("/api/authors/{name}/follow", summary="Follow an author (a member)")
def follow_author(request: Request, name: Name, member: Writer) -> Response:
    """Follow the author a name means (any spelling); following again changes nothing."""
    return _json(_do(request, store.follow_author, member.id, name), True)


@api.delete("/api/authors/{name}/follow", summary="Unfollow an author (a member)")
def unfollow_author(request: Request, name: Name, member: Writer) -> Response:
    return _json(_do(request, store.unfollow_author, member.id, name), False)


@api.post("/api/topics/{topic_id}/follow", summary="Follow a topic (a member)")
def follow_topic(request: Request, topic_id: TopicId, member: Writer) -> Response:
    return _json(_do(request, store.follow_topic, member.id, topic_id), True)


@api.delete("/api/topics/{topic_id}/follow", summary="Unfollow a topic (a member)")
def unfollow_topic(request: Request, topic_id: TopicId, member: Writer) -> Response:
    return _json(_do(request, store.unfollow_topic, member.id, topic_id), False)


async def _form(request: Request, default: str, fn, *args: Any) -> RedirectResponse:
    form = await request.form()
    back = local_path(form.get("next"), default)
    member = auth.current(request)
    if member is None:
        return to_signin(back, "follow")
    await auth.check_csrf(request)
    await anyio.to_thread.run_sync(_do, request, fn, member.id, *args)
    return RedirectResponse(back, status_code=303)


@pages.post("/authors/{name}/follow")
async def follow_author_form(request: Request, name: Name) -> RedirectResponse:
    return await _form(request, store.author_href(name), store.follow_author, name)


@pages.post("/authors/{name}/unfollow")
async def unfollow_author_form(request: Request, name: Name) -> RedirectResponse:
    return await _form(request, store.author_href(name), store.unfollow_author, name)


@pages.post("/topics/{topic_id}/follow")
async def follow_topic_form(request: Request, topic_id: TopicId) -> RedirectResponse:
    return await _form(request, f"/topics/{topic_id}", store.follow_topic, topic_id)


@pages.post("/topics/{topic_id}/unfollow")
async def unfollow_topic_form(request: Request, topic_id: TopicId) -> RedirectResponse:
    return await _form(request, f"/topics/{topic_id}", store.unfollow_topic, topic_id)


def _following(db, member_id: int, targets: list[str]) -> list[bool]:
    with db.connection() as conn:
        return store.slots(conn, member_id, targets)


async def follow_buttons(scope: dict[str, Any], member: Member, found: list[Found]) -> list[bytes]:
    """The "follow" slots of a page, made the member's: pressed where they follow."""
    targets = [f.arg for f in found]
    mine = await anyio.to_thread.run_sync(_following, scope["app"].state.db, member.id, targets)
    csrf = (scope.get("state") or {}).get("csrf", "")
    tpl = templates.get_template("_follow.html")
    out = []
    for t, on in zip(targets, mine, strict=True):
        kind, _, target = t.partition(":")
        target, _, label = target.partition(":") if kind == "topic" else (target, "", target)
        out.append(tpl.render(kind=kind, target=target, label=label, following=on, csrf_token=csrf).encode())
    return out
