"""A real `paperboy serve` against hostile bodies and half-sent requests (issue 21, items 11
and 16), over real sockets.

- 20 MB of ``[{},{},…]`` posted by no one to POST /api/papers/submit used to be parsed before
  its 401, and grew the worker by some 480 MB. Now it is refused unread, with Content-Length
  (413) or chunked (401), and the worker's peak memory barely moves.
- A client that sends half a request (part of its head, or of its body) and stalls used to
  hold its connection for ever. Now the connection is closed after PAPERBOY_READ_TIMEOUT
  (here 1.5 s), and the server goes on serving others meanwhile.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from tests.fixtures import http
from tests.security.server import serving_process

READ_TIMEOUT = 1.5
BIG = 20 * 2**20


def _peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc")


@pytest.fixture(scope="module")
def server(pg_server: str, tmp_path_factory: pytest.TempPathFactory):
    from tests.security.world import database

    with database(pg_server, "bodies") as url, serving_process(
            url, tmp_path_factory.mktemp("bodies-home"), PAPERBOY_RATE_LIMIT="0", PAPERBOY_FETCH_EVERY="off",
            PAPERBOY_READ_TIMEOUT=str(READ_TIMEOUT)) as (base, proc):
        yield base, proc


def _address(base: str) -> tuple[str, int]:
    host, port = base.removeprefix("http://").split(":")
    return host, int(port)


def test_a_big_anonymous_body_does_not_grow_the_worker(server):
    base, proc = server
    array = b"[" + b"{}," * (BIG // 3) + b"{}]"
    with http.Client(base_url=base, timeout=60) as client:
        for _ in range(3):  # warm up: the route, its error page, the JSON encoder
            assert client.post("/api/papers/submit", json={"id": "2401.00001"}).status_code == 401
        before = _peak_rss_mb(proc.pid)
        sized = client.post("/api/papers/submit", content=array, headers={"Content-Type": "application/json"})

        def chunked():
            for i in range(0, len(array), 2**20):
                yield array[i:i + 2**20]
        streamed = client.post("/api/papers/submit", content=chunked(), headers={"Content-Type": "application/json"})
        assert client.get("/static/style.css").status_code == 200  # the worker goes on
    grew = _peak_rss_mb(proc.pid) - before
    assert grew < 60, f"two 20 MB bodies nobody may send grew the worker's peak memory by {grew:.0f} MB"
    assert sized.status_code == 413 and "at most 64 kB" in sized.json()["error"]
    assert streamed.status_code == 401, streamed.text


def _closed_within(sock: socket.socket, seconds: float) -> tuple[bool, bytes]:
    """Whether the server closed ``sock`` within ``seconds``, and what it said first."""
    sock.settimeout(seconds)
    said = b""
    try:
        while data := sock.recv(65536):
            said += data
    except TimeoutError:
        return False, said
    except ConnectionResetError:
        pass
    return True, said


@pytest.mark.parametrize("half", [
    b"",  # connects and says nothing
    b"GET /papers HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1",  # half a head
    b"POST /submit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    b"Content-Length: 1000\r\n\r\nid=2401",  # a whole head, then part of the body
], ids=["nothing", "half-a-head", "half-a-body"])
def test_a_half_sent_request_is_cut_off_and_others_are_served(server, half):
    base, _ = server
    stalled = [socket.create_connection(_address(base)) for _ in range(20)]
    try:
        for s in stalled:
            if half:
                s.sendall(half)
        # Meanwhile, others are served.
        assert http.get(base + "/api/daily_papers", timeout=10).status_code == 200
        # Generous: the limit is 1.5 s; the old server never closed these at all.
        started = time.monotonic()
        for s in stalled:
            closed, said = _closed_within(s, max(1.0, started + 20 - time.monotonic()))
            assert closed, f"the server still holds a connection that sent {half[:40]!r}… and stalled"
            if half:
                assert said.startswith(b"HTTP/1.1 408 "), said[:200]
    finally:
        for s in stalled:
            s.close()
    assert http.get(base + "/api/daily_papers", timeout=10).status_code == 200
