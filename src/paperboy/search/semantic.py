"""The vector leg: nearest papers by cosine distance in pgvector (HNSW index)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import psycopg

from paperboy.db.vectors import ensure_vector
from paperboy.search.keyword import Filters

EF_SEARCH = 200  # HNSW candidate list: recall@10 0.955 at 1M papers, 0.983 at 75k (bench/search_latency.py)
# The HNSW graph is over half-precision copies of the vectors (migration 0033: the same recall,
# two thirds of the index's size, a probe 15% faster at 75k); distances returned stay exact.
HALF = "embedding::halfvec(384) <=> %(v)s::halfvec(384)"
FORM_SECONDS = 30.0  # how long which index is valid is reused (an upgrade builds the new one)
_forms: dict[str, tuple[float, Any]] = {}  # database -> (when looked, the probe's ORDER BY)
POOL_FACTOR = 3  # with filters: how many unfiltered neighbours to filter, per result wanted
EXACT_UP_TO = 5000  # with filters passed by at most this many papers, compare them all exactly


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
        clauses.append("p.categories @> ARRAY[%(cat)s]::text[]")  # (what its GIN index answers)
        params["cat"] = f.category
    return (" AND ".join(clauses) or "true"), params


def _catalog(cache: dict[str, tuple[float, Any]], conn: psycopg.Connection,
             read: Callable[[psycopg.Connection], Any]) -> Any:
    """What ``read`` gives for this database, read again at most every FORM_SECONDS. A read of
    the catalog: the caller's connection is left as it was (committed when it was idle)."""
    now, key = time.monotonic(), conn.info.dsn
    hit = cache.get(key)
    if hit is None or now - hit[0] > FORM_SECONDS:
        idle = conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        value = read(conn)
        if idle and not conn.autocommit:
            conn.commit()
        hit = cache[key] = (now, value)
    return hit[1]


def _first(row: Any) -> Any:
    return row[0] if isinstance(row, tuple) else next(iter(row.values()))


def _read_form(conn: psycopg.Connection) -> str:
    half = _first(conn.execute(
        "SELECT coalesce(bool_or(pg_get_indexdef(i.indexrelid) LIKE '%halfvec_cosine_ops%'), false) AS half"
        " FROM pg_index i WHERE i.indrelid = 'embeddings'::regclass AND i.indisvalid").fetchone())
    return HALF if half else "embedding <=> %(v)s"


def probe_order(conn: psycopg.Connection) -> str:
    """The ORDER BY a probe needs to walk the valid HNSW index: the half-precision one, or
    while an upgrade builds it (a concurrent migration), the full-precision one it replaces.
    Looked up at most every FORM_SECONDS."""
    return _catalog(_forms, conn, _read_form)


_sizes: dict[str, tuple[float, Any]] = {}  # database -> (when, (sizes by category, any other's))


def _read_sizes(conn: psycopg.Connection) -> tuple[dict[str, float], float | None]:
    row = conn.execute(
        "SELECT s.most_common_elems::text::text[] AS elems, s.most_common_elem_freqs AS freqs,"
        " c.reltuples AS n FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace"
        " LEFT JOIN pg_stats s ON s.schemaname = ns.nspname AND s.tablename = 'papers'"
        " AND s.attname = 'categories' WHERE c.oid = 'papers'::regclass").fetchone()
    elems, freqs, n = (row if isinstance(row, tuple) else (row["elems"], row["freqs"], row["n"]))
    if n < 0:  # never analysed nor vacuumed (just created or restored): unknown
        return {}, None
    if elems:  # (after the elements' own shares: the lowest of them)
        return {e: f * n for e, f in zip(elems, freqs, strict=False)}, freqs[len(elems)] * n
    return {}, (n if n <= EXACT_UP_TO else None)


def category_size(conn: psycopg.Connection, category: str) -> float | None:
    """About how many papers are in ``category``, from PostgreSQL's statistics of
    papers.categories (ANALYZE's most common elements, each with its share); a category not
    among them is rarer than the rarest listed. None when there are no statistics yet and the
    table is not known to be small. Looked up at most every FORM_SECONDS."""
    sizes, others = _catalog(_sizes, conn, _read_sizes)
    return sizes.get(category, others)


