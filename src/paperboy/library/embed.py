"""Vectors for library-only entries: the same model and text as papers' (title + ". " +
abstract, :func:`paperboy.embeddings.paper_text`), so the recommender can read an entry
like a paper. A batch is read, encoded and written, then committed: a stopped run loses at
most one batch. Serve's background jobs call :func:`embed_pending` after the papers' own
embedding step (under the same lock); `paperboy library import` calls it at once.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from paperboy import embeddings
from paperboy.db.vectors import ensure_vector

BATCH = 64


def pending_count(conn: psycopg.Connection, member_id: int | None = None) -> int:
    """Library-only entries without a vector (of one member, or of all)."""
    return conn.execute(
        "SELECT count(*) AS n FROM library_entries WHERE paper_id IS NULL AND embedding IS NULL"
        " AND (%(m)s::bigint IS NULL OR member_id = %(m)s)", {"m": member_id}).fetchone()["n"]


def embed_pending(conn: psycopg.Connection, batch: int = BATCH, limit: int | None = None,
                  member_id: int | None = None, progress: Callable[[int], None] | None = None) -> int:
    """Embed library-only entries lacking a vector, a batch per transaction; how many were
    embedded (at most ``limit`` when given, rounded up to a batch)."""
    ensure_vector(conn)
    done, after = 0, 0
    while limit is None or done < limit:
        rows = conn.execute(
            "SELECT id, title, abstract FROM library_entries"
            " WHERE paper_id IS NULL AND embedding IS NULL AND id > %(after)s"
            " AND (%(m)s::bigint IS NULL OR member_id = %(m)s) ORDER BY id LIMIT %(lim)s",
            {"after": after, "m": member_id, "lim": batch}).fetchall()
        conn.commit()
        if not rows:
            break
        after = rows[-1]["id"]
        vectors = embeddings.encode([embeddings.paper_text(r["title"], r["abstract"]) for r in rows])
        with conn.transaction(), conn.cursor() as cur:
            # (only while still library-only and unembedded: it may have been matched or
            # removed while the batch was encoded)
            cur.executemany(
                "UPDATE library_entries SET embedding = %s WHERE id = %s"
                " AND paper_id IS NULL AND embedding IS NULL",
                [(v, r["id"]) for r, v in zip(rows, vectors, strict=True)])
        done += len(rows)
        if progress:
            progress(len(rows))
    return done
