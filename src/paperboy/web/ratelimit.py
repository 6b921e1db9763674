"""Per-client rate limiting of every request but static files: the ``requests`` policy
(ratelimit/policies.py), a bucket per client (an address, or an IPv6 /64) counted in PostgreSQL,
so one client gets one allowance whatever the worker or node that serves it.

A client may make PAPERBOY_RATE_BURST requests at once and PAPERBOY_RATE_LIMIT a second after
that; beyond, it gets 429 with Retry-After. A refused client is remembered by the worker until
its wait is over, so knocking on costs no query. Behind a reverse proxy, uvicorn takes the
client address from X-Forwarded-For when the proxy is on 127.0.0.1.
"""

from __future__ import annotations

import json
import math

import anyio

from paperboy.ratelimit import Limits, client_key
from paperboy.ratelimit.policies import REQUESTS


class RateLimit:
    def __init__(self, app, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        client = client_key((scope.get("client") or ("?", 0))[0])
        wait = self.limits.held(REQUESTS, client) or await anyio.to_thread.run_sync(
            self.limits.check, REQUESTS, client)
        if not wait:
            await self.app(scope, receive, send)
            return
        message = "Too many requests; slow down and try again shortly."
        if scope["path"].startswith("/api/"):
            body, ctype = json.dumps({"error": message, "status": 429}).encode(), b"application/json"
        else:
            body = f"<!doctype html><title>429</title><h1>Too many requests</h1><p>{message}</p>".encode()
            ctype = b"text/html; charset=utf-8"
        await send({"type": "http.response.start", "status": 429, "headers": [
            (b"content-type", ctype), (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(math.ceil(wait)).encode()),
        ]})
        await send({"type": "http.response.body", "body": body})
