"""Every connection uvicorn serves gets TCP_NODELAY, whatever socket its workers were handed
(with --workers N, uvicorn's own listening socket made asyncio skip it: 40 ms per answer)."""

from __future__ import annotations

import socket

import uvicorn
from uvicorn.server import ServerState

from paperboy.web.server import NoDelayH11


class _Transport:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def get_extra_info(self, name: str, default=None):
        return {"socket": self.sock, "peername": ("127.0.0.1", 1), "sockname": ("127.0.0.1", 2)}.get(name, default)

    def set_protocol(self, protocol) -> None:
        pass

    def is_closing(self) -> bool:
        return False


def test_connections_get_tcp_nodelay():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0)  # protocol 0, as uvicorn binds
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    client = socket.create_connection(listener.getsockname())
    served, _ = listener.accept()
    try:
        assert served.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        config = uvicorn.Config(app=lambda scope, receive, send: None)
        config.load()
        NoDelayH11(config=config, server_state=ServerState(), app_state={}).connection_made(_Transport(served))
        assert served.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        for s in (client, served, listener):
            s.close()
