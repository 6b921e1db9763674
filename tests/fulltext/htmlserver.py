"""A local server that plays arxiv.org/html: ``/html/{id}`` redirects to ``/html/{id}v{n}``
(as arXiv does) which answers the page it was given; an id it has no page for is a 404.
``faults[id]`` holds answers to give first, one per request: ``(status, body)`` or
``("hold", seconds)`` (a request in flight, to kill a fetch in). Every request is logged."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class HtmlServer:
    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, bytes]] = {}  # arXiv id -> (version, page)
        self.faults: dict[str, list[tuple[object, object]]] = {}
        self.log: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()  # prompt shutdown()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/html"

    def asked(self, arxiv_id: str) -> int:
        return sum(1 for p in self.log if p == f"/html/{arxiv_id}")

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                site.log.append(self.path)
                ident = self.path.removeprefix("/html/")
                bare = ident.split("v")[0] if "v" in ident and ident.rsplit("v", 1)[-1].isdigit() else ident
                queue = site.faults.get(bare) or []
                if queue and self.path == f"/html/{bare}":
                    kind, what = queue.pop(0)
                    if kind == "hold":
                        time.sleep(float(what))
                        self.close_connection = True
                        return
                    self._send(int(kind), what)
                    return
                if bare not in site.pages:
                    self._send(404, b"<html><body>No HTML for this paper.</body></html>")
                elif ident == bare:
                    self._send(301, b"", {"Location": f"/html/{bare}v{site.pages[bare][0]}"})
                else:
                    self._send(200, site.pages[bare][1])

        return Handler


@contextmanager
def html_server() -> Iterator[HtmlServer]:
    s = HtmlServer()
    try:
        yield s
    finally:
        s.stop()
