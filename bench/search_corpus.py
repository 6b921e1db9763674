"""A search benchmark corpus of any size, kept in a folder so later runs reuse it.

    .venv/bin/python bench/search_corpus.py --home /work/bench/1m --size 1000000

1. Imports the 74,728 real papers of the arXiv jsonl.gz through paperboy's importer into an
   embedded PostgreSQL in HOME, with the precomputed all-MiniLM-L6-v2 vectors from
   ../shared/data (the product computes its own; these save an hour of CPU here).
2. Grows it to --size with copies of the real papers (new ids, "(copy N)" titles), by COPY.
   A copy's vector is 70% its paper's and 30% a random other paper's, plus a little noise,
   so that the million vectors spread as distinct papers do (``--jitter``: the paper's own
   vector with noise only, as the first benchmarks did: 13 near-duplicates of every paper,
   a worst case for HNSW's recall that a hub, which merges duplicates, does not hold).
3. Builds the HNSW index once at the end and syncs the keyword index, and times each step.

``HOME/bench-corpus.json`` records the size reached and the times, so a second run with the
same or a smaller size does nothing and a larger one only grows.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from pathlib import Path

import numpy as np
import psycopg
from pgvector.psycopg import register_vector

from common import fresh_database  # bench/common.py (scripts run from bench/)
from paperboy import embeddings
from paperboy.db import Database, embedded
from paperboy.papers.importer import parse_file, store_result
from paperboy.search import Searcher

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
JSONL = DATA / "arxiv-cs-2025-2026.jsonl.gz"
VECTORS = DATA / "arxiv-cs-2025-2026.minilm-l6-v2.f16.npy"


def real_papers() -> tuple[list[dict], np.ndarray]:
    if not JSONL.exists() or not VECTORS.exists():
        raise SystemExit(f"needs {JSONL} and {VECTORS}")
    records = [json.loads(line) for line in gzip.open(JSONL, "rt")]
    vectors = np.load(VECTORS)
    assert len(records) == len(vectors)
    return records, vectors


def copy_vectors(conn: psycopg.Connection, rows: list[tuple[str, str, str]], vectors: np.ndarray) -> None:
    """rows: (paper id, title, summary), one per vector."""
    register_vector(conn)
    with conn.cursor() as cur, cur.copy(
        "COPY embeddings (paper_id, model, text_hash, embedding) FROM STDIN WITH (FORMAT BINARY)"
    ) as copy:
        copy.set_types(["text", "text", "text", "vector"])
        for (pid, t, s), v in zip(rows, vectors, strict=True):
            copy.write_row((pid, embeddings.MODEL_NAME, embeddings.text_hash(t, s), v.astype(np.float32)))
    conn.commit()


def load_real(url: str, records: list[dict], vectors: np.ndarray) -> float:
    t0 = time.perf_counter()
    db = Database(url).open()
    fmt, result = parse_file(JSONL)
    with db.connection() as conn:
        store_result(conn, str(JSONL), fmt, result)
        stored = {r["id"]: r for r in conn.execute("SELECT id, title, summary FROM papers")}
    db.close()
    order = [stored[r["id"]] for r in records]
    with psycopg.connect(url) as conn:
        copy_vectors(conn, [(r["id"], r["title"], r["summary"]) for r in order], vectors)
    return time.perf_counter() - t0


def grow(url: str, records: list[dict], vectors: np.ndarray, target: int, mix: bool = True) -> float:
    """Add copies of the real papers until ``target`` papers are stored: their text with a
    "(copy N)" title; their vector mixed with another paper's (``mix``) or only jittered."""
    t0 = time.perf_counter()
    rng = np.random.default_rng(7)
    with psycopg.connect(url) as conn:
        have = conn.execute("SELECT count(*) FROM papers").fetchone()[0]
        while have < target:
            n = min(len(records), target - have)
            rows = [(f"j{have + i}-{r['id']}", f"{r['title']} (copy {have + i})", r["abstract"])
                    for i, r in enumerate(records[:n])]
            with conn.cursor() as cur, cur.copy(
                "COPY papers (id, title, title_key, summary, authors, categories, listed_on, sources)"
                " FROM STDIN"
            ) as copy:
                for (pid, title, summary), r in zip(rows, records[:n], strict=True):
                    copy.write_row((pid, title, title.lower(), summary, r["authors"], r["categories"],
                                    r["listed_on"], ["bench"]))
            base = vectors[:n].astype(np.float32)
            if mix:
                # 70% this paper, 30% a random other one, a little noise: spread through the
                # space as new papers are, not 13 near-duplicates of each (which a hub merges)
                other = vectors[rng.integers(0, len(vectors), size=n)].astype(np.float32)
                base = 0.7 * base + 0.3 * other
            made = base + rng.normal(0, 0.01 if mix else 0.02, size=base.shape).astype(np.float32)
            made /= np.linalg.norm(made, axis=1, keepdims=True)
            copy_vectors(conn, rows, made)
            have += n
            print(f"  … {have:,} papers", flush=True)
    return time.perf_counter() - t0


