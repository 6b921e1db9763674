"""``/mcp`` in ``paperboy serve``: MCP's streamable HTTP transport, inside the web app.

It sits behind the app's middleware like any route: the per-client rate limit, trusted
hosts (the Host header), the request log, body limits, and web/auth.py's Members, which
reads the ``Authorization: Bearer`` token (hub.py takes the member of a token, never of a
cookie: no ambient authority, so no CSRF token, as on the API). The SDK runs stateless, with
JSON answers: each POST stands alone, so any worker or node can answer it.

Against DNS rebinding (the MCP spec asks servers to check ``Origin``): a request with an
Origin header is refused unless it names this hub, the origin of PAPERBOY_BASE_URL or of the
(trusted) Host the request came to, exactly as web/csrf.py compares them. Agents and
command-line clients send no Origin, and pass. The SDK's own host and origin lists are off:
they take exact strings, while the hub's trusted hosts may be wildcards (``*.example.org``),
and TrustedHosts has checked the Host already.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio

from paperboy.web.csrf import origin

PATH = "/mcp"
log = logging.getLogger(__name__)


class Endpoint:
    """The ASGI app at /mcp: the Origin check, then the SDK's session manager.

    The SDK is imported and its server built on the first request to /mcp, not when the app
    starts: importing it takes about half a second, which every `serve` start (and every worker
    of one) would pay although most hubs never see an agent. :meth:`run`, entered in the app's
    lifespan, keeps a task waiting for that first request; the task builds the server and runs
    its sessions until the app stops, so they are entered and left in one task as anyio wants."""

    def __init__(self, state: Any) -> None:
        self.state = state
        self.sessions: Any = None  # the SDK's StreamableHTTPSessionManager, once started
        self.running = False  # between run()'s start and end
        self._wanted: anyio.Event | None = None
        self._ready: anyio.Event | None = None

    @asynccontextmanager
    async def run(self) -> AsyncIterator[None]:
        self._wanted, self._ready = anyio.Event(), anyio.Event()
        self.running = True
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self._serve_when_asked)
                try:
                    yield
                finally:
                    tasks.cancel_scope.cancel()
        finally:
            self.running, self.sessions = False, None

    async def _serve_when_asked(self) -> None:
        assert self._wanted is not None and self._ready is not None
        await self._wanted.wait()
        try:
            from mcp.server.transport_security import TransportSecuritySettings

            from paperboy.mcp_server.hub import Hub, over_http
            from paperboy.mcp_server.server import build

            server = build(Hub(self.state, over_http, "http"))
            server.streamable_http_app(stateless_http=True, json_response=True,
                                       transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False))
            async with server.session_manager.run():
                self.sessions = server.session_manager
                self._ready.set()
                await anyio.sleep_forever()
        except Exception:  # raised here it would end the task group, and with it the whole app
            log.exception("the MCP server could not start: /mcp answers 503")
        finally:
            self._ready.set()  # a start that failed: the waiting requests answer 503

    async def started(self) -> bool:
        """Start the SDK if this is the first request; whether its sessions are running."""
        if not self.running or self._wanted is None or self._ready is None:
            return False
        self._wanted.set()
        await self._ready.wait()
        return self.sessions is not None

    def allows(self, scope: dict[str, Any]) -> bool:
        headers = dict(scope["headers"])
        given = headers.get(b"origin")
        if given is None:
            return True
        claimed = origin(given.decode("latin-1"))
        host = headers.get(b"host", b"").decode("latin-1")
        ours = {origin(self.state.base_url), origin(f"{scope.get('scheme', 'http')}://{host}")} - {None}
        return claimed is not None and claimed in ours

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if not self.allows(scope):
            await _refuse(send, 403, "Origin not allowed: this MCP endpoint answers pages of this hub only "
                                     "(and clients that send no Origin).")
        elif not await self.started():
            await _refuse(send, 503, "The MCP server is not running (the app was not started).")
        else:
            await self.sessions.handle_request(scope, receive, send)


async def _refuse(send: Any, status: int, message: str) -> None:
    body = json.dumps({"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": message}}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def mount(app: Any) -> Endpoint:
    """Answer MCP at /mcp in ``app`` (made by web/app.py's create_app, which enters what this
    returns, ``.run()``, in its lifespan)."""
    endpoint = Endpoint(app.state)
    app.router.add_route(PATH, endpoint, methods=["GET", "POST", "DELETE"], include_in_schema=False)
    return endpoint
