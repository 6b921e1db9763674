"""gzip for the few large JSON answers a page loads: the topic map's points and density (8,000 points are
~420 KB of JSON, ~100 KB gzipped; issue 25 budgets /topics at 500 KB). Only the paths named
here: every other answer is small or served from the response cache thousands of times a
second, where compressing each time would cost more CPU than it saves bytes on a LAN.

Outside the response cache (web/cache.py), which keeps the plain answer: the cache's key does
not know Accept-Encoding, and a client that asks for no gzip gets none.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.middleware.gzip import GZipMiddleware

PATHS = ("/api/topics/map", "/api/topics/map/density")
LEVEL = 6  # zlib's default: 420 KB in ~10 ms, within 3% of level 9's size


class GzipLarge:
    def __init__(self, app, paths: Iterable[str] = PATHS) -> None:
        self.app = app
        self.paths = frozenset(paths)
        self.gzip = GZipMiddleware(self._copying, minimum_size=1024, compresslevel=LEVEL)

    async def _copying(self, scope, receive, send) -> None:
        """The app, each message it sends handed on as a copy: GZipMiddleware rewrites the
        message it is given, and the response cache inside keeps that message's body (it
        stored the gzipped bytes, and served them gzipped twice on the next hit)."""

        async def copy(message) -> None:
            await send(dict(message))

        await self.app(scope, receive, copy)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"] in self.paths:
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)