def build_hnsw(url: str) -> float:
    """The HNSW index, built once over every vector (far faster than growing it row by row),
    with the server's own maintenance settings."""
    t0 = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("DROP INDEX IF EXISTS embeddings_hnsw")
        c.execute("DROP INDEX IF EXISTS embeddings_hnsw_half")
        c.execute("CREATE INDEX embeddings_hnsw_half ON embeddings USING hnsw ((embedding::halfvec(384))"
                  " halfvec_cosine_ops) WITH (m = 32, ef_construction = 128)")  # as migration 0033 makes it
        c.execute("VACUUM ANALYZE")
    return time.perf_counter() - t0


def sync_keyword(url: str, home: Path) -> float:
    t0 = time.perf_counter()
    db = Database(url).open()
    with db.connection() as conn:
        Searcher(home, conn).index.sync(conn)
    db.close()
    return time.perf_counter() - t0


def build(home: Path, size: int, mix: bool = True) -> str:
    """The corpus of ``size`` papers in ``home`` (made or grown as needed); its database URL."""
    marker = home / "bench-corpus.json"
    state = json.loads(marker.read_text()) if marker.exists() else {}
    if state:
        url = psycopg.conninfo.make_conninfo(embedded.start(home), dbname="bench")
    else:
        home.mkdir(parents=True, exist_ok=True)
        url = fresh_database(home)
    if state.get("size", 0) >= size:
        return url
    records, vectors = real_papers()
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("DROP INDEX IF EXISTS embeddings_hnsw")  # rebuilt once after loading: far faster
        c.execute("DROP INDEX IF EXISTS embeddings_hnsw_half")
    times = state.get("seconds", {})
    if not state:
        times["import 74,728 real papers + their vectors"] = load_real(url, records, vectors)
        print(f"imported {len(records):,} real papers in {times['import 74,728 real papers + their vectors']:.0f} s")
    if size > len(records):
        times[f"grow to {size:,} (COPY)"] = grow(url, records, vectors, size, mix)
    times["HNSW index"] = build_hnsw(url)
    times["keyword index"] = sync_keyword(url, home)
    with psycopg.connect(url) as c:
        n = c.execute("SELECT count(*) FROM papers").fetchone()[0]
    marker.write_text(json.dumps({"size": n, "seconds": times}, indent=1))
    for step, s in times.items():
        print(f"  {step}: {s:.0f} s")
    return url


SEARCHED = ("papers", "papers_pkey", "embeddings", "embeddings_pkey", "embeddings_hnsw_half", "embeddings_hnsw",
            "keyphrases")  # (the vector index: whichever of the two a corpus has, or both)


def prewarm(url: str) -> float:
    """Loads what a search reads into PostgreSQL's buffers (pg_prewarm), as a hub that has
    served for a while holds them: the server here starts with each run, and the pages a
    query touches first would otherwise come from the kernel's cache, about 10 us each (a
    filtered search reads a few hundred). Seconds taken."""
    t0 = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        for rel in SEARCHED:
            if c.execute("SELECT to_regclass(%s)", (rel,)).fetchone()[0]:
                c.execute("SELECT pg_prewarm(%s)", (rel,))
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, required=True, help="folder for the corpus (kept)")
    ap.add_argument("--size", type=int, default=74728)
    ap.add_argument("--jitter", action="store_true", help="copies are near-duplicates (see above)")
    args = ap.parse_args()
    build(args.home, args.size, mix=not args.jitter)


if __name__ == "__main__":
    main()
