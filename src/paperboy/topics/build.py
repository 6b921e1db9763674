"""The topic job: read the papers of a period with their vectors, group them (compute.py),
keep the ids of the topics they continue, store topics, their papers and map positions.

Runs in `paperboy serve`'s background jobs every PAPERBOY_TOPICS_EVERY (and by `paperboy
topics build`), one at a time under the TOPICS advisory lock; never in a request. The
period: papers listed on Daily or New (else published) in the last DEFAULT_DAYS days up to the
latest such day; ``since=1900-01-01`` means all time. Withdrawn and hidden papers, and papers
without a vector yet, are left out.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import psycopg

from paperboy.db import Database, locks
from paperboy.topics.compute import Build, compute

log = logging.getLogger(__name__)
DEFAULT_DAYS = 90
SETTING = "topics.build"  # settings row: what the last build covered
CHUNK = 10_000
DIM = 384
DAY_SQL = "coalesce(p.listed_on, nl.day, p.published_at)"
NEW_JOIN = " LEFT JOIN (SELECT paper_id, min(day) AS day FROM new_listings GROUP BY paper_id) nl ON nl.paper_id = p.id"


class Busy(Exception):
    """Another process is building topics right now."""


@dataclass
class Outcome:
    since: date | None
    until: date | None
    papers: int
    build: Build
    ids: list[int]           # each topic's id, in build.topics' order
    kept: int                # topics that kept an old id
    retired: int             # old topics nothing matched (now inactive)
    seconds: float


def period(conn: psycopg.Connection, since: date | None, until: date | None) -> tuple[date | None, date | None]:
    """The period a build covers: ``until`` defaults to the latest paper's day, ``since`` to
    DEFAULT_DAYS before it."""
    if until is None:
        until = conn.execute(f"SELECT max({DAY_SQL}) AS d FROM papers p{NEW_JOIN}").fetchone()["d"]  # noqa: S608
    if since is None and until is not None:
        since = until - timedelta(days=DEFAULT_DAYS - 1)
    return since, until


def _decode(blobs: list[bytes]) -> np.ndarray:
    """pgvector's binary form (dimensions, unused, then big-endian float4s) as float32 rows."""
    if not blobs:
        return np.zeros((0, DIM), np.float32)
    raw = np.frombuffer(b"".join(blobs), dtype=np.uint8).reshape(len(blobs), -1)[:, 4:]
    return raw.copy().view(">f4").astype(np.float32)


def read(conn: psycopg.Connection, since: date | None, until: date | None):
    """(ids, days, vectors, titles, abstracts) of the period's papers, in chunks."""
    ids: list[str] = []
    days: list[date] = []
    titles: list[str] = []
    abstracts: list[str] = []
    parts: list[np.ndarray] = []
    after = ""
    while True:
        rows = conn.execute(
            f"SELECT p.id, {DAY_SQL} AS day, p.title, p.summary, vector_send(e.embedding) AS v"  # noqa: S608
            f" FROM papers p JOIN embeddings e ON e.paper_id = p.id{NEW_JOIN}"
            f" WHERE p.id > %(after)s AND NOT p.withdrawn AND NOT p.hidden"
            f" AND {DAY_SQL} BETWEEN %(lo)s AND %(hi)s ORDER BY p.id LIMIT %(n)s",
            {"after": after, "lo": since or date(1, 1, 1), "hi": until or date(9999, 12, 31), "n": CHUNK},
        ).fetchall()
        if not rows:
            break
        after = rows[-1]["id"]
        ids += [r["id"] for r in rows]
        days += [r["day"] for r in rows]
        titles += [r["title"] for r in rows]
        abstracts += [r["summary"] for r in rows]
        parts.append(_decode([r["v"] for r in rows]))
    vectors = np.vstack(parts) if parts else np.zeros((0, DIM), np.float32)
    return ids, days, vectors, titles, abstracts


def previous(conn: psycopg.Connection) -> tuple[list[int], list[set[str]]]:
    """The active topics (ids, paper sets) a new build continues."""
    rows = conn.execute("SELECT t.id, array_agg(tp.paper_id) AS papers FROM topics t"
                        " JOIN topic_papers tp ON tp.topic_id = t.id WHERE t.active"
                        " GROUP BY t.id ORDER BY t.id").fetchall()
    return [r["id"] for r in rows], [set(r["papers"]) for r in rows]


