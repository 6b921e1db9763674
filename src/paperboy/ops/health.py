"""What /healthz answers: is this node fit to serve, and what is piling up.

Unhealthy (HTTP 503) means the database cannot be reached or its schema is not the one this
code knows (pending migrations, or a newer paperboy's); the rest is reported for monitoring
and alerting (a fetch that stopped succeeding, a growing outbox or embedding backlog) but
does not take the node out of a load balancer: it can still serve every page.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from paperboy import __version__, embeddings, enrich
from paperboy.db import Database
from paperboy.db import migrate as migrations

TIMEOUT = 3.0  # seconds to wait for a pooled connection before calling the database down


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def check(db: Database) -> tuple[bool, dict[str, Any]]:
    """(healthy, the report). Never raises for a database problem: that is the report."""
    report: dict[str, Any] = {"status": "ok", "version": __version__}
    started = time.perf_counter()
    try:
        with db.pool.connection(timeout=TIMEOUT) as conn:
            conn.execute("SET LOCAL statement_timeout = '5s'")
            report["database"] = "ok"
            report["database_ms"] = round((time.perf_counter() - started) * 1000, 1)
            report.update(_details(conn))
            conn.rollback()
    except Exception as e:  # psycopg errors, and the pool timing out (PoolTimeout)
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        report["database"] = f"unreachable: {first}"
        report["status"] = "unavailable"
        return False, report
    if not report["migrations"]["current"]:
        report["status"] = "unavailable"
    return report["status"] == "ok", report


def _details(conn: psycopg.Connection) -> dict[str, Any]:
    version, _ = migrations.newest(conn)
    code = migrations.available()[-1][0]
    with conn.cursor(row_factory=dict_row) as cur:
        fetched = cur.execute(
            "SELECT source, max(finished) AS at FROM fetch_runs WHERE status = 'ok' GROUP BY source"
        ).fetchall()
        outbox = cur.execute(
            "SELECT count(*) AS pending, count(*) FILTER (WHERE next_attempt <= now()) AS due,"
            " min(created) AS oldest FROM outbox WHERE status = 'pending'").fetchone()
    return {
        # current: all but index builds applied; those run while the hub answers (db/migrate.py)
        "migrations": {"current": migrations.current(conn) and version <= code, "database": version,
                       "code": code, "building": migrations.building(conn)},
        "last_fetch": {r["source"]: _iso(r["at"]) for r in fetched},
        "outbox_backlog": outbox["pending"],
        "outbox_due": outbox["due"],
        "outbox_oldest": _iso(outbox["oldest"]),
        "embedding_backlog": _embedding_backlog(conn),
        "enrichment_backlog": _enrichment_backlog(conn),
    }


BACKLOG_SECONDS = 30.0
_backlog: dict[tuple, tuple[float, Any]] = {}


def _embedding_backlog(conn: psycopg.Connection) -> int:
    """Papers without a vector, counted at most every BACKLOG_SECONDS per database: the count
    reads every paper (over a second at a million), and monitors poll often."""
    key = (conn.info.host, conn.info.port, conn.info.dbname)
    seen = _backlog.get(key)
    if seen is None or time.monotonic() - seen[0] > BACKLOG_SECONDS:
        seen = _backlog[key] = (time.monotonic(), embeddings.pending_count(conn))
    return seen[1]


def _enrichment_backlog(conn: psycopg.Connection) -> dict[str, dict[str, int]]:
    """Per enrichment source: papers pending, due now, and failed (given up); counted at most
    every BACKLOG_SECONDS per database, like the embedding backlog (it reads the state table)."""
    key = ("enrich", conn.info.host, conn.info.port, conn.info.dbname)
    seen = _backlog.get(key)
    if seen is None or time.monotonic() - seen[0] > BACKLOG_SECONDS:
        counts = {name: {k: b[k] for k in ("pending", "due", "failed")} for name, b in enrich.backlog(conn).items()}
        seen = _backlog[key] = (time.monotonic(), counts)
    return seen[1]
