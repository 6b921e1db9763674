"""One log line per request, and a request id on every response and every log line.

The id is the proxy's X-Request-ID when it sent a sane one (letters, digits, ``-._``, at
most 64), else a new random one; it is bound to the logging context for the request (so a
crash logged inside a route carries it too) and sent back as X-Request-ID. The logged path
leaves out the secret part of emailed links (loggable); the query string is not logged.
"""

from __future__ import annotations

import logging
import re
import secrets
import time

from paperboy import logs

log = logging.getLogger("paperboy.web.request")

_SANE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
HEADER = b"x-request-id"

# Paths whose last part is a secret (a sign-in, confirmation or preferences link).
_SECRET_PATHS = re.compile(r"^/(signin|confirm|unsubscribe|preferences)/[^/]+")


def loggable(path: str) -> str:
    """A request path fit for a log: the secret part of an emailed link left out.

    >>> loggable("/signin/abc123"), loggable("/papers/2401.1")
    ('/signin/…', '/papers/2401.1')
    """
    return _SECRET_PATHS.sub(lambda m: f"/{m.group(1)}/…", path)


def request_id(scope) -> str:
    given = next((v for k, v in scope["headers"] if k == HEADER), b"")
    try:
        text = given.decode("ascii")
    except UnicodeDecodeError:
        text = ""
    return text if _SANE.match(text) else secrets.token_hex(8)


class RequestLog:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope)
        logs.bind(request_id=rid)
        started = time.perf_counter()
        status = 500  # unless a response starts

        async def with_id(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", []), (HEADER, rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, with_id)
        except BaseException:
            # The id stays bound: Starlette's outermost handler, which answers the crash next
            # (in this same task), logs it and puts the id on its 500 (web/errors.py).
            self._log(scope, 500, started)
            raise
        self._log(scope, status, started)
        logs.clear()

    def _log(self, scope, status: int, started: float) -> None:
        client = scope.get("client") or ("", 0)
        level = logging.ERROR if status >= 500 else logging.INFO
        log.log(level, "request", extra={
            "method": scope["method"], "path": loggable(scope["path"]), "status": status,
            "ms": round((time.perf_counter() - started) * 1000, 1), "client": client[0]})
