"""The papers in collections: saving one, taking it out, listing a collection's papers, which
of a member's collections hold a paper, and the member's upvoted papers (the other list a
member exports).

Paper rows come back as ``SELECT p.*`` with ``submitter`` (papers/store.submitter_sql), so
papers/view.py makes them views as it does for every other list.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import psycopg

from paperboy.collections.lists import MAX_PAPERS, CollectionError, own
from paperboy.papers import store
from paperboy.papers.store import submitter_sql


def paper_id_of(conn: psycopg.Connection, paper_id: str) -> str | None:
    """The stored id of a paper by its id or an old id it was merged from, or None."""
    return store.resolve_id(conn, paper_id)


def _count(conn: psycopg.Connection, collection_id: int) -> int:
    return conn.execute("SELECT count(*) AS n FROM collection_papers WHERE collection_id = %s",
                        (collection_id,)).fetchone()["n"]


def add_paper(conn: psycopg.Connection, member_id: int, collection_id: int, paper_id: str) -> dict[str, Any]:
    """Save the paper (by its id or an old id it was merged from) to the member's
    collection; saving it again changes nothing. Answers ``{"paper": stored id,
    "numPapers"}``. Raises CollectionError: 404 not their collection or no such paper;
    400 the collection holds MAX_PAPERS papers already."""
    with conn.transaction():
        own(conn, member_id, collection_id, lock=True)  # one change of a collection at a time
        pid = paper_id_of(conn, paper_id)
        if pid is None:
            raise CollectionError(404, f"No paper with id {paper_id[:80]!r}.")
        n = _count(conn, collection_id)
        if n >= MAX_PAPERS and not conn.execute(
                "SELECT 1 FROM collection_papers WHERE collection_id = %s AND paper_id = %s",
                (collection_id, pid)).fetchone():
            raise CollectionError(400, f"A collection holds at most {MAX_PAPERS:,} papers: this one is full.")
        if conn.execute("INSERT INTO collection_papers (collection_id, paper_id) VALUES (%s, %s)"
                        " ON CONFLICT DO NOTHING", (collection_id, pid)).rowcount:
            conn.execute("UPDATE collections SET modified = now() WHERE id = %s", (collection_id,))
            n += 1
    return {"paper": pid, "numPapers": n}


def remove_paper(conn: psycopg.Connection, member_id: int, collection_id: int, paper_id: str) -> dict[str, Any]:
    """Take the paper out of the member's collection (not in it: nothing changes).
    Answers ``{"paper", "numPapers"}``. Raises CollectionError 404: not their collection."""
    with conn.transaction():
        own(conn, member_id, collection_id, lock=True)
        pid = paper_id_of(conn, paper_id) or paper_id
        # (no stored id holds a NUL, nor may SQL text)
        if "\x00" not in pid and conn.execute("DELETE FROM collection_papers WHERE collection_id = %s AND paper_id = %s",
                        (collection_id, pid)).rowcount:
            conn.execute("UPDATE collections SET modified = now() WHERE id = %s", (collection_id,))
        return {"paper": pid, "numPapers": _count(conn, collection_id)}


def papers(conn: psycopg.Connection, collection_id: int, offset: int = 0, limit: int = MAX_PAPERS) -> list[dict[str, Any]]:
    """A page of the collection's papers, the last saved first: paper rows with ``added``.
    (Who may see the collection is :func:`~paperboy.collections.lists.get`'s to say.)"""
    return conn.execute(
        f"SELECT p.*, cp.added, {submitter_sql('p')} FROM collection_papers cp"  # noqa: S608 - a fixed string
        " JOIN papers p ON p.id = cp.paper_id WHERE cp.collection_id = %s"
        " ORDER BY cp.added DESC, p.id OFFSET %s LIMIT %s",
        (collection_id, offset, limit)).fetchall()


def containing(conn: psycopg.Connection, member_id: int, paper_ids: Iterable[str]) -> dict[str, set[int]]:
    """For each of ``paper_ids``, the ids of the member's collections that hold it (papers
    in none are left out)."""
    ids = list(paper_ids)
    if not ids:
        return {}
    rows = conn.execute(
        "SELECT cp.paper_id, cp.collection_id FROM collection_papers cp"
        " JOIN collections c ON c.id = cp.collection_id"
        " WHERE c.member_id = %s AND cp.paper_id = ANY(%s)", (member_id, ids)).fetchall()
    out: dict[str, set[int]] = {}
    for r in rows:
        out.setdefault(r["paper_id"], set()).add(r["collection_id"])
    return out


def upvoted_papers(conn: psycopg.Connection, member_id: int, offset: int = 0,
                   limit: int = 100) -> tuple[list[dict[str, Any]], int]:
    """A page of the papers the member upvoted, the newest vote first (paper rows with
    ``upvoted``, when they voted), and how many they upvoted in all."""
    rows = conn.execute(
        f"SELECT p.*, v.created AS upvoted, {submitter_sql('p')} FROM votes v"  # noqa: S608 - a fixed string
        " JOIN papers p ON p.id = v.paper_id WHERE v.member_id = %s"
        " ORDER BY v.created DESC, v.paper_id OFFSET %s LIMIT %s",
        (member_id, offset, limit)).fetchall()
    total = conn.execute("SELECT count(*) AS n FROM votes WHERE member_id = %s", (member_id,)).fetchone()["n"]
    return rows, total
