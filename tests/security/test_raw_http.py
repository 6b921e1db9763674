"""Path traversal and header injection over real sockets (issue 14): raw requests to a real
`paperboy serve`, byte for byte as a hostile client writes them (an HTTP library would clean
them up first).

- No file outside the static folders is served, whatever the path's dots, encodings,
  backslashes or NULs; and no page answers with a file's content.
- An incoming X-Request-ID that is not sane (CR/LF attempts, encoded or bare, over-long,
  binary, a folded line) is never echoed: the answer carries a fresh id of its own, and no
  header the client wrote into it.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from paperboy.db import Database
from tests.helpers import ROOT
from tests.security.conftest import count
from tests.security.payloads import TRAVERSAL
from tests.security.server import serving
from tests.security.world import database, fill

SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# What must never come back: a system file, the project's own files, the package's source.
SECRETS = ["root:x:0:0", "[build-system]", "from __future__ import annotations", "PAPERBOY_SECRET_KEY=",
           "BEGIN PRIVATE KEY"]


@pytest.fixture(scope="module")
def server(pg_server: str, tmp_path_factory: pytest.TempPathFactory):
    with database(pg_server, "raw") as url:
        db = Database(url, max_size=2).open()
        with db.connection() as conn:
            world = fill(conn, days=1)
        db.close()
        with serving(url, tmp_path_factory.mktemp("raw-home"), PAPERBOY_RATE_LIMIT="0") as base:
            host, port = base.removeprefix("http://").split(":")
            yield host, int(port), world


def raw(server, head: bytes, body: bytes = b"") -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Send ``head`` (request line and headers, CRLF-separated, without the blank line) and
    ``body``; the status, the header lines split at their first colon, and the body."""
    host, port, _ = server
    with socket.create_connection((host, port), timeout=20) as s:
        s.sendall(head + b"\r\nConnection: close\r\n\r\n" + body)
        chunks = []
        while data := s.recv(65536):
            chunks.append(data)
    answer = b"".join(chunks)
    top, _, rest = answer.partition(b"\r\n\r\n")
    lines = top.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = [tuple(x.strip() for x in line.split(b":", 1)) for line in lines[1:]]
    return status, headers, rest  # type: ignore[return-value]


def _assert_clean_headers(headers: list, what: str) -> None:
    for h in headers:
        assert len(h) == 2 and re.fullmatch(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+", h[0]), (what, h)
        assert b"\n" not in h[1] and b"\r" not in h[1], (what, h)
        # what the client wrote shows in no header (a sane request id may come back as itself)
        assert b"evil" not in h[0].lower(), (what, h)
        assert h[0].lower() == b"x-request-id" or b"evil" not in h[1].lower(), (what, h)


STATIC_PREFIXES = ["/static/", "/static/swagger-ui/", "/static//", "/", "/papers/", "/collections/",
                   "/api/papers/", "/feeds/"]


def test_no_file_outside_the_static_folders_is_served(server):
    targets = [p + t for p in STATIC_PREFIXES for t in TRAVERSAL]
    targets += [t.replace("/etc/passwd", "/pyproject.toml") for t in targets]
    targets += ["/static/../../../../pyproject.toml", "/static/%2e%2e/%2e%2e/%2e%2e/src/paperboy/web/app.py",
                "/static/..%5c..%5c..%5cpyproject.toml", "/static/style.css%00.py", "/static/.", "/static/..",
                "/static/swagger-ui/../../web/app.py", "/static/swagger-ui/..%2f..%2fapp.py",
                "/static/%2fetc%2fpasswd", "//etc/passwd", "/static/~/.bashrc"]
    requests = [f"GET {t} HTTP/1.1\r\nHost: 127.0.0.1".encode() for t in targets]
    requests += [f"GET http://127.0.0.1{t} HTTP/1.1\r\nHost: 127.0.0.1".encode() for t in targets[:40]]
    for req in requests:
        try:
            status, headers, body = raw(server, req)
        except ConnectionResetError:
            continue  # refused by the HTTP parser itself: nothing served
        count("path traversal", "anonymous")
        assert status in (200, 301, 303, 307, 400, 404, 405, 422), (req, status)
        found = [s for s in SECRETS if s.encode() in body]
        assert not found, (req, status, found)
        _assert_clean_headers(headers, req.decode(errors="replace"))
    # the control: the real static files are served
    status, _, body = raw(server, b"GET /static/style.css HTTP/1.1\r\nHost: 127.0.0.1")
    assert status == 200 and body == (ROOT / "src/paperboy/web/static/style.css").read_bytes()


REQUEST_IDS = [
    b"abc%0d%0aSet-Cookie:%20evil=1", b"abc%0aX-Evil:%201", b"a" * 65, b"a" * 10_000, b"\xff\xfe\xfdevil",
    b"abc\x0bevil", b"abc\x00evil", b"abc evil", b"<script>evil</script>", b"abc;evil=1", b"\tevil",
    b"abc\r\n Set-Cookie: evil=1",  # a folded line
    b"abc\nSet-Cookie: evil=1",  # a bare LF
    b"abc\rSet-Cookie: evil=1",  # a bare CR
]


@pytest.mark.parametrize("path", ["/", "/api/trending", "/static/style.css", "/papers/nope", "/api/papers/nope",
                                  "/signin?next=//evil.example"])
def test_an_insane_request_id_is_never_echoed(server, path):
    for rid in REQUEST_IDS:
        head = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-ID: ".encode() + rid
        try:
            status, headers, _ = raw(server, head)
        except ConnectionResetError:
            continue
        count("header injection (X-Request-ID)", "anonymous")
        _assert_clean_headers(headers, repr(rid))
        ids = [v for k, v in headers if k.lower() == b"x-request-id"]
        assert all(SANE_ID.fullmatch(v.decode("latin-1")) for v in ids), (rid, ids)
        assert rid not in [v for v in ids], rid
        assert not [k for k, v in headers if k.lower() == b"set-cookie" and b"evil" in v]
        assert status < 500, (rid, status)
    # a sane one is kept (a proxy's id ties its log line to ours), or there is no id at all
    _, headers, _ = raw(server, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-ID: req-42.a_b".encode())
    ids = [v for k, v in headers if k.lower() == b"x-request-id"]
    assert ids in ([], [b"req-42.a_b"]), ids


def test_two_request_ids_and_a_huge_header_are_harmless(server):
    for head in [b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-ID: one\r\nX-Request-ID: two%0d%0aevil",
                 b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-ID: " + b"x" * 200_000,
                 b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: evil\r\nX-Forwarded-Host: evil.example"]:
        try:
            status, headers, _ = raw(server, head)
        except (ConnectionResetError, BrokenPipeError):
            continue
        count("header injection (X-Request-ID)", "anonymous")
        assert status < 500
        _assert_clean_headers(headers, head[:80].decode())


def test_the_served_tree_is_only_the_static_folders():
    """What the app mounts: the two static folders, nothing above them."""
    from paperboy.web.routes import apidocs
    from paperboy.web.templating import HERE

    for folder in (HERE / "static", Path(apidocs.SWAGGER_UI)):
        assert folder.is_dir() and not (folder / "pyproject.toml").exists()
        assert not any(p.suffix == ".py" for p in folder.rglob("*")), folder
