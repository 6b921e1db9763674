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
from typing import Any

from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings

from paperboy.mcp_server.hub import Hub, over_http
from paperboy.mcp_server.server import build
from paperboy.web.csrf import origin

PATH = "/mcp"


class OriginCheck:
    """The ASGI app at /mcp: the Origin check, then the SDK's session manager."""

    def __init__(self, sessions: StreamableHTTPSessionManager, base_url: str) -> None:
        self.sessions = sessions
        self.base_url = base_url

    def allows(self, scope: dict[str, Any]) -> bool:
        headers = dict(scope["headers"])
        given = headers.get(b"origin")
        if given is None:
            return True
        claimed = origin(given.decode("latin-1"))
        host = headers.get(b"host", b"").decode("latin-1")
        ours = {origin(self.base_url), origin(f"{scope.get('scheme', 'http')}://{host}")} - {None}
        return claimed is not None and claimed in ours

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if self.allows(scope):
            await self.sessions.handle_request(scope, receive, send)
            return
        body = json.dumps({"jsonrpc": "2.0", "id": None, "error": {
            "code": -32600, "message": "Origin not allowed: this MCP endpoint answers pages of this hub "
                                       "only (and clients that send no Origin)."}}).encode()
        await send({"type": "http.response.start", "status": 403, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def mount(app: Any) -> StreamableHTTPSessionManager:
    """Answer MCP at /mcp in ``app`` (made by web/app.py's create_app, which enters what this
    returns, ``.run()``, in its lifespan)."""
    server = build(Hub(app.state, over_http, "http"))
    server.streamable_http_app(stateless_http=True, json_response=True,
                               transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False))
    sessions = server.session_manager
    app.router.add_route(PATH, OriginCheck(sessions, app.state.base_url), methods=["GET", "POST", "DELETE"],
                         include_in_schema=False)
    return sessions
