"""The log of fetch runs and the resume points they keep.

A run holds a session advisory lock for its source while it works, so two runs of one
source never overlap (serve's schedule and a cron job, or two web workers). A run whose
row still says "running" but whose lock nobody holds was killed: it shows as interrupted,
and the next run of its source records that.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from paperboy.db import locks
from paperboy.fetch.client import FetchError

NAMES = {"arxiv": "arXiv", "hf": "Hugging Face"}


@dataclass
class Counts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    def add(self, other: Counts) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected += other.rejected

    def describe(self) -> str:
        if not (self.new or self.updated):
            return "no new papers"
        parts = [f"{self.new} new", f"{self.updated} updated"]
        if self.rejected:
            parts.append(f"{self.rejected} unreadable entries skipped")
        return ", ".join(parts)


@dataclass
class Run:
    """One run, on the connection that holds its source's lock."""

    conn: psycopg.Connection
    source: str
    id: int
    counts: Counts = field(default_factory=Counts)
    notes: list[str] = field(default_factory=list)

    def record(self, counts: Counts, requests: int) -> None:
        """Add a page's counts; call inside the page's transaction so they commit together."""
        self.counts.add(counts)
        self.conn.execute(
            "UPDATE fetch_runs SET new = %s, updated = %s, unchanged = %s, rejected = %s,"
            " requests = %s WHERE id = %s",
            (self.counts.new, self.counts.updated, self.counts.unchanged, self.counts.rejected,
             requests, self.id),
        )

    def finish(self, status: str, requests: int, error: str | None = None) -> None:
        message = "; ".join(self.notes) or self.counts.describe()
        with self.conn.transaction():
            self.conn.execute(
                "UPDATE fetch_runs SET finished = now(), status = %s, message = %s, error = %s,"
                " requests = %s WHERE id = %s",
                (status, message, error, requests, self.id),
            )


def begin(conn: psycopg.Connection, source: str, params: dict[str, Any], trigger: str = "command",
          only_if: Callable[[psycopg.Connection], bool] | None = None) -> Run | None:
    """Take the source's lock and log the start of a run; FetchError if one is running.

    With ``only_if``, the run happens only if it says so once the lock is held (returns None
    otherwise). The connection runs in autocommit mode until :func:`release`: every page is its own
    explicit transaction, and nothing is left open between them."""
    conn.commit()
    conn.autocommit = True
    if not locks.try_lock(conn, locks.FETCH[source]):
        conn.autocommit = False
        row = conn.execute(
            "SELECT started FROM fetch_runs WHERE source = %s AND status = 'running'"
            " ORDER BY id DESC LIMIT 1", (source,)).fetchone()
        since = f" (started {row['started']:%Y-%m-%d %H:%M} UTC)" if row else ""
        raise FetchError(f"another {NAMES[source]} fetch is running{since}; try again when it ends")
    # We hold the lock, so any run still marked running was killed: say so before anything
    # (``only_if`` included) reads the log.
    conn.execute(
        "UPDATE fetch_runs SET status = 'interrupted', finished = coalesce(finished, now()),"
        " error = coalesce(error, 'stopped before it finished (killed or crashed)')"
        " WHERE source = %s AND status = 'running'", (source,))
    if only_if is not None and not only_if(conn):  # decided under the lock: no double runs
        release(conn, source)
        return None
    with conn.transaction():
        run_id = conn.execute(
            "INSERT INTO fetch_runs (source, params, trigger) VALUES (%s, %s, %s) RETURNING id",
            (source, Jsonb(params), trigger),
        ).fetchone()["id"]
    return Run(conn, source, run_id)


def release(conn: psycopg.Connection, source: str) -> None:
    if conn.closed:
        return
    locks.unlock(conn, locks.FETCH[source])
    conn.autocommit = False


def get_state(conn: psycopg.Connection, key: str) -> dict[str, Any] | None:
    return conn.execute("SELECT * FROM fetch_state WHERE key = %s", (key,)).fetchone()


def save_cursor(conn: psycopg.Connection, key: str, cursor: dict[str, Any] | None,
                done_until: datetime | None = None) -> None:
    """Store where a stream stands (inside the transaction of the page it follows).

    ``done_until`` only moves forward: backfilling an old range must not send the next
    scheduled run back to it."""
    conn.execute(
        "INSERT INTO fetch_state (key, cursor, done_until) VALUES (%s, %s, %s)"
        " ON CONFLICT (key) DO UPDATE SET cursor = excluded.cursor,"
        " done_until = greatest(excluded.done_until, fetch_state.done_until), updated = now()",
        (key, Jsonb(cursor) if cursor is not None else None, done_until),
    )


def running_sources(conn: psycopg.Connection) -> set[str]:
    """The sources whose lock some session holds right now (a run is really going on)."""
    held = locks.held(conn)
    return {source for source, key in locks.FETCH.items() if key in held}


def latest(conn: psycopg.Connection, limit: int = 20) -> list[dict[str, Any]]:
    """The latest runs, newest first; a "running" run whose lock is free shows as interrupted."""
    rows = conn.execute(
        "SELECT *, extract(epoch FROM coalesce(finished, now()) - started) AS seconds"
        " FROM fetch_runs ORDER BY id DESC LIMIT %s", (limit,)).fetchall()
    live = running_sources(conn) if any(r["status"] == "running" for r in rows) else set()
    for r in rows:
        if r["status"] == "running" and r["source"] not in live:
            r["status"] = "interrupted"
    return rows


def last_started(conn: psycopg.Connection, source: str) -> dict[str, Any] | None:
    return conn.execute(
        "SELECT started, status FROM fetch_runs WHERE source = %s ORDER BY id DESC LIMIT 1",
        (source,)).fetchone()


def states(conn: psycopg.Connection) -> list[dict[str, Any]]:
    return conn.execute("SELECT * FROM fetch_state ORDER BY key").fetchall()
