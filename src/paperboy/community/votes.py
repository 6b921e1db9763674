"""Community upvotes: one per member and paper, kept apart from the counts imported from
Hugging Face.

A vote is a row of ``votes``; casting one is ``INSERT … ON CONFLICT DO NOTHING`` and taking
it back is ``DELETE``, so repeating either changes nothing and two at once cannot count
twice. Triggers (migration 0009) keep ``papers.community_upvotes`` equal to the rows, under
the paper row's lock; ``papers.upvotes`` (Hugging Face's count) is never written here, so a
re-import of Hugging Face data leaves community votes as they are. The count shown is both
together.

Each change bumps the data version in the same transaction, so cached pages and the API show
the new count once a worker next checks (PAPERBOY_CACHE_SECONDS).

The per-member limit (PAPERBOY_VOTES_PER_MINUTE) is the ``votes`` policy of
ratelimit/policies.py, checked by the web layer before a vote is cast.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import psycopg

from paperboy.papers.store import resolve_id


class NoSuchPaper(LookupError):
    """The paper id names no stored paper (nor a paper merged into another)."""


def _paper_id(conn: psycopg.Connection, paper_id: str) -> str:
    """The stored id of a paper by its id or an old id it was merged from (locked against a
    concurrent delete or merge until the transaction ends; concurrent votes do not wait)."""
    pid = resolve_id(conn, paper_id)
    if pid is None:
        raise NoSuchPaper(paper_id)
    return pid


def _state(conn: psycopg.Connection, paper_id: str, member_id: int) -> dict[str, Any]:
    row = conn.execute(
        "SELECT coalesce(p.upvotes, 0) + p.community_upvotes AS total, p.community_upvotes,"
        " EXISTS (SELECT 1 FROM votes v WHERE v.paper_id = p.id AND v.member_id = %s) AS upvoted"
        " FROM papers p WHERE p.id = %s",
        (member_id, paper_id),
    ).fetchone()
    if row is None:
        raise NoSuchPaper(paper_id)
    return {"upvotes": row["total"], "communityUpvotes": row["community_upvotes"], "upvoted": row["upvoted"]}


def upvote(conn: psycopg.Connection, paper_id: str, member_id: int) -> dict[str, Any]:
    """The member's vote on the paper (again: nothing changes); the paper's state after."""
    return _change(conn, paper_id, member_id, True)


def remove(conn: psycopg.Connection, paper_id: str, member_id: int) -> dict[str, Any]:
    """The member's vote on the paper taken back (none: nothing changes); the state after."""
    return _change(conn, paper_id, member_id, False)


def toggle(conn: psycopg.Connection, paper_id: str, member_id: int) -> dict[str, Any]:
    """Upvote the paper if the member has not, else take the vote back (the plain form)."""
    return _change(conn, paper_id, member_id, None)


def _change(conn: psycopg.Connection, paper_id: str, member_id: int, up: bool | None) -> dict[str, Any]:
    with conn.transaction():
        pid = _paper_id(conn, paper_id)
        if up is None:
            up = not _state(conn, pid, member_id)["upvoted"]
        if up:  # a vote that was there already changes no row (and bumps no data_version)
            conn.execute("INSERT INTO votes (paper_id, member_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                         (pid, member_id))
        else:
            conn.execute("DELETE FROM votes WHERE paper_id = %s AND member_id = %s", (pid, member_id))
        # One statement, so the count and "upvoted" agree with each other.
        return _state(conn, pid, member_id)


def state(conn: psycopg.Connection, paper_id: str, member_id: int | None) -> dict[str, Any]:
    """The paper's counts and whether the member (None: no one) upvoted it."""
    with conn.transaction():
        pid = _paper_id(conn, paper_id)
        return _state(conn, pid, member_id if member_id is not None else -1)


def voted_among(conn: psycopg.Connection, member_id: int, paper_ids: Iterable[str]) -> set[str]:
    """Which of ``paper_ids`` the member upvoted (one query, for marking a page's buttons)."""
    ids = list(paper_ids)
    if not ids:
        return set()
    rows = conn.execute("SELECT paper_id FROM votes WHERE member_id = %s AND paper_id = ANY(%s)",
                        (member_id, ids)).fetchall()
    return {r["paper_id"] for r in rows}


def of_member(conn: psycopg.Connection, member_id: int, offset: int = 0, limit: int = 50) -> list[dict[str, Any]]:
    """The member's votes, newest first: ``paper_id``, ``title``, ``created``."""
    return conn.execute(
        "SELECT v.paper_id, p.title, v.created FROM votes v JOIN papers p ON p.id = v.paper_id"
        " WHERE v.member_id = %s ORDER BY v.created DESC, v.paper_id OFFSET %s LIMIT %s",
        (member_id, offset, limit)).fetchall()

