"""A response cache for public GET pages, valid while the stored data has not changed.

Every write bumps ``data_version`` (see :func:`paperboy.papers.store.bump_version`). Each
worker checks that counter at most once every ``check_every`` seconds and serves stored
responses while it is unchanged, so after a write a page is stale for at most that long.
Requests carrying cookies are never cached (they may be personal).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from paperboy.db import Database
from paperboy.papers.store import data_version

Scope = dict[str, Any]
Message = dict[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]

CACHEABLE = ("/papers", "/trending", "/api/daily_papers", "/api/trending", "/api/papers/", "/feeds/")


def cacheable(path: str) -> bool:
    return path == "/" or path.startswith(CACHEABLE)


class ResponseCache:
    def __init__(self, app: ASGIApp, db: Database, check_every: float = 1.0, max_entries: int = 2048) -> None:
        self.app = app
        self.db = db
        self.check_every = check_every
        self.max_entries = max_entries
        self.entries: OrderedDict[tuple, tuple[int, list[Message]]] = OrderedDict()
        self.version: int | None = None
        self.checked = 0.0
        self.lock = anyio.Lock()

    def _read_version(self) -> int:
        with self.db.connection() as conn:
            return data_version(conn)

    async def current_version(self) -> int:
        if self.version is None or time.monotonic() - self.checked >= self.check_every:
            async with self.lock:  # one check at a time; the others reuse its answer
                if self.version is None or time.monotonic() - self.checked >= self.check_every:
                    version = await anyio.to_thread.run_sync(self._read_version)
                    if version != self.version:
                        self.entries.clear()
                    self.version, self.checked = version, time.monotonic()
        assert self.version is not None
        return self.version

    async def __call__(self, scope: Scope, receive, send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not cacheable(scope["path"])
            or any(k == b"cookie" for k, _ in scope["headers"])
        ):
            await self.app(scope, receive, send)
            return
        host = next((v for k, v in scope["headers"] if k == b"host"), b"")
        key = (scope["scheme"], host, scope["path"], scope["query_string"])
        version = await self.current_version()
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
            recorded.append(message)
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message["headers"], (b"x-cache", b"miss")]}
            await send(message)

        await self.app(scope, receive, record)
        start = recorded[0] if recorded else {}
        if start.get("status") == 200 and not any(k == b"set-cookie" for k, _ in start.get("headers", [])):
            self.entries[key] = (version, recorded)
            if len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)
