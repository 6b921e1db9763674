"""The full-text budget (PAPERBOY_FULLTEXT_MAX_GB, docs/fulltext.md#budget): the stored texts
(their compressed Markdown) are kept within it. Past it, texts are evicted, the oldest fetched
first, among papers in no member's library (not upvoted, saved in a collection or imported):
their row becomes 'evicted' (Markdown and outline dropped; asking for the paper again fetches
it again) and the passage index drops their passages at its next sync. A library paper's text
is never evicted: when those alone exceed the budget, the job logs it and keeps them."""

from __future__ import annotations

import logging
import time

import psycopg

from paperboy.fulltext.source import _LIBRARY

log = logging.getLogger(__name__)
WARN_EVERY = 3600.0  # seconds between two warnings that library texts alone exceed the budget
_warned = -WARN_EVERY
REASON = "evicted to keep the stored full texts within PAPERBOY_FULLTEXT_MAX_GB; asking fetches it again"


def used(conn: psycopg.Connection) -> int:
    """Bytes of stored full text (compressed Markdown; the outlines are ~10 % more)."""
    return conn.execute("SELECT coalesce(sum(octet_length(markdown)), 0)::bigint AS n FROM fulltexts"
                        " WHERE markdown IS NOT NULL").fetchone()["n"]


def enforce(conn: psycopg.Connection, max_bytes: int) -> list[str]:
    """Evict texts until the stored ones fit in ``max_bytes``; the ids of the papers evicted.
    Commits."""
    total = used(conn)
    if total <= max_bytes:
        conn.commit()
        return []
    excess = total - max_bytes
    rows = conn.execute(
        "SELECT paper_id FROM (SELECT f.paper_id, sum(octet_length(f.markdown)) OVER"  # noqa: S608
        " (ORDER BY f.fetched, f.paper_id) - octet_length(f.markdown) AS before"
        " FROM fulltexts f JOIN papers p ON p.id = f.paper_id"
        f" WHERE f.markdown IS NOT NULL AND NOT ({_LIBRARY})) t WHERE before < %s",
        (excess,)).fetchall()
    ids = [r["paper_id"] for r in rows]
    if ids:
        conn.execute("UPDATE fulltexts SET status = 'evicted', markdown = NULL, outline = '[]', chars = 0,"
                     " truncated = false, reason = %s WHERE paper_id = ANY(%s) AND markdown IS NOT NULL",
                     (REASON, ids))
    conn.commit()
    if ids:
        log.info("full-text budget: %d texts evicted (%d bytes over %d)", len(ids), excess, max_bytes)
    global _warned
    left = used(conn) - max_bytes
    if left > 0 and time.monotonic() - _warned >= WARN_EVERY:  # (serve checks every few seconds)
        _warned = time.monotonic()
        log.warning("full-text budget: library papers' texts alone take %d bytes over PAPERBOY_FULLTEXT_MAX_GB;"
                    " they are kept", left)
    conn.commit()
    return ids


def summary(conn: psycopg.Connection, max_bytes: int) -> dict[str, int]:
    """What `paperboy status` and /admin/status say of the stored texts: how many are stored,
    none and evicted, their bytes and the budget."""
    row = conn.execute(
        "SELECT count(*) FILTER (WHERE status = 'text') AS stored, count(*) FILTER (WHERE status = 'none') AS none,"
        " count(*) FILTER (WHERE status = 'evicted') AS evicted,"
        " coalesce(sum(octet_length(markdown)), 0)::bigint AS bytes FROM fulltexts").fetchone()
    return {**row, "budget": max_bytes}
