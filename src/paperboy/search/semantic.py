"""The vector leg: nearest papers by cosine distance in pgvector (HNSW index)."""

from __future__ import annotations

from typing import Any

import numpy as np
import psycopg
from pgvector.psycopg import register_vector

from paperboy.search.keyword import Filters

EF_SEARCH = 100  # HNSW candidate list: recall against speed


def _where(f: Filters | None) -> tuple[str, dict[str, Any]]:
    clauses, params = [], {}
    if f and f.since:
        clauses.append("coalesce(p.listed_on, p.published_at) >= %(since)s")
        params["since"] = f.since
    if f and f.until:
        clauses.append("coalesce(p.listed_on, p.published_at) <= %(until)s")
        params["until"] = f.until
    if f and f.has_code:
        clauses.append("p.github_repo IS NOT NULL")
    if f and f.category:
        clauses.append("%(cat)s = ANY(p.categories)")
        params["cat"] = f.category
    return (" AND ".join(clauses) or "true"), params


def nearest(
    conn: psycopg.Connection, vector: np.ndarray, filters: Filters | None = None, k: int = 100,
    exclude: list[str] | None = None,
) -> list[tuple[str, float]]:
    """(paper id, cosine distance) of the ``k`` nearest papers that pass the filters."""
    register_vector(conn)
    where, params = _where(filters)
    params |= {"v": vector, "k": k, "ex": exclude or []}
    with conn.transaction():
        conn.execute(f"SET LOCAL hnsw.ef_search = {max(EF_SEARCH, k)}")
        # With filters, keep scanning the graph until k rows pass them (pgvector >= 0.8).
        conn.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        rows = conn.execute(
            "SELECT e.paper_id, e.embedding <=> %(v)s AS dist FROM embeddings e"  # noqa: S608
            " JOIN papers p ON p.id = e.paper_id"
            f" WHERE {where} AND NOT (e.paper_id = ANY(%(ex)s))"
            " ORDER BY e.embedding <=> %(v)s LIMIT %(k)s",
            params,
        ).fetchall()
    return [(r["paper_id"], float(r["dist"])) for r in rows]


def vector_of(conn: psycopg.Connection, paper_id: str) -> np.ndarray | None:
    register_vector(conn)
    row = conn.execute("SELECT embedding FROM embeddings WHERE paper_id = %s", (paper_id,)).fetchone()
    if row is None:
        return None
    vec = row["embedding"]
    return np.asarray(vec.to_numpy() if hasattr(vec, "to_numpy") else vec, dtype=np.float32)
