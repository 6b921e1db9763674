"""Refitting members' models: in the background job whenever a member's signals change
(never in a request).

A member with a small model is refit at once (a vote shows in the picks within a round of
the job). A member whose last fit had ``LARGE`` positives or more is refit at most once per
``LARGE_EVERY``: importing a library embeds it 32 entries at a time and each batch changes the
signals; 3,000 entries meant 74 refits and 57 s of CPU, and a few more entries barely move a
large model. The last change is still fitted, ``LARGE_EVERY`` later.
"""

from __future__ import annotations

import logging

import psycopg

from paperboy.recommend import model as rec
from paperboy.recommend import signals
from paperboy.recommend.corpus import CACHE, Corpus

log = logging.getLogger(__name__)
BATCH = 50
LARGE = 100                # positives from which a model is refit at most once per LARGE_EVERY
LARGE_EVERY = "2 minutes"


def refresh_member(conn: psycopg.Connection, member_id: int, corpus: Corpus | None = None) -> bool:
    """Refit one member's model from their signals now; whether a model was stored (a member
    without positives has none). A signal whose vector is not computed yet is left out; its
    vector's arrival marks the model stale again (a trigger), and the job refits it."""
    corpus = corpus or CACHE.get(conn)
    row = conn.execute(
        "INSERT INTO recommender_models (member_id) SELECT id FROM members WHERE id = %s"
        " ON CONFLICT (member_id) DO UPDATE SET member_id = EXCLUDED.member_id"
        " RETURNING signals_seq", (member_id,)).fetchone()
    conn.commit()
    if row is None:
        return False
    seq = row["signals_seq"]
    sig = signals.load(conn, member_id, corpus)
    fitted = None
    if len(sig.pos):
        fitted = rec.fit(sig.pos, corpus.sample(rec.BACKGROUND), sig.neg, sig.labels)
    with conn.transaction():
        conn.execute(
            "UPDATE recommender_models SET model = %s, kind = %s, positives = %s, negatives = %s,"
            " fitted = now(), fitted_seq = greatest(fitted_seq, %s) WHERE member_id = %s",
            (fitted.to_bytes() if fitted else None, fitted.kind if fitted else None,
             len(sig.pos), len(sig.neg), seq, member_id))
    return fitted is not None


def stale(conn: psycopg.Connection, limit: int | None = None, debounce: bool = True) -> list[int]:
    """Members whose signals changed since their fit and who are due (see the docstring)."""
    rows = conn.execute(
        "SELECT member_id FROM recommender_models WHERE fitted_seq < signals_seq"
        " AND (NOT %(debounce)s OR coalesce(positives, 0) < %(large)s OR fitted IS NULL"
        "      OR fitted < now() - %(every)s::interval)"
        " ORDER BY member_id LIMIT %(limit)s",
        {"limit": limit, "large": LARGE, "every": LARGE_EVERY, "debounce": debounce}).fetchall()
    conn.commit()
    return [r["member_id"] for r in rows]


def refresh_stale(conn: psycopg.Connection, limit: int | None = None) -> int:
    """Refit every model whose member's signals changed since it was fitted (at most
    ``limit``); how many were refit. One process at a time runs this (the job's lock)."""
    members = stale(conn, limit)
    if not members:
        return 0
    corpus = CACHE.get(conn)
    for member_id in members:
        try:
            refresh_member(conn, member_id, corpus)
        except Exception:  # one member's failure must not stop the others
            conn.rollback()
            log.exception("refitting the model of member %s failed", member_id)
    return len(members)


def refresh_all(conn: psycopg.Connection, progress=None) -> int:
    """Refit every member's model (after an upgrade of the model, say)."""
    conn.execute("INSERT INTO recommender_models (member_id) SELECT id FROM members"
                 " ON CONFLICT DO NOTHING")
    conn.execute("UPDATE recommender_models SET fitted_seq = 0")
    conn.commit()
    ids = stale(conn, debounce=False)
    corpus = CACHE.get(conn)
    for member_id in ids:
        refresh_member(conn, member_id, corpus)
        if progress:
            progress(1)
    return len(ids)
