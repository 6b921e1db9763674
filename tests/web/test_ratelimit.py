"""A client that floods the app gets 429 with Retry-After; others and static files are unaffected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from paperboy.ratelimit import BUCKET, Policy, admit
from paperboy.web.app import create_app


class _Bucket:
    """The per-client bucket's arithmetic (ratelimit/store.py), at chosen moments."""

    def __init__(self, conn, rate: float, burst: int) -> None:
        self.conn, self.burst = conn, burst
        self.policy = Policy("test-requests", per=timedelta(seconds=burst / rate), limit=burst, kind=BUCKET)

    def allow(self, client: str, now: float) -> float:
        at = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(seconds=now)
        return admit(self.conn, self.policy, client, self.burst, self.policy.window(None), at)


def test_bucket_refills_at_the_rate(conn):
    rl = _Bucket(conn, rate=2, burst=3)
    assert [rl.allow("a", 0.0) for _ in range(3)] == [0, 0, 0]
    assert rl.allow("a", 0.0) == 0.5  # next token in half a second
    assert rl.allow("b", 0.0) == 0  # another client has its own bucket
    assert rl.allow("a", 0.6) == 0


def test_flooding_client_gets_429(db, monkeypatch):
    monkeypatch.setenv("PAPERBOY_RATE_BURST", "5")
    # One token a minute: on a busy machine 8 requests may take seconds, and must not refill it.
    client = TestClient(create_app(db, cache_seconds=0, rate_limit=1 / 60))
    codes = [client.get("/api/daily_papers").status_code for _ in range(8)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429] * 3
    r = client.get("/api/daily_papers")
    assert r.status_code == 429 and r.json()["status"] == 429 and int(r.headers["retry-after"]) >= 1
    assert client.get("/").status_code == 429 and "Too many requests" in client.get("/").text
    assert client.get("/static/style.css").status_code == 200
