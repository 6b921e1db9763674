"""A response cache for public GET pages, valid while the stored data has not changed.

Every write to a table public pages read bumps ``data_version`` (triggers, migration 0017). Each
worker checks that counter at most once every ``check_every`` seconds and serves stored
responses while it is unchanged, so after a write a page is stale for at most that long.
A signed-in member gets the same stored answer as everyone, made personal on the way out
(web/personal.py): the route itself always renders the shared page as for no one, so what
is stored never holds one member's state. Other cookies change nothing.

The key is the path and the query parameters its route reads, sorted: a parameter the route
ignores (``&junk=1``, ``&utm_source=…``) cannot change the answer, so it neither makes a new
entry (thousands of junk variants once grew a worker by a gigabyte) nor reaches the route,
which therefore never echoes it into a cached link. The whole cache is bounded in bytes and
drops the least recently used answers first.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode

import anyio
from fastapi.routing import APIRoute

from paperboy.db import Database
from paperboy.papers.store import data_version

Scope = dict[str, Any]
Message = dict[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]

ENTRY_OVERHEAD = 512  # bytes of Python objects around each entry, roughly
# Each GET route: its path pattern, the query parameters it reads, and whether its answer may
# be kept (it says so with web/http.py's @cacheable).
Known = list[tuple[re.Pattern[str], frozenset[str], bool]]


def _query_names(dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def known_params(routes: Iterable[Any]) -> Known:
    """Each GET route's path pattern, the query parameters it declares and whether it is
    cacheable, in routing order (the first match answers, as in the router). Read from the
    routes themselves, so a parameter added to a route is never dropped by the cache and a
    new page is cached when it says it may be, not when someone remembers a list."""
    known: Known = []
    for r in routes:
        if isinstance(r, APIRoute) and "GET" in r.methods:
            known.append((r.path_regex, frozenset(_query_names(r.dependant)),
                          bool(getattr(r.endpoint, "cacheable", False))))
    return known


def cached_names(known: Known, path: str) -> frozenset[str] | None:
    """The query parameters of the route that answers ``path``, if that route is cacheable;
    else None."""
    for pattern, names, keep in known:
        if pattern.match(path):
            return names if keep else None
    return None


def canonical_query(query_string: bytes, names: frozenset[str]) -> bytes:
    """Only the parameters in ``names``, sorted by name (a repeated name keeps its order,
    so the value a route reads, the last one, stays the same).

    >>> canonical_query(b"sort=date&junk=1&date=2024-11-08", frozenset({"date", "sort"}))
    b'date=2024-11-08&sort=date'
    """
    pairs = [(k, v) for k, v in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
             if k in names]
    pairs.sort(key=lambda kv: kv[0])  # stable: repeated names keep their order
    return urlencode(pairs).encode()


def _personal(scope: Scope, send, stored: bool = True):
    """A ``send`` that holds back a whole answer and passes it on made personal (``stored``:
    an answer the cache keeps and serves again)."""
    held: list[Message] = []

    async def hold(message: Message) -> None:
        if message["type"] not in ("http.response.start", "http.response.body"):
            await send(message)
            return
        held.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            for m in await scope["app"].state.personaliser.personalise(scope, held, stored):
                await send(m)
    return hold


class Personalised:
    """The member's own state (web/personal.py: which papers they upvoted) on the pages the
    response cache does not serve: pages that are never cached (search, the account's) and,
    with the cache off (PAPERBOY_CACHE_SECONDS=0), every page. Those render for the member
    directly; the hooks still add what no template renders. Install it outside the cache."""

    def __init__(self, app: ASGIApp, known: Known | None) -> None:
        self.app = app
        self.known = known  # the response cache's routes (None: no cache), which it personalises itself

    async def __call__(self, scope: Scope, receive, send) -> None:
        path = scope.get("path", "")
        if (scope["type"] == "http" and scope["method"] == "GET"
                and (scope.get("state") or {}).get("member") is not None
                and not path.startswith(("/api/", "/feeds/", "/static/"))
                and not (self.known is not None and cached_names(self.known, path) is not None)):
            send = _personal(scope, send, stored=False)
        await self.app(scope, receive, send)


def _size(key: tuple, messages: list[Message]) -> int:
    size = ENTRY_OVERHEAD + sum(len(k) for k in key)
    for m in messages:
        size += len(m.get("body", b"")) + sum(len(k) + len(v) for k, v in m.get("headers", []))
    return size


class ResponseCache:
    def __init__(self, app: ASGIApp, db: Database, known: Known, check_every: float = 1.0,
                 max_bytes: int = 64 * 1024 * 1024) -> None:
        self.app = app
        self.db = db
        self.known = known
        self.check_every = check_every
        self.max_bytes = max_bytes
        self.entries: OrderedDict[tuple, tuple[int, list[Message], int]] = OrderedDict()
        self.bytes = 0  # the sizes of all entries
        self.version: int | None = None
        self.checked = 0.0
        self.lock = anyio.Lock()

    def _read_version(self) -> int:
        with self.db.connection() as conn:
            return data_version(conn)

    def clear(self) -> None:
        self.entries.clear()
        self.bytes = 0

    async def current_version(self) -> int:
        if self.version is None or time.monotonic() - self.checked >= self.check_every:
            async with self.lock:  # one check at a time; the others reuse its answer
                if self.version is None or time.monotonic() - self.checked >= self.check_every:
                    version = await anyio.to_thread.run_sync(self._read_version)
                    if version != self.version:
                        self.clear()
                    self.version, self.checked = version, time.monotonic()
        assert self.version is not None
        return self.version

    def store(self, key: tuple, version: int, messages: list[Message]) -> None:
        size = _size(key, messages)
        if size > self.max_bytes // 4:  # one huge answer must not push out everything else
            return
        old = self.entries.pop(key, None)
        if old:
            self.bytes -= old[2]
        self.entries[key] = (version, messages, size)
        self.bytes += size
        while self.bytes > self.max_bytes and self.entries:
            _, (_, _, dropped) = self.entries.popitem(last=False)
            self.bytes -= dropped

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD"):
            # A write through this worker (a vote, a comment, a submission): check the data
            # version on the next read, so whoever wrote sees it on the page they come back
            # to, not up to check_every seconds later. Other workers catch up on their own.
            await self.app(scope, receive, send)
            self.checked = 0.0
            return
        names = None
        if scope["type"] == "http" and scope["method"] == "GET":
            names = cached_names(self.known, scope["path"])
        if names is None:
            await self.app(scope, receive, send)
            return
        query = canonical_query(scope["query_string"], names)
        person = scope
        state = scope.get("state") or {}
        # The route renders the shared page: as for no one, whoever asks.
        scope = {**scope, "query_string": query,
                 "state": {**state, "member": None, "auth": None, "session_key": None, "csrf": ""}}
        if state.get("member") is not None:
            send = _personal(person, send)
        # Answers depend on neither Host nor scheme: links are built from PAPERBOY_BASE_URL
        # or are relative, so neither is part of the key.
        key = (scope["path"].encode(), query)
        version = await self.current_version()
        state["data_version"] = version  # personal hooks cache the member's state per version
        hit = self.entries.get(key)
        if hit and hit[0] == version:
            self.entries.move_to_end(key)
            start, *body = hit[1]
            await send({**start, "headers": [*start["headers"], (b"x-cache", b"hit")]})
            for m in body:
                await send(m)
            return

        recorded: list[Message] = []

        async def record(message: Message) -> None:
            if message["type"] in ("http.response.start", "http.response.body"):
                recorded.append(message)  # not extensions (a test client's template debug info)
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message["headers"], (b"x-cache", b"miss")]}
            await send(message)

        await self.app(scope, receive, record)
        start = recorded[0] if recorded else {}
        if start.get("status") == 200 and not any(k == b"set-cookie" for k, _ in start.get("headers", [])):
            self.store(key, version, recorded)
