"""How uvicorn serves the app: its h11 protocol with TCP_NODELAY on every connection, and a
time limit on reading a request.

asyncio sets TCP_NODELAY only on sockets whose protocol number is TCP. With `--workers N`,
uvicorn binds the listening socket itself with protocol 0, so its workers' connections kept
Nagle's algorithm on: every answer under 64 KB then waited ~40 ms for the client's delayed
ACK (a cached page served 23 req/s per connection instead of 5,700).

uvicorn times out only an idle connection between two requests (timeout_keep_alive), and
only once a first request was answered: a client that connects and sends nothing, or half a
request line and some headers and then stalls, held its connection for ever (a slowloris
attack needs only many of those). Here a connection must deliver a whole request head within
``read_timeout`` (PAPERBOY_READ_TIMEOUT) seconds of connecting or of its last answer; after
an answer sent before the body was read (413, 401), the rest of the body must come within
that time too. Else a half-sent request gets 408 and the connection is closed. The body
itself, while the app reads it, is timed by web/bodies.py.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

READ_TIMEOUT = 20.0  # seconds; config.Config.read_timeout's default
_TOO_SLOW = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
             b"content-length: 37\r\nconnection: close\r\n\r\nThe request did not arrive in time.\r\n")


class NoDelayH11(H11Protocol):
    def __init__(self, *args: Any, read_timeout: float = READ_TIMEOUT, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read_timeout = read_timeout
        self.read_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:  # a socket that cannot take it (already closed): serve it as is
                pass
        super().connection_made(transport)
        self._expect_request()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._expect_request()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.read_timer is not None:
            self.read_timer.cancel()
            self.read_timer = None
        super().connection_lost(exc)

    def _expect_request(self) -> None:
        if self.read_timer is not None:
            self.read_timer.cancel()
        self.read_timer = self.loop.call_later(self.read_timeout, self._read_timed_out)

    def _read_timed_out(self) -> None:
        """Close the connection if it still waits on the client: for a request's head, or for
        the rest of a body already answered. (A request the app is working on is left alone.)"""
        self.read_timer = None
        conn = self.conn
        head_missing = conn.their_state is h11.IDLE and conn.our_state is h11.IDLE
        draining = conn.our_state in (h11.DONE, h11.MUST_CLOSE) and conn.their_state is h11.SEND_BODY
        if self.transport.is_closing() or not (head_missing or draining):
            return
        if head_missing and conn.trailing_data[0]:  # half a request came: say why it ends
            self.transport.write(_TOO_SLOW)
        self.transport.close()
