"""Request bodies through the app (issue 21, item 11): each route takes a body up to its limit
(413 past it, said in JSON for the API and on a page otherwise, before anything is read when
Content-Length says so, and counted when the body comes chunked), and a route for members
reads no body from someone who is not one (401 without parsing what they sent)."""

from __future__ import annotations

import json

from paperboy.library import importer
from paperboy.web import bodies
from paperboy.web.app import create_app
from tests.community.people import token_for


def _json_array(size: int) -> bytes:
    """``[{},{},…]`` of about ``size`` bytes: cheap to send, costly to parse."""
    return b"[" + b"{}," * (size // 3) + b"{}]"


def test_an_anonymous_body_is_not_parsed_before_the_401(client):
    # Broken JSON used to be parsed first (400 "JSON decode error"), whoever sent it.
    r = client.post("/api/papers/submit", content=b'{"id": "2401.', headers={"Content-Type": "application/json"})
    assert r.status_code == 401 and "Sign in first" in r.json()["error"]
    r = client.post("/api/papers/submit", content=b'{"id": ', headers={
        "Content-Type": "application/json", "Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and "not valid" in r.json()["error"]
    assert r.headers["www-authenticate"] == "Bearer"
    r = client.post("/api/collections", content=_json_array(60_000), headers={"Content-Type": "application/json"})
    assert r.status_code == 401
    # A form for members (pages): the same answer as without a body, nothing parsed.
    r = client.post("/account/name", content=b"name=" + b"%" * 1000,
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 401


def test_a_member_still_sends_a_body(client, conn):
    auth = token_for(conn, "ada@example.org")
    r = client.post("/api/collections", json={"name": "Reading"}, headers=auth)
    assert r.status_code == 201 and r.json()["name"] == "Reading"
    r = client.post("/api/papers/submit", content=b'{"id": ', headers={**auth, "Content-Type": "application/json"})
    assert r.status_code == 400  # the member's broken JSON is read, and said to be broken


def test_too_large_is_413_before_reading_for_anyone(client, conn):
    auth = token_for(conn, "ada@example.org")
    big = _json_array(bodies.SMALL + 10)
    for headers in ({}, auth):
        r = client.post("/api/papers/submit", content=big, headers={**headers, "Content-Type": "application/json"})
        assert r.status_code == 413, r.text
        assert r.json() == {"error": "The request is too large: at most 64 kB here.", "status": 413}
    # A page's form: a page that says so.
    r = client.post("/submit", content=b"id=" + b"1" * bodies.SMALL,
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
    assert "at most 64 kB here" in r.text


def test_a_chunked_body_is_counted_as_it_comes(client, conn):
    auth = token_for(conn, "ada@example.org")

    def chunks():
        for _ in range(10):
            yield b" " * 10_000
    r = client.post("/api/collections", content=chunks(), headers={**auth, "Content-Type": "application/json"})
    assert "content-length" not in r.request.headers
    assert r.status_code == 413 and "at most 64 kB" in r.json()["error"]


def test_each_route_has_its_limit(client, conn):
    auth = {**token_for(conn, "ada@example.org"), "Content-Type": "application/json"}
    # A comment of 10,000 emoji, escaped as JSON escapes them, is 120,000 bytes: let through
    # (to be judged by the comment's own rules), while anything larger is not.
    emoji = json.dumps({"body": "\U0001F600" * 10_000}).encode()
    assert bodies.SMALL < len(emoji) < bodies.TEXT
    r = client.post("/api/papers/2401.00001/comments", content=emoji, headers=auth)
    assert r.status_code == 404  # no such paper: the body was read
    r = client.post("/api/papers/2401.00001/comments", content=emoji + b" " * bodies.TEXT, headers=auth)
    assert r.status_code == 413 and "at most 128 kB" in r.json()["error"]
    # A library upload may be the importer's largest file, and not more.
    r = client.post("/api/library/import", content=b"%" * (importer.MAX_BYTES + bodies.FORM_OVERHEAD + 1),
                    headers={**auth, "Content-Type": "application/x-bibtex"})
    assert r.status_code == 413 and r.json()["error"] == "The file is too large: at most 5 MB per import."
    r = client.post("/api/library/import", content=b"%" * 100_000, headers={**auth, "Content-Type": "application/x-bibtex"})
    assert r.status_code == 400 and "too large" not in r.json()["error"]


def test_every_route_of_the_table_exists(db):
    app = create_app(db, cache_seconds=0, rate_limit=0)
    paths = set()
    for route in app.router.routes:  # an included router's routes are its own router's
        inner = getattr(route, "original_router", None)
        paths |= {getattr(r, "path", None) for r in (inner.routes if inner else [route])}
    missing = set(bodies.LARGER) - paths
    assert not missing, f"web/bodies.py names routes that do not exist: {missing}"
