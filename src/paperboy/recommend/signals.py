"""A member's signals, read for the model: what they upvoted, saved to a collection, keep in
their imported library (positives) and marked "not interested" (negatives); and the
"not interested" mark itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import psycopg

from paperboy.db.vectors import ensure_vector
from paperboy.papers import store
from paperboy.recommend.corpus import DIM, Corpus, as_array
from paperboy.recommend.model import centre

# A paper that is several signals at once is explained by the strongest.
_KIND_ORDER = {"saved": 0, "upvoted": 1, "library": 2}

_POSITIVES = """
SELECT 'upvoted' AS kind, v.paper_id AS id, p.title, NULL::text AS url FROM votes v
  JOIN papers p ON p.id = v.paper_id WHERE v.member_id = %(m)s
UNION ALL
SELECT 'saved', cp.paper_id, p.title, NULL FROM collection_papers cp
  JOIN collections c ON c.id = cp.collection_id JOIN papers p ON p.id = cp.paper_id
 WHERE c.member_id = %(m)s
UNION ALL
SELECT 'library', l.paper_id, p.title, NULL FROM library_entries l
  JOIN papers p ON p.id = l.paper_id WHERE l.member_id = %(m)s
"""

_LIBRARY_ONLY = """
SELECT l.id, l.title, l.doi, l.url, l.arxiv_id, l.embedding FROM library_entries l
 WHERE l.member_id = %(m)s AND l.paper_id IS NULL ORDER BY l.id
"""


@dataclass
class Signals:
    pos: np.ndarray                     # centred vectors
    labels: list[dict[str, Any]]        # per positive row: kind, id, title, url
    neg: np.ndarray
    missing: int = 0                    # signals whose vector is not computed yet
    paper_ids: set[str] = field(default_factory=set)  # the member's own papers (never picked)

    @property
    def count(self) -> int:
        return len(self.labels) + len(self.neg)


def _doi_url(doi: str | None, url: str | None, arxiv_id: str | None) -> str | None:
    if doi:
        return f"https://doi.org/{doi}"
    if url and url.startswith(("https://", "http://")):
        return url
    if arxiv_id:
        return f"https://arxiv.org/abs/{arxiv_id}"
    return None


def load(conn: psycopg.Connection, member_id: int, corpus: Corpus) -> Signals:
    """The member's positives and negatives as centred vectors, with what names them."""
    ensure_vector(conn)
    best: dict[str, dict[str, Any]] = {}
    for r in conn.execute(_POSITIVES, {"m": member_id}).fetchall():
        seen = best.get(r["id"])
        if seen is None or _KIND_ORDER[r["kind"]] < _KIND_ORDER[seen["kind"]]:
            best[r["id"]] = {"kind": r["kind"], "id": r["id"], "title": r["title"],
                             "url": f"/papers/{r['id']}"}
    labels, rows, missing = [], [], 0
    for pid, label in best.items():
        i = corpus.row_of(pid)
        if i is None:
            missing += 1
            continue
        labels.append(label)
        rows.append(i)
    extra = []
    for r in conn.execute(_LIBRARY_ONLY, {"m": member_id}).fetchall():
        if r["embedding"] is None:
            missing += 1
            continue
        labels.append({"kind": "library", "id": None, "title": r["title"],
                       "url": _doi_url(r["doi"], r["url"], r["arxiv_id"])})
        extra.append(as_array(r["embedding"]))
    pos = corpus.vectors(rows) if rows else np.zeros((0, DIM), np.float32)
    if extra:
        pos = np.vstack([pos, centre(np.stack(extra), corpus.mean)])
    neg_ids = [r["paper_id"] for r in conn.execute(
        "SELECT paper_id FROM not_interested WHERE member_id = %s", (member_id,)).fetchall()]
    neg_rows = corpus.rows(neg_ids)
    neg = corpus.vectors(neg_rows) if neg_rows else np.zeros((0, pos.shape[1]), np.float32)
    missing += len(neg_ids) - len(neg_rows)
    return Signals(pos=pos, labels=labels, neg=neg, missing=missing,
                   paper_ids=set(best) | set(neg_ids))


def count(conn: psycopg.Connection, member_id: int) -> int:
    """How many signals the member has: distinct papers liked, saved or in their library,
    library-only entries, and papers marked not interested."""
    return conn.execute(
        "SELECT (SELECT count(DISTINCT id) FROM (" + _POSITIVES + ") s)"  # noqa: S608 - fixed SQL
        " + (SELECT count(*) FROM library_entries WHERE member_id = %(m)s AND paper_id IS NULL)"
        " + (SELECT count(*) FROM not_interested WHERE member_id = %(m)s) AS n",
        {"m": member_id},
    ).fetchone()["n"]


def own_papers(conn: psycopg.Connection, member_id: int) -> set[str]:
    """Papers never recommended to this member: theirs already, or turned down."""
    rows = conn.execute(
        "SELECT id FROM (" + _POSITIVES + ") s"  # noqa: S608 - fixed SQL
        " UNION SELECT paper_id FROM not_interested WHERE member_id = %(m)s",
        {"m": member_id},
    ).fetchall()
    return {r["id"] for r in rows}


def _resolve(conn: psycopg.Connection, paper_id: str) -> str:
    pid = store.resolve_id(conn, paper_id)
    if pid is None:
        raise LookupError(f"no paper {paper_id}")
    return pid


def not_interested(conn: psycopg.Connection, member_id: int, paper_id: str) -> str:
    """Mark a paper "not interested" (idempotent): it leaves the member's picks at once and
    the next model refresh learns it as a negative. Returns the paper's id."""
    with conn.transaction():
        pid = _resolve(conn, paper_id)
        conn.execute("INSERT INTO not_interested (member_id, paper_id) VALUES (%s, %s)"
                     " ON CONFLICT DO NOTHING", (member_id, pid))
    return pid


def interested_again(conn: psycopg.Connection, member_id: int, paper_id: str) -> None:
    """Undo "not interested"."""
    with conn.transaction():
        pid = _resolve(conn, paper_id)
        conn.execute("DELETE FROM not_interested WHERE member_id = %s AND paper_id = %s",
                     (member_id, pid))
