"""The counts of every limit, in PostgreSQL (``rate_limits``, migration 0016): one statement a
call, so every worker and node of an instance counts the same calls.

Two shapes, both counted and judged in one ``INSERT … ON CONFLICT DO UPDATE … RETURNING``:
concurrent calls for one key queue on its row, and each sees the calls before it.

- a sliding window (:func:`window`): at most ``limit`` calls in any ``per``; the row keeps the
  admitted calls still inside the window, so a refused caller learns exactly when the oldest
  leaves it;
- a token bucket (:func:`bucket`): ``limit`` calls at once, then one every ``per / limit``; kept
  as GCRA's single "theoretical arrival time" (the moment the bucket is full again).

Each answers 0 (admitted and counted) or the seconds until a call would be admitted (refused,
not counted). ``at`` replaces the database's clock (tests); by default every node reads the
one clock of the database, so nodes with skewed clocks still agree.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import psycopg

_WINDOW = """
INSERT INTO rate_limits AS r (policy, key, hits, wait, seen)
VALUES (%(policy)s, %(key)s, ARRAY[coalesce(%(at)s::timestamptz, now())], 0,
        coalesce(%(at)s::timestamptz, now()))
ON CONFLICT (policy, key) DO UPDATE SET (hits, wait, seen) = (
    SELECT CASE WHEN cardinality(k.kept) < %(limit)s THEN k.kept || excluded.seen ELSE k.kept END,
           CASE WHEN cardinality(k.kept) < %(limit)s THEN 0
                ELSE extract(epoch FROM k.kept[cardinality(k.kept) - %(limit)s + 1] + %(per)s - excluded.seen)
           END,
           excluded.seen
    FROM (SELECT ARRAY(SELECT h FROM unnest(r.hits) AS h WHERE h > excluded.seen - %(per)s ORDER BY h)
          AS kept) AS k)
RETURNING wait
"""

_BUCKET = """
INSERT INTO rate_limits AS r (policy, key, tat, wait, seen)
VALUES (%(policy)s, %(key)s, coalesce(%(at)s::timestamptz, now()) + %(step)s, 0,
        coalesce(%(at)s::timestamptz, now()))
ON CONFLICT (policy, key) DO UPDATE SET (tat, wait, seen) = (
    SELECT CASE WHEN b.next - excluded.seen <= %(per)s THEN b.next ELSE r.tat END,
           CASE WHEN b.next - excluded.seen <= %(per)s THEN 0
                ELSE extract(epoch FROM b.next - excluded.seen - %(per)s) END,
           excluded.seen
    FROM (SELECT greatest(r.tat, excluded.seen) + %(step)s AS next) AS b)
RETURNING wait
"""


def window(conn: psycopg.Connection, policy: str, key: str, limit: int, per: timedelta,
           at: datetime | None = None) -> float:
    """Count a call of ``key`` under ``policy`` if fewer than ``limit`` (at least 1) were
    admitted in the last ``per``: 0, else the seconds until one more would be. Runs in the
    caller's transaction when there is one (a rolled-back call was never counted)."""
    row = conn.execute(_WINDOW, {"policy": policy, "key": key, "limit": limit, "per": per, "at": at}).fetchone()
    assert row is not None
    return float(row["wait"])


def bucket(conn: psycopg.Connection, policy: str, key: str, limit: int, per: timedelta,
           at: datetime | None = None) -> float:
    """Count a call of ``key`` under ``policy`` if its bucket (``limit`` at once, refilled
    over ``per``) holds one: 0, else the seconds until it would."""
    row = conn.execute(_BUCKET, {"policy": policy, "key": key, "step": per / limit, "per": per,
                                 "at": at}).fetchone()
    assert row is not None
    return float(row["wait"])


def tidy(conn: psycopg.Connection, policy: str, per: timedelta, batch: int = 1000) -> int:
    """Forget up to ``batch`` keys of ``policy`` not seen for ``per`` (their windows are empty,
    their buckets full again); rows a call holds now are left for next time."""
    return conn.execute(
        "DELETE FROM rate_limits WHERE (policy, key) IN (SELECT policy, key FROM rate_limits"
        " WHERE policy = %s AND seen < now() - %s LIMIT %s FOR UPDATE SKIP LOCKED)",
        (policy, per, batch)).rowcount
