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
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings

from paperboy.mcp_server.hub import Hub, over_http
from paperboy.mcp_server.server import build
from paperboy.web.csrf import origin

PATH = "/mcp"


class Endpoint:
    """The ASGI app at /mcp: the Origin check, then the SDK's session manager. The server is
    built when the app starts (:meth:`run`, in its lifespan), not when the app is made: an
    app that never serves (most tests make one) never pays for it."""

    def __init__(self, state: Any) -> None:
        self.state = state
        self.sessions: StreamableHTTPSessionManager | None = None

    @asynccontextmanager
    async def run(self) -> AsyncIterator[None]:
        server = build(Hub(self.state, over_http, "http"))
        server.streamable_http_app(stateless_http=True, json_response=True,
                                   transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False))
        self.sessions = server.session_manager
        try:
            async with self.sessions.run():
                yield
        finally:
            self.sessions = None

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
        elif self.sessions is None:
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
