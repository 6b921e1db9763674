"""The hub's clock: the days on which it listed papers (on Daily, New or both).

Trending counts a paper's age in these days (trending.py), and the daily feed carries the
last few of them (web/routes/feeds.py): a hub whose lists paused (an archive, a failing fetch)
does not age its papers, or empty its feed, by the length of the pause.
"""

from __future__ import annotations

from datetime import date

import psycopg

BOARDS = {"daily": "listings", "new": "new_listings"}


def listed_days(conn: psycopg.Connection, ref: date, n: int, since: date | None = None,
                boards: tuple[str, ...] = ("daily", "new")) -> list[date]:
    """The latest ``n`` days up to ``ref`` (and from ``since`` on) on which anything was
    listed on ``boards``, newest first. A skip scan: one index probe per board and day, so no
    table is read whole however many papers the hub holds."""
    tables = [BOARDS[b] for b in boards]
    latest = ", ".join(f"(SELECT max(day) FROM {t} WHERE day <= %(ref)s)" for t in tables)  # noqa: S608 - fixed names
    before = ", ".join(f"(SELECT max(day) FROM {t} WHERE day < d.day)" for t in tables)  # noqa: S608 - fixed names
    rows = conn.execute(
        f"WITH RECURSIVE d(day, k) AS (SELECT greatest({latest}, NULL), 1"  # noqa: S608 - fixed table names
        f" UNION ALL SELECT greatest({before}, NULL), k + 1"
        "  FROM d WHERE d.day IS NOT NULL AND k < %(n)s AND d.day > %(since)s"
        ") SELECT day FROM d WHERE day IS NOT NULL AND day >= %(since)s ORDER BY day DESC",
        {"ref": ref, "n": n, "since": since or date(1, 1, 1)}).fetchall()
    return [r["day"] for r in rows]
