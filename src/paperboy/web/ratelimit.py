"""Per-client rate limiting: a token bucket per client address, in each worker's memory.

A client may make ``burst`` requests at once and ``rate`` a second after that; beyond, it
gets 429 with Retry-After. Static files are not counted. Behind a reverse proxy, uvicorn
takes the client address from X-Forwarded-For when the proxy is on 127.0.0.1.
"""

from __future__ import annotations

import json
import math
import time
from collections import OrderedDict


class RateLimit:
    def __init__(self, app, rate: float, burst: int, max_clients: int = 100_000) -> None:
        self.app = app
        self.rate = rate
        self.burst = burst
        self.max_clients = max_clients
        self.buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (tokens, time)

    def allow(self, client: str, now: float) -> float:
        """0 when allowed, else seconds until the next request would be."""
        tokens, last = self.buckets.pop(client, (float(self.burst), now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.rate
        self.buckets[client] = (tokens, now)
        if len(self.buckets) > self.max_clients:
            self.buckets.popitem(last=False)
        return wait

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("?", 0))[0]
        wait = self.allow(client, time.monotonic())
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
