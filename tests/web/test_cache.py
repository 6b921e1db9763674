"""The response cache serves stored pages until the data changes, and never personal ones."""

from __future__ import annotations

import time
from datetime import date

from fastapi.testclient import TestClient

from paperboy.papers.record import Paper
from paperboy.papers.store import store_batch
from paperboy.web.app import create_app


def test_cached_until_a_write_then_fresh(db, conn):
    store_batch(conn, [Paper(title="First paper", source="hf-page", listed_on=date(2024, 5, 1), upvotes=3)])
    conn.commit()
    client = TestClient(create_app(db, cache_seconds=0.05, rate_limit=0))
    first = client.get("/api/daily_papers")
    assert first.headers["x-cache"] == "miss"
    again = client.get("/api/daily_papers")
    assert again.headers["x-cache"] == "hit" and again.json() == first.json()
    # parameters the route ignores, or another order, are the same answer
    assert client.get("/api/daily_papers?utm_source=x&junk=1").headers["x-cache"] == "hit"
    assert client.get("/api/daily_papers?limit=5&sort=upvotes").headers["x-cache"] == "miss"
    assert client.get("/api/daily_papers?sort=upvotes&junk=2&limit=5").headers["x-cache"] == "hit"

    store_batch(conn, [Paper(title="Second paper", source="hf-page", listed_on=date(2024, 5, 1), upvotes=9)])
    conn.commit()
    time.sleep(0.06)
    fresh = client.get("/api/daily_papers")
    assert fresh.headers["x-cache"] == "miss"
    assert [i["title"] for i in fresh.json()] == ["Second paper", "First paper"]


def test_errors_and_static_are_not_cached_and_other_cookies_change_nothing(db, conn):
    client = TestClient(create_app(db, cache_seconds=60, rate_limit=0), raise_server_exceptions=False)
    for _ in range(2):
        r = client.get("/api/papers/1234.56789")
        assert r.status_code == 404 and r.headers["x-cache"] == "miss"
    anonymous = client.get("/")
    # a cookie that is no session (another app on localhost, a stale one) gets the shared page
    other = client.get("/", headers={"cookie": "a=b; paperboy_session=forged.value.sig"})
    assert other.headers["x-cache"] == "hit" and other.text == anonymous.text
    assert "x-cache" not in client.get("/static/style.css").headers
