"""A limit is one limit across the worker processes of `paperboy serve --workers 2` (issue 22,
item 2): PAPERBOY_VOTES_PER_MINUTE=10 used to let one member cast 20 of 40 votes, each worker
counting in its own memory. Calls come on many connections at once, so both workers serve
them; the counts are in PostgreSQL, and exactly the limit is admitted."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from paperboy.community import passwords
from paperboy.demo import data_dir
from tests.community.people import add, form_token, token_for
from tests.fixtures import http
from tests.helpers import import_files
from tests.ops import nodes

LIMIT, CALLS = 10, 40


@pytest.fixture
def served(db_url: str, conn, tmp_path: Path) -> Iterator[tuple[nodes.Node, str, dict[str, str]]]:
    """(two-worker server, a paper's id, a member's token headers)."""
    import_files(conn, [data_dir() / "hf-daily" / "2024-11-04.json"])
    conn.commit()
    pid = conn.execute("SELECT id FROM papers ORDER BY id LIMIT 1").fetchone()["id"]
    ada = token_for(conn, "ada@example.org")
    passwords.set_password(conn, add(conn, "bob@example.org").id, "correct horse battery")
    conn.commit()
    node = nodes.start(db_url, tmp_path / "home", "--workers", "2", PAPERBOY_VOTES_PER_MINUTE=str(LIMIT),
                       PAPERBOY_COMMENTS_PER_HOUR=str(LIMIT), PAPERBOY_RATE_LIMIT="0",
                       PAPERBOY_CACHE_SECONDS="0", PAPERBOY_FETCH_EVERY="off")
    try:
        nodes.ready(node, timeout=90)
        yield node, pid, ada
    finally:
        nodes.stop(node)


def burst(call: Callable[[httpx.Client], httpx.Response], n: int = CALLS) -> list[int]:
    """``n`` calls at the same moment, each on a connection of its own; their statuses."""
    start = threading.Barrier(n)

    def one(_: int) -> int:
        with http.Client(timeout=120) as web:
            start.wait()
            return call(web).status_code

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def test_votes_comments_and_signin_are_exact_across_workers(served, conn):
    node, pid, ada = served
    votes = burst(lambda h: h.post(f"{node.base}/api/papers/{pid}/upvote", headers=ada))
    assert sorted(votes) == [200] * LIMIT + [429] * (CALLS - LIMIT), f"{votes.count(200)} of {CALLS} votes admitted"

    posts = burst(lambda h: h.post(f"{node.base}/api/papers/{pid}/comments", json={"body": "hi"}, headers=ada))
    assert sorted(posts) == [201] * LIMIT + [429] * (CALLS - LIMIT), f"{posts.count(201)} of {CALLS} comments admitted"
    mine = conn.execute("SELECT min(id) AS id FROM comments").fetchone()["id"]
    edits = burst(lambda h: h.patch(f"{node.base}/api/comments/{mine}", json={"body": "edited"}, headers=ada))
    assert sorted(edits) == [200] * LIMIT + [429] * (CALLS - LIMIT), f"{edits.count(200)} of {CALLS} edits admitted"

    # Wrong passwords for one address from one client: FAILURES_PER_ADDRESS are checked.
    token = form_token(http.get(node.base + "/signin").text)
    tries = burst(lambda h: h.post(f"{node.base}/signin", headers={"origin": node.base},
                                   data={"email": "bob@example.org", "password": "wrong wrong wrong",
                                         "csrf": token}), n=20)
    checked = [s for s in tries if s != 429]
    assert len(checked) == passwords.FAILURES_PER_ADDRESS, tries
