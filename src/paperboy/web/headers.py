"""Headers every response carries, and the Host names the app answers to.

Both are plain ASGI middleware placed outside everything else, so pages, the API, feeds,
static files, error pages and the rate limiter's 429s all get the same treatment.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

# No inline script or style anywhere (templates load /static files only), so a stored
# string that slipped past escaping still could not run. /docs lives with it too: Swagger UI
# (our own copy) sets styles through the CSSOM, which style-src does not restrict.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]


class SecurityHeaders:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                added = [(k, v) for k, v in HEADERS if k not in have]
                message = {**message, "headers": [*message.get("headers", []), *added]}
            await send(message)

        await self.app(scope, receive, with_headers)


def host_name(host_header: str) -> str | None:
    """The host name of a Host header, without port or IPv6 brackets; None when malformed.

    >>> host_name("Example.org:8000"), host_name("[::1]:8000"), host_name("a b")
    ('example.org', '::1', None)
    """
    if not host_header or any(c in host_header for c in " /\\@?#"):
        return None
    try:
        return urlsplit("//" + host_header).hostname
    except ValueError:
        return None


class TrustedHosts:
    """Answer 400 to a Host header not in ``allowed`` ("*" allows any; "*.example.org" any
    subdomain). Links are built from PAPERBOY_BASE_URL, not from Host, so this is a second
    line: it keeps DNS-rebinding pages and cache-poisoning attempts from reaching the app."""

    def __init__(self, app, allowed: Iterable[str]) -> None:
        self.app = app
        self.allowed = {h.strip().lower().strip("[]") for h in allowed if h.strip()}
        self.any = "*" in self.allowed
        self.suffixes = tuple(h[1:] for h in self.allowed if h.startswith("*."))

    def allows(self, host_header: str) -> bool:
        if self.any:
            return True
        name = host_name(host_header)
        return name is not None and (name in self.allowed or any(name.endswith(s) for s in self.suffixes))

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "")
        if self.allows(host) or scope["path"] == "/healthz":  # load balancers ask by address
            await self.app(scope, receive, send)
            return
        body = b"Invalid host header: set PAPERBOY_TRUSTED_HOSTS to answer to this name.\n"
        await send({"type": "http.response.start", "status": 400, "headers": [
            (b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
        ]})
        await send({"type": "http.response.body", "body": body})