def nearest(
    conn: psycopg.Connection, vector: np.ndarray, filters: Filters | None = None, k: int = 100,
    exclude: list[str] | None = None, candidates: list[str] | None = None,
) -> list[tuple[str, float]]:
    """(paper id, cosine distance) of the nearest papers that pass the filters, best first;
    never a paper a curator hid.

    Without filters: the HNSW index's top ``k``. With filters passed by at most EXACT_UP_TO
    papers (a date window, a category of few papers): exact distances to all of them. Otherwise a filtered walk of the
    graph could visit tens of thousands of nodes, so the pool is bounded: the unfiltered top
    ``POOL_FACTOR * k``, filtered, plus ``candidates`` (the keyword leg's matches, which
    already pass the filters) ranked by their exact distance among them.
    """
    ensure_vector(conn)
    exclude = exclude or []
    order = probe_order(conn)
    # a category of few papers (most but the largest few): exact distances to all of them, on
    # its GIN index, rather than filtering the nearest few hundred of all papers
    size = category_size(conn, filters.category) if filters and filters.category else None
    if not (filters and filters.any):
        # BEGIN, SET LOCAL, the probe and COMMIT go to the server in one round trip
        with conn.pipeline(), conn.transaction():
            conn.execute(f"SET LOCAL hnsw.ef_search = {min(max(EF_SEARCH, k + len(exclude)), 1000)}")
            # hidden papers by NOT EXISTS on their partial index (migration 0032), not by
            # reading each neighbour's row in papers: 0.3 ms instead of 1.1 at 75k
            cur = conn.execute(
                "SELECT e.paper_id, e.dist FROM (SELECT paper_id, embedding <=> %(v)s AS dist"  # noqa: S608
                f" FROM embeddings ORDER BY {order} LIMIT %(k)s) e"
                " WHERE NOT EXISTS (SELECT 1 FROM papers p WHERE p.id = e.paper_id AND p.hidden)"
                " ORDER BY e.dist",
                {"v": vector, "k": k + len(exclude)},
            )
        return [(r["paper_id"], float(r["dist"])) for r in cur.fetchall() if r["paper_id"] not in exclude][:k]
    with conn.pipeline(), conn.transaction():  # (a fetch inside waits for the statements before)
        where, params = _where(filters)
        params |= {"v": vector, "k": k, "ex": exclude}
        # A date window (a digest's day or week) is narrow and cheap to count on its index.
        passing = EXACT_UP_TO + 1 if size is None else size
        if filters.since or filters.until:
            passing = conn.execute(
                f"SELECT count(*) AS n FROM (SELECT 1 FROM papers p WHERE {where} LIMIT %(cap)s) s",  # noqa: S608
                {**params, "cap": EXACT_UP_TO + 1},
            ).fetchone()["n"]
        if passing <= EXACT_UP_TO:
            # few papers pass (a day's window, a rare category): exact distances, all of them
            rows = conn.execute(
                "SELECT e.paper_id, e.embedding <=> %(v)s AS dist FROM papers p"  # noqa: S608
                " JOIN embeddings e ON e.paper_id = p.id"
                f" WHERE {where} AND NOT p.hidden AND NOT (e.paper_id = ANY(%(ex)s))"
                " ORDER BY (e.embedding <=> %(v)s) + 0 LIMIT %(k)s",  # + 0: not the HNSW index
                params,
            ).fetchall()
            return [(r["paper_id"], float(r["dist"])) for r in rows]
        # the unfiltered top pool, filtered, in one statement (pgvector's iterative scan, which
        # walks on until k pass, measured p95 36 ms against 20 ms at a million papers, with
        # the same recall@10: a rare category makes it walk far)
        pool_size = min(POOL_FACTOR * k, 1000)
        conn.execute(f"SET LOCAL hnsw.ef_search = {pool_size}")
        rows = conn.execute(
            "SELECT e.paper_id, e.dist FROM (SELECT paper_id, embedding <=> %(v)s AS dist"  # noqa: S608
            f" FROM embeddings ORDER BY {order} LIMIT %(pool)s) e"
            f" JOIN papers p ON p.id = e.paper_id WHERE {where} AND NOT p.hidden AND NOT (e.paper_id = ANY(%(ex)s))"
            " ORDER BY e.dist LIMIT %(k)s",
            params | {"pool": pool_size},
        ).fetchall()
    hits = sorted(((r["paper_id"], float(r["dist"])) for r in rows), key=lambda h: (h[1], h[0]))
    return add_candidates(conn, vector, filters, hits, [c for c in candidates or [] if c not in exclude], k)


def add_candidates(
    conn: psycopg.Connection, vector: np.ndarray, filters: Filters | None, hits: list[tuple[str, float]],
    candidates: list[str], k: int,
) -> list[tuple[str, float]]:
    """``hits`` of :func:`nearest` without ``candidates``, merged with the exact distances of
    the candidates it did not rank: the same answer as ``nearest(..., candidates=...)`` (used
    when the vector leg ran before the keyword leg had finished)."""
    if not (filters and filters.any):
        return hits  # the unfiltered leg never takes candidates
    have = {pid for pid, _ in hits}
    missing = [pid for pid in candidates if pid not in have]
    if not missing:
        return hits
    return merge(hits, candidate_distances(conn, vector, filters, missing), k)


def candidate_distances(
    conn: psycopg.Connection, vector: np.ndarray, filters: Filters | None, candidates: list[str],
) -> list[tuple[str, float]]:
    """(paper id, exact cosine distance) of the ``candidates`` that pass the filters and are
    not hidden (a search reads them while its HNSW probe runs: :func:`merge` joins them)."""
    if not candidates:
        return []
    ensure_vector(conn)
    where, params = _where(filters)
    rows = conn.execute(
        "SELECT e.paper_id, e.embedding <=> %(v)s AS dist FROM embeddings e"  # noqa: S608
        f" JOIN papers p ON p.id = e.paper_id WHERE e.paper_id = ANY(%(ids)s) AND {where} AND NOT p.hidden",
        params | {"v": vector, "ids": candidates},
    ).fetchall()
    return [(r["paper_id"], float(r["dist"])) for r in rows]


def merge(hits: list[tuple[str, float]], more: list[tuple[str, float]], k: int) -> list[tuple[str, float]]:
    """The ``k`` nearest of both lists, each paper once (its distance is exact in either)."""
    best = dict(hits)
    for pid, dist in more:
        best.setdefault(pid, dist)
    return sorted(best.items(), key=lambda h: (h[1], h[0]))[:k]


def vector_of(conn: psycopg.Connection, paper_id: str) -> np.ndarray | None:
    ensure_vector(conn)
    row = conn.execute("SELECT embedding FROM embeddings WHERE paper_id = %s", (paper_id,)).fetchone()
    if row is None:
        return None
    vec = row["embedding"]
    return np.asarray(vec.to_numpy() if hasattr(vec, "to_numpy") else vec, dtype=np.float32)
