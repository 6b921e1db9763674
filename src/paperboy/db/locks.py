"""Every PostgreSQL advisory lock paperboy takes: the keys, named in one place, and the few
ways of taking them.

An advisory lock is named by a number shared by every process on one database, so two
features must never pick the same number by accident; hence one list. The values must not
change either: during an upgrade, processes of the old and the new version run side by
side and must still exclude each other.

lock, try_lock, unlock and held are session locks on a direct connection (or behind a pooler in
session mode); behind a pooler in transaction mode (PAPERBOY_DB_POOLER=transaction, pooler.py)
the same keys are lease rows instead (leases.py). xact_lock is a transaction lock either way.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import psycopg
from psycopg.rows import tuple_row

from paperboy.db import leases, pooler

BASE = 0x70617065  # "pape": any constant no other application on the database is likely to use

MIGRATE = BASE  # one migration run at a time (session lock)
STORE_WRITE = BASE + 1  # imports and fetches merging papers (transaction lock: no lost merge)
EMBED = BASE + 2  # one embedding worker at a time among serve's processes and machines
DIGEST = BASE + 3  # one digest composer at a time
FETCH = {"arxiv": BASE + 4, "hf": BASE + 5}  # one run per source; a free lock marks a dead run
SUBSCRIBE = BASE + 10  # subscribe limits: check and record atomically (transaction lock)
RECOMMEND = BASE + 11  # one process refits For you models at a time
TOPICS = BASE + 25  # one topic build at a time (serve's schedule, `paperboy topics build`)
PASSAGES = BASE + 26  # one passage-index sync or full-text budget pass at a time (passages/)


def keyword_index(path: Path | str) -> int:
    """The key of one keyword-index folder: a node syncs its own folder, so two processes of
    one node wait for each other while other nodes (other folders) go on. 60 bits of a hash:
    a positive bigint, and a collision with the keys above is out of reach."""
    return int(hashlib.sha1(str(path).encode()).hexdigest()[:15], 16)


def lock(conn: psycopg.Connection, key: int) -> None:
    """Wait for the session lock ``key`` (held until :func:`unlock` or the session ends)."""
    if pooler.transaction_pooling():
        return leases.lock(conn, key)
    conn.execute("SELECT pg_advisory_lock(%s)", (key,))


def try_lock(conn: psycopg.Connection, key: int) -> bool:
    """Take the session lock ``key`` if it is free; whether it was taken."""
    if pooler.transaction_pooling():
        return leases.try_lock(conn, key)
    with conn.cursor(row_factory=tuple_row) as cur:  # whatever rows the connection makes
        return bool(cur.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0])


def unlock(conn: psycopg.Connection, key: int) -> None:
    if pooler.transaction_pooling():
        return leases.unlock(conn, key)
    conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


def xact_lock(conn: psycopg.Connection, key: int) -> None:
    """Wait for the lock ``key`` until the current transaction ends (commit or rollback)."""
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (key,))


def held(conn: psycopg.Connection) -> set[int]:
    """The keys some session holds right now on this database (any process, any machine)."""
    if pooler.transaction_pooling():
        return leases.held(conn)
    with conn.cursor(row_factory=tuple_row) as cur:
        rows = cur.execute(
            "SELECT (classid::bigint << 32) | objid::bigint FROM pg_locks"
            " WHERE locktype = 'advisory' AND granted AND objsubid = 1"  # 1: keyed by one bigint
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ).fetchall()
    return {int(r[0]) for r in rows}
