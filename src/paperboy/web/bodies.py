"""Request bodies: how large, how slow, and read only for someone who may send one.

- **Size.** A body is at most :data:`SMALL` (forms and JSON), a comment's text at most
  :data:`TEXT`, a library upload at most the importer's limit and the form around it
  (:data:`LARGER` lists these routes: the limits live here, nowhere else). A Content-Length
  above the route's limit is answered 413 before anything is read; a body sent without one
  (chunked) is counted as it arrives and refused at the limit. The reverse proxies in
  deploy/ carry the same limits (tests/test_deploy_files.py checks).
- **Who.** FastAPI reads and parses a body before it resolves a route's dependencies, so an
  anonymous 20 MB JSON array used to be parsed (and cost the worker 480 MB) before its 401.
  A route whose dependencies need a member (``auth.needs``) now gets an empty body when the
  caller is not one, or lacks the role: its own dependency then answers 401 or 403 as
  always, and nothing the caller sent is read or parsed.
- **Time.** The body must arrive within ``read_timeout`` (PAPERBOY_READ_TIMEOUT) seconds,
  plus a second for every :data:`MIN_RATE` bytes the route may take; a client that stalls
  gets 408 and the connection is closed. (How long the headers may take is the server's
  business: web/server.py.)

Starlette's own ``max_body_size`` was not enough: it answers in its own words (plain text,
also for the JSON API), checks Content-Length only once the app reads or answers, and
cannot know who is asking.
"""

from __future__ import annotations

import html
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import anyio
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match

from paperboy.community.members import ROLES
from paperboy.library import importer

SMALL = 64 * 1024  # bytes: every form and JSON body but those below
# A comment of comments.MAX_BODY (10,000) characters, each up to 12 bytes once escaped
# (\\ud83d\\ude00 in JSON; %F0%9F%98%80 is 12 too in a form).
TEXT = 128 * 1024
FORM_OVERHEAD = 64 * 1024  # what multipart adds around a file (boundaries, headers, the csrf field)
MIN_RATE = 50_000  # bytes a second a client must manage, beyond the read timeout


def upload_limit() -> int:
    """A library upload: the importer's largest file and the form around it."""
    return importer.MAX_BYTES + FORM_OVERHEAD


def _upload_words() -> str:
    return f"The file is too large: at most {importer.MAX_BYTES / 1_000_000:g} MB per import."


def _text_words() -> str:
    return f"The request is too large: at most {TEXT // 1024} kB here."


# Routes (by path, every method) that take more than SMALL: (their limit, what a refusal says).
LARGER: dict[str, tuple[Callable[[], int], Callable[[], str]]] = {
    "/api/library/import": (upload_limit, _upload_words),
    "/account/library": (upload_limit, _upload_words),
    "/api/papers/{paper_id:path}/comments": (lambda: TEXT, _text_words),
    "/papers/{paper_id:path}/comments": (lambda: TEXT, _text_words),
    "/api/comments/{comment_id}": (lambda: TEXT, _text_words),
    "/comments/{comment_id}/edit": (lambda: TEXT, _text_words),
}


def limit_of(path: str) -> tuple[int, str]:
    """The most bytes a body to the route at ``path`` (its template) may hold, and the words
    of a refusal."""
    if path in LARGER:
        limit, words = LARGER[path]
        return limit(), words()
    return SMALL, f"The request is too large: at most {SMALL // 1024} kB here."


def needed_role(route: BaseRoute) -> str | None:
    """The highest role a route's dependencies ask for ("member": anyone signed in), or None
    when anyone may call it."""
    if not isinstance(route, APIRoute):
        return None
    found: str | None = None
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        name = getattr(dependant.call, "needs", None) if dependant.call is not None else None
        if name and (found is None or ROLES.index(name) > ROLES.index(found)):
            found = name
        stack.extend(dependant.dependencies)
    return found


@dataclass(frozen=True)
class Rule:
    path: str  # the route's template; "" for no route
    role: str | None


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` (FastAPI lets an HTTPException from the body pass unchanged, so
    the app's handler answers it: JSON for the API, the error page for pages)."""

    def __init__(self, message: str) -> None:
        super().__init__(413, message, headers={"Connection": "close"})


class BodyTooSlow(HTTPException):
    def __init__(self, seconds: float) -> None:
        super().__init__(408, f"The request's body did not arrive within {seconds:g} s.",
                         headers={"Connection": "close"})


class Bodies:
    """The middleware; it sits inside auth.Members (it needs to know who asks)."""

    def __init__(self, app, routes: Iterable[BaseRoute], read_timeout: float) -> None:
        self.app = app
        self.routes = [(route, Rule(getattr(route, "path", ""), needed_role(route))) for route in routes]
        self.read_timeout = read_timeout

    def rule(self, scope: dict[str, Any]) -> Rule:
        for route, rule in self.routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return rule
        return Rule("", None)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length, chunked = _declared(scope["headers"])
        if not length and not chunked:  # no body: nothing to limit
            await self.app(scope, receive, send)
            return
        rule = self.rule(scope)
        limit, words = limit_of(rule.path)
        if length is not None and length > limit:
            await _refuse(scope, send, 413, "Request too large", words)
            return
        member = scope.get("state", {}).get("member")
        if rule.role and not (member and member.can(rule.role)):
            await self.app(scope, _withheld(receive), send)
            return
        seconds = self.read_timeout + limit / MIN_RATE
        deadline = time.monotonic() + seconds
        received, done = 0, False

        async def limited() -> dict[str, Any]:
            nonlocal received, done
            if done:  # the body is in: what follows is a disconnect, whenever it comes
                return await receive()
            try:
                with anyio.fail_after(max(0.0, deadline - time.monotonic())):
                    message = await receive()
            except TimeoutError:
                raise BodyTooSlow(seconds) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(words)
                done = not message.get("more_body", False)
            return message

        started = False

        async def watched(message: dict[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, watched)
        except (BodyTooLarge, BodyTooSlow) as e:  # raised outside the app's own handlers
            if started:
                raise
            await _refuse(scope, send, e.status_code, "Request too large" if e.status_code == 413
                          else "Request timeout", str(e.detail), close=True)


def _declared(headers: list[tuple[bytes, bytes]]) -> tuple[int | None, bool]:
    """The Content-Length (None: not given, or not a number) and whether the body is chunked."""
    length, chunked = None, False
    for name, value in headers:
        if name == b"content-length":
            length = int(value) if value.strip().isdigit() else None
            chunked = chunked or length is None
        elif name == b"transfer-encoding":
            chunked = True
    return length, chunked


def _withheld(receive):
    """A ``receive`` that says the body is empty, then passes on only the end of the
    connection (the caller's bytes are never handed to the app)."""
    said = False

    async def empty() -> dict[str, Any]:
        nonlocal said
        if not said:
            said = True
            return {"type": "http.request", "body": b"", "more_body": False}
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return message
    return empty


async def _refuse(scope, send, status: int, title: str, message: str, close: bool = False) -> None:
    """An answer made here, before the app: JSON for the API, a plain page otherwise."""
    path = scope["path"]
    if path.startswith("/api/") or path.endswith(".json"):
        body = json.dumps({"error": message, "status": status}).encode()
        ctype = b"application/json"
    else:
        body = (f"<!doctype html><meta charset=utf-8><title>{status} {title}</title>"
                f"<h1>{title}</h1><p>{html.escape(message)}</p>").encode()
        ctype = b"text/html; charset=utf-8"
    headers = [(b"content-type", ctype), (b"content-length", str(len(body)).encode()),
               (b"cache-control", b"no-store")]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
