"""What the search-quality benchmarks share (bench/search_quality.py, bench/known_items.py):
metrics, a migrated database on the embedded server, runs through ``Searcher.search``, and
the two legs exactly as ``Searcher.search`` hands them to ``fusion.fuse`` (to replay fusion
with other constants without searching again)."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from paperboy import embeddings
from paperboy.db import Database, migrate
from paperboy.search import fusion, hybrid
from paperboy.search import query as q
from paperboy.search.hybrid import Searcher

# -- metrics ----------------------------------------------------------------------------------

def ndcg(ranked: list[str], relevant: set[str], k: int = 10) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, pid in enumerate(ranked[:k]) if pid in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


def rr(ranked: list[str], relevant: set[str], k: int = 10) -> float:
    return next((1 / (i + 1) for i, pid in enumerate(ranked[:k]) if pid in relevant), 0.0)


def recall(ranked: list[str], relevant: set[str], k: int = 100) -> float:
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def scores(runs: dict, rel: dict) -> tuple[float, float, float]:
    """Mean nDCG@10, MRR@10 and recall@100 over the judged queries."""
    return (statistics.fmean(ndcg(runs[i], rel[i]) for i in rel),
            statistics.fmean(rr(runs[i], rel[i]) for i in rel),
            statistics.fmean(recall(runs[i], rel[i]) for i in rel))


def mrr(runs: dict, rel: dict, which: list | None = None) -> float:
    which = list(rel) if which is None else which
    return statistics.fmean(rr(runs[i], rel[i]) for i in which) if which else float("nan")


# -- databases and runs -----------------------------------------------------------------------

@contextmanager
def database(url: str, name: str) -> Iterator[Database]:
    """A migrated database ``name`` on the server at ``url`` (created when missing)."""
    with psycopg.connect(url, autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            c.execute(f'CREATE DATABASE "{name}"')
    url = psycopg.conninfo.make_conninfo(url, dbname=name)
    migrate.migrate(url)
    db = Database(url, max_size=2).open()
    try:
        yield db
    finally:
        db.close()


def embed_and_index(home: Path, conn: psycopg.Connection) -> tuple[Searcher, dict[str, float]]:
    t0 = time.perf_counter()
    done = embeddings.embed_pending(conn).embedded
    t1 = time.perf_counter()
    searcher = Searcher(home, conn)
    searcher.index.sync(conn)
    t2 = time.perf_counter()
    return searcher, {"embedded": done, "embed_s": t1 - t0, "index_s": t2 - t1}


def clear_query_cache() -> None:
    cache = getattr(embeddings, "_query_vector", None)
    if cache is not None and hasattr(cache, "cache_clear"):
        cache.cache_clear()


def run(searcher: Searcher, conn: psycopg.Connection, queries: dict, mode: str,
        limit: int = 100, cold: bool = False) -> tuple[dict, list[float]]:
    """Ranked paper ids per query, and the time each search took (``cold``: every query
    vector computed again, not taken from the cache of recent queries)."""
    if cold:
        clear_query_cache()
    runs, took = {}, []
    for qid, text in queries.items():
        t0 = time.perf_counter()
        items = searcher.search(conn, text, mode=mode, limit=limit, highlights=False).items
        took.append(time.perf_counter() - t0)
        runs[qid] = [it["id"] for it in items]
    return runs, took


# -- the legs as fusion gets them -------------------------------------------------------------

@dataclass
class Legs:
    keyword: fusion.Leg
    semantic: fusion.Leg
    parsed: q.Query
    strict: bool


@contextmanager
def spying() -> Iterator[list[Legs]]:
    """Record every call of ``fuse`` that ``Searcher.search`` makes (hybrid.py imports it by
    name; patched in both modules, whichever way it is called)."""
    seen: list[Legs] = []
    real = fusion.fuse

    def spy(keyword, semantic, parsed, *, strict=False):
        seen.append(Legs(keyword, semantic, parsed, strict))
        return real(keyword, semantic, parsed, strict=strict)

    patched = [m for m in (fusion, hybrid) if getattr(m, "fuse", None) is real]
    for m in patched:
        m.fuse = spy
    try:
        yield seen
    finally:
        for m in patched:
            m.fuse = real


def capture(searcher: Searcher, conn: psycopg.Connection, queries: dict, limit: int = 10
            ) -> dict:
    """{query id: Legs} of a hybrid search of each query (``limit`` sets the legs' depth as
    ``Searcher.search`` does: at least hybrid.DEPTH)."""
    out = {}
    for qid, text in queries.items():
        with spying() as seen:
            searcher.search(conn, text, mode="hybrid", limit=limit, highlights=False)
        if len(seen) != 1:
            raise SystemExit(f"expected one fuse() call for {text!r}, saw {len(seen)}")
        out[qid] = seen[0]
    return out


def cut(leg: fusion.Leg, depth: int) -> fusion.Leg:
    return fusion.Leg(leg.ids[:depth], leg.scores[:depth], leg.titles)


def replay(legs: Legs, params: fusion.Params | None = None, depth: int | None = None,
           limit: int = 100) -> list[str]:
    """The ranking ``Searcher.search`` gives in hybrid mode (no filters, nothing hidden) when
    fusion runs with ``params`` on legs cut to ``depth``."""
    kw, sem = legs.keyword, legs.semantic
    if depth is not None:
        kw, sem = cut(kw, depth), cut(sem, depth)
    fused = fusion.fuse_with(kw, sem, legs.parsed, strict=legs.strict, params=params)
    return sorted(fused, key=lambda pid: -fused[pid])[:limit]
