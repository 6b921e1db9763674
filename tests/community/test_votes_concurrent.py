"""Votes under concurrency: many requests at once, through the app and a pool of real
database connections, end in counts equal to the vote rows."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from paperboy import config
from paperboy.community import tokens
from paperboy.db import Database
from paperboy.web.app import create_app
from tests.community.people import sign_in


@pytest.fixture
def busy(db_url: str) -> Iterator[TestClient]:
    """The app over a pool of 20 connections, without the per-member vote limit, the
    per-client rate limit or the response cache."""
    cfg = config.load()
    cfg = dataclasses.replace(cfg, community=dataclasses.replace(cfg.community, votes_per_minute=0))
    with Database(db_url, max_size=20).open() as pool:
        client = TestClient(create_app(pool, cache_seconds=0, rate_limit=0, cfg=cfg),
                            raise_server_exceptions=False)
        client.get("/api/daily_papers")  # builds the app before the threads start
        yield client


def _paper(conn) -> str:
    conn.execute("INSERT INTO papers (id, arxiv_id, title, title_key, summary, authors, listed_on, upvotes)"
                 " VALUES ('2411.00001', '2411.00001', 'A paper', 'a paper', 'About it.', '{Ada}', '2024-11-08', 7)")
    conn.execute("INSERT INTO listings (paper_id, day, source) VALUES ('2411.00001', '2024-11-08', 'hf-page')")
    conn.commit()
    return "2411.00001"


def _counts(conn, pid: str) -> tuple[int, int, int]:
    row = conn.execute("SELECT upvotes, community_upvotes, (SELECT count(*) FROM votes WHERE paper_id = %s) AS n"
                       " FROM papers WHERE id = %s", (pid, pid)).fetchone()
    conn.commit()
    return row["upvotes"], row["community_upvotes"], row["n"]


def test_200_concurrent_toggles_of_one_member_end_consistent(busy, conn):
    pid = _paper(conn)
    csrf = sign_in(busy, conn, "ada@example.org")
    rng = random.Random(12)
    methods = [rng.choice(("POST", "DELETE")) for _ in range(200)]

    def call(method: str):
        return busy.request(method, f"/api/papers/{pid}/upvote", headers={"X-CSRF-Token": csrf})

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(call, methods))
    assert [r.status_code for r in answers] == [200] * 200
    for r in answers:  # each answer agrees with itself: one member, so 0 or 1
        body = r.json()
        assert body["communityUpvotes"] == int(body["upvoted"]) and body["upvotes"] == 7 + body["communityUpvotes"]
    hf, community, rows = _counts(conn, pid)
    assert hf == 7 and community == rows and rows in (0, 1)
    api = busy.get(f"/api/papers/{pid}").json()
    assert (api["upvotes"], api["communityUpvotes"], api["hfUpvotes"]) == (7 + rows, rows, 7)
    # and the next call starts from that state
    r = busy.post(f"/api/papers/{pid}/upvote", headers={"X-CSRF-Token": csrf}).json()
    assert r == {"upvotes": 8, "communityUpvotes": 1, "upvoted": True}


def test_1000_members_voting_at_once_give_exactly_1000(busy, conn):
    pid = _paper(conn)
    ids = [r["id"] for r in conn.execute(
        "INSERT INTO members (email, name) SELECT 'm' || i || '@example.org', 'm' || i"
        " FROM generate_series(1, 1000) i RETURNING id").fetchall()]
    conn.commit()
    headers = [{"Authorization": f"Bearer {tokens.create(conn, i, 'load')}"} for i in ids]

    def vote(h):
        return busy.post(f"/api/papers/{pid}/upvote", headers=h)

    with ThreadPoolExecutor(40) as pool:
        answers = list(pool.map(vote, headers))
    assert [r.status_code for r in answers] == [200] * 1000
    assert all(r.json()["upvoted"] for r in answers)
    assert max(r.json()["communityUpvotes"] for r in answers) == 1000
    assert _counts(conn, pid) == (7, 1000, 1000)
    api = busy.get(f"/api/papers/{pid}").json()
    assert (api["upvotes"], api["communityUpvotes"]) == (1007, 1000)
    # the same thousand again, half of them taking the vote back at the same time
    calls = [("POST" if k % 2 else "DELETE", h) for k, h in enumerate(headers)]
    with ThreadPoolExecutor(40) as pool:
        answers = list(pool.map(lambda c: busy.request(c[0], f"/api/papers/{pid}/upvote", headers=c[1]), calls))
    assert [r.status_code for r in answers] == [200] * 1000
    assert _counts(conn, pid) == (7, 500, 500)
