"""Who is asking: a member signed in by cookie, a member's API token, or no one.

:class:`Members` (a middleware) works it out once per request and leaves it in
``request.state``: ``member`` (a Member or None), ``auth`` ("session", "token" or None),
``session_key`` and ``csrf`` (the session's form token). Lookups are cached in the worker
for a second, so browsing costs no query per request; signing out everywhere or revoking
a token takes effect within that second.

Routes declare what they need with the dependencies below: :func:`current` (anyone),
:func:`signed_in` (401 without a member), :func:`role` (403 below it) and, for every
request that changes state, :func:`writer` / :func:`writer_with`, which also check the
CSRF token when the member came by cookie (a token in a header is not ambient authority:
another site cannot make a browser send it, so it needs no CSRF token).
"""

from __future__ import annotations

import hmac
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import cache
from typing import Any

import anyio
from fastapi import HTTPException, Request

from paperboy.community import sessions, tokens
from paperboy.community.members import Member
from paperboy.config import CommunitySettings
from paperboy.db import Database

CACHE_SECONDS = 1.0
COOKIE_SECONDS = 60.0
CACHE_SIZE = 10_000


class Members:
    def __init__(self, app, db: Database, secret: str, settings: CommunitySettings) -> None:
        self.app = app
        self.db = db
        self.secret = secret
        self.settings = settings
        self.cache: OrderedDict[tuple[str, str], tuple[Member | None, float]] = OrderedDict()
        # cookie -> (session key or None, its CSRF token, until): checking a signature and
        # making the token cost more than a cached page's whole answer
        self.cookies: OrderedDict[str, tuple[str | None, str, float]] = OrderedDict()

    def forget(self) -> None:
        """Drop every cached lookup (after this worker signed someone out)."""
        self.cache.clear()

    def _lookup(self, kind: str, value: str) -> Member | None:
        with self.db.connection() as conn:
            if kind == "token":
                return tokens.member_of(conn, value)
            return sessions.member_of(conn, value)

    async def resolve(self, kind: str, value: str) -> Member | None:
        key = (kind, value)
        hit = self.cache.get(key)
        now = time.monotonic()
        if hit and hit[1] > now:
            return hit[0]
        member = await anyio.to_thread.run_sync(self._lookup, kind, value)
        self.cache[key] = (member, now + CACHE_SECONDS)
        self.cache.move_to_end(key)
        while len(self.cache) > CACHE_SIZE:
            self.cache.popitem(last=False)
        return member

    def unsign(self, cookie: str) -> tuple[str | None, str]:
        """The session key a cookie carries (None: forged or too old) and its CSRF token,
        remembered for a minute (a session's age is checked to the minute; whether it still
        exists is checked by :meth:`resolve`)."""
        now = time.monotonic()
        hit = self.cookies.get(cookie)
        if hit and hit[2] > now:
            return hit[0], hit[1]
        key = sessions.key_of(self.secret, cookie, self.settings.session_days)
        csrf = sessions.csrf_token(self.secret, key) if key else ""
        self.cookies[cookie] = (key, csrf, now + COOKIE_SECONDS)
        self.cookies.move_to_end(cookie)
        while len(self.cookies) > CACHE_SIZE:
            self.cookies.popitem(last=False)
        return key, csrf

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        state.update(member=None, auth=None, session_key=None, csrf="", bad_token=False, members=self)
        bearer = cookie = None
        for k, v in scope["headers"]:
            if k == b"authorization":
                scheme, _, value = v.decode("latin-1").partition(" ")
                if scheme.lower() == "bearer" and value.strip():
                    bearer = value.strip()
            elif k == b"cookie":
                cookie = _cookie(v.decode("latin-1"), sessions.COOKIE) or cookie
        if bearer:
            # An unknown token (say, a Hugging Face token the hf client sends everywhere)
            # leaves the caller anonymous on public routes; member routes answer 401.
            member = await self.resolve("token", bearer)
            state.update(member=member, auth="token" if member else None, bad_token=member is None)
        elif cookie:
            key, csrf = self.unsign(cookie)
            member = await self.resolve("session", key) if key else None
            if member:
                state.update(member=member, auth="session", session_key=key, csrf=csrf)
        await self.app(scope, receive, send)


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        k, _, v = part.strip().partition("=")
        if k == name:
            return v.strip().strip('"')
    return None


def current(request: Request) -> Member | None:
    return getattr(request.state, "member", None)


def needs(role_name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Marks a dependency with the least role it lets through (``dependency.needs``):
    web/bodies.py reads it off a route's dependencies, and gives no request body to a caller
    who could not pass (FastAPI reads and parses a body before it resolves any dependency)."""
    def mark(dependency: Callable[..., Any]) -> Callable[..., Any]:
        dependency.needs = role_name  # type: ignore[attr-defined]
        return dependency
    return mark


@needs("member")
def signed_in(request: Request) -> Member:
    member = current(request)
    if member is None:
        if getattr(request.state, "bad_token", False):
            raise HTTPException(401, "This API token is not valid (revoked or mistyped).",
                                headers={"WWW-Authenticate": "Bearer"})
        raise HTTPException(401, "Sign in first (or send Authorization: Bearer TOKEN).",
                            headers={"WWW-Authenticate": "Bearer"})
    return member


@cache  # one dependency per role (pages call role("admin") inline, too)
def role(name: str) -> Callable[[Request], Member]:
    """A dependency: the member, who must have role ``name`` or a higher one."""
    @needs(name)
    def need(request: Request) -> Member:
        member = signed_in(request)
        if not member.can(name):
            raise HTTPException(403, f"Only a {name} may do this.")
        return member
    return need


async def check_csrf(request: Request) -> None:
    """A request signed in by cookie must carry the session's form token: in the
    X-CSRF-Token header (fetch) or the ``csrf`` form field (a plain form)."""
    if getattr(request.state, "auth", None) != "session":
        return
    given = request.headers.get("x-csrf-token")
    if given is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        given = str((await request.form()).get("csrf") or "")
    expected = request.state.csrf
    if not given or not hmac.compare_digest(given, expected):
        raise HTTPException(403, "This form's security token is missing or wrong: reload the page and try again.")


@needs("member")
async def writer(request: Request) -> Member:
    """A dependency for every state change by a member: signed in, and CSRF-checked."""
    member = signed_in(request)
    await check_csrf(request)
    return member


@cache
def writer_with(name: str) -> Callable[[Request], Any]:
    """Like :func:`writer`, for a role: 401 for no one, 403 below ``name`` (checked before
    the CSRF token, so a member learns they may not rather than that a token is missing)."""
    need = role(name)

    @needs(name)
    async def dependency(request: Request) -> Member:
        member = need(request)
        await check_csrf(request)
        return member
    return dependency
