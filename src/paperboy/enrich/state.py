"""The enrichment job's state in PostgreSQL: per paper and source (``enrich_state``), and one
lease per remote service (``enrich_leases``).

A row is ``pending`` until its source answered for it (``done``, with a note) or it failed
MAX_ATTEMPTS times (``failed``, kept with its last error for people). After each failure the
next attempt waits longer: RETRY_BASE doubled per attempt, RETRY_MAX at most. A source that
is down therefore costs one batch's requests now and then, never a stalled job, and rows of
other sources are never behind its rows.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import psycopg

MAX_ATTEMPTS = 8
RETRY_BASE = timedelta(minutes=10)
RETRY_MAX = timedelta(days=2)
LEASE = timedelta(minutes=10)  # renewed before every request; a hung holder loses it then


def retry_delay(attempts: int) -> timedelta:
    """The wait before attempt ``attempts + 1``, after ``attempts`` failures.

    >>> retry_delay(1), retry_delay(3), retry_delay(20)
    (datetime.timedelta(seconds=600), datetime.timedelta(seconds=2400), datetime.timedelta(days=2))
    """
    return min(RETRY_MAX, RETRY_BASE * 2 ** max(0, attempts - 1))


def add_pending(conn: psycopg.Connection, source: str, paper_ids: Sequence[str]) -> int:
    """Queue these papers for ``source`` (those already queued, done or failed stay as they are)."""
    if not paper_ids:
        return 0
    return conn.execute(
        "INSERT INTO enrich_state (paper_id, source) SELECT unnest(%s::text[]), %s ON CONFLICT DO NOTHING",
        (list(paper_ids), source)).rowcount


def requeue(conn: psycopg.Connection, source: str, paper_ids: Sequence[str]) -> int:
    """Queue these papers again, whatever their state (``paperboy enrich --ids``)."""
    add_pending(conn, source, paper_ids)
    return conn.execute(
        "UPDATE enrich_state SET status = 'pending', attempts = 0, next_attempt = now(), updated = now()"
        " WHERE source = %s AND paper_id = ANY(%s)", (source, list(paper_ids))).rowcount


def due(conn: psycopg.Connection, source: str, limit: int, ids: Sequence[str] | None = None) -> list[str]:
    """Papers of ``source`` whose next attempt has come, oldest first (only ``ids`` if given)."""
    rows = conn.execute(
        "SELECT paper_id FROM enrich_state WHERE source = %s AND status = 'pending'"
        " AND next_attempt <= now() AND (%s::text[] IS NULL OR paper_id = ANY(%s))"
        " ORDER BY next_attempt, paper_id LIMIT %s",
        (source, ids and list(ids), ids and list(ids), limit)).fetchall()
    return [r["paper_id"] for r in rows]


def done(conn: psycopg.Connection, source: str, paper_id: str, note: str) -> None:
    conn.execute(
        "UPDATE enrich_state SET status = 'done', note = %s, last_error = NULL, updated = now()"
        " WHERE paper_id = %s AND source = %s", (note[:300], paper_id, source))


def look_again(conn: psycopg.Connection, source: str, paper_id: str, after: timedelta | None) -> None:
    """When a done paper of a refreshing source is due again (None: never, which is NEVER:
    a date Python can read, unlike PostgreSQL's 'infinity')."""
    conn.execute("UPDATE enrich_state SET next_attempt = coalesce(now() + %s, '9999-12-31 00:00:00+00')"
                 " WHERE paper_id = %s AND source = %s", (after, paper_id, source))


def requeue_refreshed(conn: psycopg.Connection, source: str) -> int:
    """Done papers whose next look has come are pending again."""
    return conn.execute(
        "UPDATE enrich_state SET status = 'pending', attempts = 0, updated = now()"
        " WHERE source = %s AND status = 'done' AND next_attempt <= now()", (source,)).rowcount


def failed(conn: psycopg.Connection, source: str, paper_ids: Sequence[str], error: str) -> None:
    """One more failed attempt for each: retried later (``retry_delay``), or given up after
    MAX_ATTEMPTS. The papers themselves are not touched: nothing is lost."""
    conn.execute(
        "UPDATE enrich_state SET attempts = attempts + 1, last_error = %(e)s, updated = now(),"
        " status = CASE WHEN attempts + 1 >= %(max)s THEN 'failed' ELSE 'pending' END,"
        " next_attempt = now() + least(%(base)s * power(2, attempts), %(cap)s)"
        " WHERE source = %(s)s AND paper_id = ANY(%(ids)s)",
        {"e": error[:500], "max": MAX_ATTEMPTS, "base": RETRY_BASE, "cap": RETRY_MAX, "s": source,
         "ids": list(paper_ids)})


def backlog(conn: psycopg.Connection) -> dict[str, dict[str, Any]]:
    """Per source: papers pending (``due`` of them now), done, failed, and the latest error."""
    rows = conn.execute(
        "SELECT source, count(*) FILTER (WHERE status = 'pending') AS pending,"
        " count(*) FILTER (WHERE status = 'pending' AND next_attempt <= now()) AS due,"
        " count(*) FILTER (WHERE status = 'done') AS done,"
        " count(*) FILTER (WHERE status = 'failed') AS failed,"
        " (array_agg(last_error ORDER BY updated DESC) FILTER (WHERE last_error IS NOT NULL))[1] AS last_error"
        " FROM enrich_state GROUP BY source ORDER BY source").fetchall()
    return {r["source"]: {k: r[k] for k in ("pending", "due", "done", "failed", "last_error")} for r in rows}


# -- leases ------------------------------------------------------------------------------


@dataclass
class Lease:
    service: str
    holder: str


def me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def take(conn: psycopg.Connection, service: str, holder: str | None = None) -> Lease | None:
    """The lease of ``service`` for this process, or None when a live process holds it.
    Commits (a short transaction of its own)."""
    holder = holder or me()
    with conn.transaction():
        conn.execute("INSERT INTO enrich_leases (service) VALUES (%s) ON CONFLICT DO NOTHING", (service,))
        row = conn.execute(
            "SELECT l.service FROM enrich_leases l WHERE l.service = %(s)s AND ("
            " l.holder IS NULL OR l.holder = %(me)s OR l.until < now()"
            " OR NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = l.holder_pid"
            "   AND (a.backend_start IS NULL OR a.backend_start = l.holder_since)))"
            " FOR UPDATE SKIP LOCKED", {"s": service, "me": holder}).fetchone()
        if row is None:
            return None
        _hold(conn, service, holder)
    return Lease(service, holder)


def _hold(conn: psycopg.Connection, service: str, holder: str) -> None:
    conn.execute(
        "UPDATE enrich_leases SET holder = %s, holder_pid = pg_backend_pid(), until = now() + %s,"
        " holder_since = (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid())"
        " WHERE service = %s", (holder, LEASE, service))


def renew(conn: psycopg.Connection, lease: Lease) -> bool:
    """Extend the lease (call inside a transaction); False when another process took it over."""
    row = conn.execute("SELECT holder FROM enrich_leases WHERE service = %s FOR UPDATE",
                       (lease.service,)).fetchone()
    if row is None or row["holder"] != lease.holder:
        return False
    _hold(conn, lease.service, lease.holder)
    return True


def release(conn: psycopg.Connection, lease: Lease) -> None:
    with conn.transaction():
        conn.execute("UPDATE enrich_leases SET holder = NULL, holder_pid = NULL, until = NULL"
                     " WHERE service = %s AND holder = %s", (lease.service, lease.holder))


def holder_of(conn: psycopg.Connection, service: str) -> str | None:
    row = conn.execute("SELECT holder FROM enrich_leases WHERE service = %s AND until > now()",
                       (service,)).fetchone()
    return row["holder"] if row else None
