"""GET /healthz (200 / 503 with what is checked) and the structured request log: one JSON
line per request carrying the request id the response names."""

from __future__ import annotations

import io
import json
import logging

import pytest
from fastapi.testclient import TestClient

from paperboy import logs
from paperboy.db import Database
from paperboy.web.app import create_app
from tests.helpers import import_files, shared


@pytest.fixture
def app(db, conn):
    import_files(conn, [shared("hf-daily-papers-2024", "2024-11-08.json")])
    conn.commit()
    return create_app(db, cache_seconds=0, rate_limit=0)


@pytest.fixture
def client(app):
    return TestClient(app, raise_server_exceptions=False)


def test_healthz_reports_the_database_migrations_and_backlogs(client, conn):
    conn.execute("INSERT INTO fetch_runs (source, trigger, status, finished) VALUES"
                 " ('hf', 'schedule', 'ok', '2026-11-20T06:00:00Z'),"
                 " ('hf', 'schedule', 'failed', '2026-11-21T06:00:00Z')")
    conn.commit()
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["migrations"]["current"] is True
    assert body["migrations"]["database"] == body["migrations"]["code"] > 0
    assert body["last_fetch"]["hf"].startswith("2026-11-20")  # the last *successful* one
    papers = conn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"]
    assert body["embedding_backlog"] == papers > 0  # nothing embedded yet
    assert body["outbox_backlog"] == 0
    assert r.headers["cache-control"] == "no-store"


def test_healthz_is_503_when_migrations_are_not_current(client, conn):
    from paperboy.db import migrate

    newest = max(v for v, _, sql in migrate.available() if not migrate.concurrent(sql))
    conn.execute("DELETE FROM schema_migrations WHERE version = %s", (newest,))
    conn.commit()
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json()["status"] == "unavailable" and r.json()["migrations"]["current"] is False


def test_healthz_is_ok_while_an_index_is_built_in_the_background(client, conn):
    """A concurrent migration (an index build) still pending: the hub answers meanwhile."""
    from paperboy.db import migrate

    version, name = next((v, n) for v, n, sql in reversed(migrate.available()) if migrate.concurrent(sql))
    conn.execute("DELETE FROM schema_migrations WHERE version = %s", (version,))
    conn.commit()
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["migrations"]["current"] is True and r.json()["migrations"]["building"] == [name]


def test_healthz_is_503_when_the_database_cannot_be_reached(app, client, monkeypatch):
    from paperboy.ops import health

    monkeypatch.setattr(health, "TIMEOUT", 0.5)
    dead = Database("postgresql://nobody@127.0.0.1:1/none?connect_timeout=1", min_size=0, max_size=1)
    dead.pool.open(wait=False)
    app.state.db = dead
    try:
        r = client.get("/healthz")
    finally:
        dead.close()
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "unavailable" and body["database"].startswith("unreachable")
    assert "nobody" not in r.text  # no connection details


def test_healthz_answers_any_host_name(client):
    r = client.get("/healthz", headers={"Host": "10.0.0.7:8000"})
    assert r.status_code == 200
    assert client.get("/", headers={"Host": "10.0.0.7:8000"}).status_code == 400


@pytest.fixture
def log_lines():
    stream = io.StringIO()
    logs.configure("info", "json", stream)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    yield lines
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if h.get_name() != "paperboy"]
    root.setLevel(logging.WARNING)


def test_one_json_line_per_request_with_the_request_id(client, log_lines):
    r = client.get("/search?q=private+words", headers={"X-Request-ID": "lb-42.a_b"})
    assert r.headers["x-request-id"] == "lb-42.a_b"
    client.get("/signin/the-secret-token-in-the-link")
    lines = [e for e in log_lines() if e.get("event") == "request"]
    assert len(lines) == 2
    first, second = lines
    assert first["request_id"] == "lb-42.a_b" and first["path"] == "/search" and first["status"] == 200
    assert first["method"] == "GET" and isinstance(first["ms"], float) and first["level"] == "info"
    assert "timestamp" in first and first["logger"] == "paperboy.web.request"
    assert "private" not in json.dumps(lines)  # query strings are not logged
    assert second["path"] == "/signin/…" and "the-secret-token" not in json.dumps(log_lines())
    assert second["request_id"] != first["request_id"]


@pytest.mark.parametrize("given", [b"x" * 65, b"two words", b"semi;colon", "é".encode()])
def test_an_odd_incoming_request_id_is_replaced(client, given):
    r = client.get("/healthz", headers={b"X-Request-ID": given})
    rid = r.headers["x-request-id"]
    assert rid.encode() != given and len(rid) == 16 and rid.isalnum()


def test_a_crash_is_logged_with_the_request_id_of_its_answer(app, client, log_lines, monkeypatch):
    from paperboy.web.routes import api

    def broken(*a, **k):
        raise RuntimeError("boom in the route")
    monkeypatch.setattr(api.listing, "papers_in", broken, raising=True)
    r = client.get("/api/daily_papers")
    assert r.status_code == 500
    rid = r.headers["x-request-id"]
    events = log_lines()
    crash = [e for e in events if "unhandled error" in e.get("event", "")]
    assert crash and crash[0]["request_id"] == rid and "boom in the route" in crash[0]["exception"]
    assert any(e.get("event") == "request" and e["status"] == 500 and e["request_id"] == rid for e in events)