def store(conn: psycopg.Connection, build: Build, ids: list[str], old_ids: list[int]) -> tuple[list[int], int]:
    """Write a build in one transaction; (each topic's id, how many old topics retired)."""
    topic_ids: list[int] = []
    with conn.transaction():
        conn.execute("DELETE FROM topic_papers WHERE topic_id IN (SELECT id FROM topics WHERE active)")
        for t in build.topics:
            values = {"label": t.label, "kw": t.keywords, "size": t.size, "weekly": json.dumps(t.weekly),
                      "growth": t.growth, "x": t.x, "y": t.y}
            if t.old is not None:
                values["id"] = old_ids[t.old]
                conn.execute("UPDATE topics SET label = %(label)s, keywords = %(kw)s, size = %(size)s,"
                             " weekly = %(weekly)s, growth = %(growth)s, x = %(x)s, y = %(y)s,"
                             " active = true, built_at = now() WHERE id = %(id)s", values)
                topic_ids.append(values["id"])
            else:
                topic_ids.append(conn.execute(
                    "INSERT INTO topics (label, keywords, size, weekly, growth, x, y)"
                    " VALUES (%(label)s, %(kw)s, %(size)s, %(weekly)s, %(growth)s, %(x)s, %(y)s) RETURNING id",
                    values).fetchone()["id"])
        kept = {old_ids[t.old] for t in build.topics if t.old is not None}
        retired = [i for i in old_ids if i not in kept]
        if retired:
            conn.execute("UPDATE topics SET active = false WHERE id = ANY(%s)", (retired,))
        by_index = {t.index: tid for t, tid in zip(build.topics, topic_ids, strict=True)}
        with conn.cursor().copy("COPY topic_papers (topic_id, paper_id, x, y) FROM STDIN") as copy:
            for pid, c, (x, y) in zip(ids, build.labels, build.xy, strict=True):
                if int(c) in by_index:
                    copy.write_row((by_index[int(c)], pid, float(x), float(y)))
    return topic_ids, len(retired)


def run(conn: psycopg.Connection, since: date | None = None, until: date | None = None,
        step: Callable[[str], None] | None = None, wait: bool = True) -> Outcome:
    """Build topics now under the TOPICS lock (``wait``: for another build to end; else raise
    Busy). ``step`` hears each stage's name."""
    started = time.monotonic()
    if wait:
        locks.lock(conn, locks.TOPICS)
    elif not locks.try_lock(conn, locks.TOPICS):
        conn.commit()
        raise Busy("a topic build is running")
    conn.commit()
    try:
        since, until = period(conn, since, until)
        if step:
            step("reading")
        ids, days, vectors, titles, abstracts = read(conn, since, until)
        old_ids, old_sets = previous(conn)
        conn.commit()
        build = compute(ids, days, vectors, titles, abstracts, previous=old_sets, step=step)
        if step:
            step("storing")
        topic_ids, retired = store(conn, build, ids, old_ids)
        seconds = round(time.monotonic() - started, 2)
        note = {"since": since.isoformat() if since else None, "until": until.isoformat() if until else None,
                "papers": len(ids), "topics": len(topic_ids), "seconds": seconds,
                "at": datetime.now(UTC).isoformat(timespec="seconds")}
        conn.execute("INSERT INTO settings (key, value) VALUES (%s, %s)"
                     " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (SETTING, json.dumps(note)))
        conn.commit()
    finally:
        conn.rollback()
        locks.unlock(conn, locks.TOPICS)
        conn.commit()
    kept = sum(1 for t in build.topics if t.old is not None)
    return Outcome(since, until, len(ids), build, topic_ids, kept, retired, seconds)


def last(conn: psycopg.Connection) -> dict | None:
    """What the last build covered ({since, until, papers, topics, seconds, at}), or None."""
    row = conn.execute("SELECT value FROM settings WHERE key = %s", (SETTING,)).fetchone()
    return json.loads(row["value"]) if row else None


def run_due(db: Database, every: float | None, stop: threading.Event | None = None) -> Outcome | None:
    """Build when ``every`` seconds have passed since the last build (any process's)."""
    if not every or (stop is not None and stop.is_set()):
        return None
    with db.connection() as conn:
        done = last(conn)
        conn.commit()
        if done and (datetime.now(UTC) - datetime.fromisoformat(done["at"])).total_seconds() < every:
            return None
        try:
            outcome = run(conn, wait=False)
        except Busy:
            return None
    log.info("topics built: %d papers, %d topics (%d kept their id, %d retired) in %.1f s",
             outcome.papers, len(outcome.ids), outcome.kept, outcome.retired, outcome.seconds)
    return outcome
