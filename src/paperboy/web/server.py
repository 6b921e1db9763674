"""How uvicorn serves the app: its h11 protocol with TCP_NODELAY on every connection.

asyncio sets TCP_NODELAY only on sockets whose protocol number is TCP. With `--workers N`,
uvicorn binds the listening socket itself with protocol 0, so its workers' connections kept
Nagle's algorithm on: every answer under 64 KB then waited ~40 ms for the client's delayed
ACK (a cached page served 23 req/s per connection instead of 5,700).
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol


class NoDelayH11(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:  # a socket that cannot take it (already closed): serve it as is
                pass
        super().connection_made(transport)
