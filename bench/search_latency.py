"""Search latency at 75k and 1M papers, and `paperboy embed` throughput against the raw model.

Run by hand:  .venv/bin/python bench/search_latency.py [--sizes 75000,1000000] [--queries 300]

1. Loads the 74,728 real papers of the arXiv jsonl.gz into a throwaway embedded PostgreSQL,
   with the precomputed all-MiniLM-L6-v2 vectors from ../shared/data (the product computes its
   own; these only save an hour of CPU here), builds the HNSW index and the keyword index.
2. Times the whole search call (query embedding + keyword + vector + fusion + fetching and
   highlighting the page of 20 results) over --queries varied queries: title fragments,
   abstract phrases, ideas, author searches, quoted phrases, filters, arXiv ids.
3. For each larger size, adds jittered copies of the real papers (new ids, vectors with
   noise), rebuilds the indexes and times the same queries again.
4. Measures the embed job's papers/s against the raw model's encode speed on the same texts.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import psycopg
from pgvector.psycopg import register_vector

from common import fresh_database  # bench/common.py (scripts run from bench/)
from paperboy import embeddings
from paperboy.db import Database
from paperboy.papers.importer import parse_file, store_result
from paperboy.search import Filters, Searcher

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
JSONL = DATA / "arxiv-cs-2025-2026.jsonl.gz"
VECTORS = DATA / "arxiv-cs-2025-2026.minilm-l6-v2.f16.npy"


def load_vectors(conn: psycopg.Connection, ids: list[str], titles: list[str], summaries: list[str],
                 vectors: np.ndarray) -> None:
    register_vector(conn)
    with conn.cursor() as cur, cur.copy(
        "COPY embeddings (paper_id, model, text_hash, embedding) FROM STDIN WITH (FORMAT BINARY)"
    ) as copy:
        copy.set_types(["text", "text", "text", "vector"])
        for pid, t, s, v in zip(ids, titles, summaries, vectors, strict=True):
            copy.write_row((pid, embeddings.MODEL_NAME, embeddings.text_hash(t, s), v.astype(np.float32)))
    conn.commit()


def build_hnsw(url: str) -> float:
    t0 = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("SET maintenance_work_mem = '6GB'")
        c.execute("SET max_parallel_maintenance_workers = 1")
        c.execute("DROP INDEX IF EXISTS embeddings_hnsw")
        c.execute("CREATE INDEX embeddings_hnsw ON embeddings USING hnsw (embedding vector_cosine_ops)")
        c.execute("VACUUM ANALYZE")
    return time.perf_counter() - t0


def make_queries(records: list[dict], n: int, rng: random.Random) -> list[tuple[str, Filters | None]]:
    ideas = ["why do vision language models hallucinate objects", "making transformers cheaper for long documents",
             "robots learning from human videos", "detecting text written by language models",
             "protein structure prediction with diffusion", "evaluating reasoning of large language models",
             "speeding up inference with speculative decoding", "federated learning privacy attacks",
             "reinforcement learning from human feedback reward hacking", "3d scene reconstruction from few images"]
    out: list[tuple[str, Filters | None]] = []
    while len(out) < n:
        r = rng.choice(records)
        words = r["title"].split()
        abstract = r["abstract"].split()
        kind = len(out) % 8
        if kind == 0:
            i = rng.randrange(max(1, len(words) - 3))
            out.append((" ".join(words[i:i + 3]), None))
        elif kind == 1:
            i = rng.randrange(max(1, len(abstract) - 8))
            out.append((" ".join(abstract[i:i + 8]), None))
        elif kind == 2:
            out.append((rng.choice(ideas), None))
        elif kind == 3 and r["authors"]:
            out.append((f'author:"{rng.choice(r["authors"])}"', None))
        elif kind == 4:
            i = rng.randrange(max(1, len(words) - 2))
            out.append(('"' + " ".join(words[i:i + 2]) + '"', None))
        elif kind == 5:
            out.append((" ".join(words[:4]), Filters(category=rng.choice(r["categories"] or ["cs.LG"]))))
        elif kind == 6:
            out.append((r["id"], None))
        else:
            out.append((rng.choice(ideas) + " -survey", Filters(has_code=False)))
    return out


def time_queries(url: str, home: Path, queries) -> tuple[float, float, float]:
    db = Database(url).open()
    with db.connection() as conn:
        searcher = Searcher(home, conn)
        for text, f in queries[:20]:  # warm up caches and the model
            searcher.search(conn, text, filters=f, limit=20)
        times = []
        for text, f in queries:
            t0 = time.perf_counter()
            searcher.search(conn, text, filters=f, limit=20)
            times.append(time.perf_counter() - t0)
    db.close()
    q = statistics.quantiles(times, n=100)
    return q[49] * 1000, q[94] * 1000, statistics.mean(times) * 1000


def sync_keyword(url: str, home: Path) -> float:
    t0 = time.perf_counter()
    db = Database(url).open()
    with db.connection() as conn:
        Searcher(home, conn).index.sync(conn)
    db.close()
    return time.perf_counter() - t0


def grow(url: str, records: list[dict], vectors: np.ndarray, target: int, rng: np.random.Generator) -> None:
    """Add jittered copies of the real papers until ``target`` papers are stored."""
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("DROP INDEX IF EXISTS embeddings_hnsw")  # rebuilt once after loading: far faster
    with psycopg.connect(url) as conn:
        have = conn.execute("SELECT count(*) FROM papers").fetchone()[0]
        register_vector(conn)
        while have < target:
            n = min(len(records), target - have)
            rows = []
            for i in range(n):
                r = records[i]
                pid = f"j{have + i}-{r['id']}"  # unique however the growth is split
                title = f"{r['title']} (copy {have + i})"
                rows.append((pid, title, r["abstract"]))
            with conn.cursor() as cur:
                with cur.copy("COPY papers (id, title, title_key, summary, authors, categories, listed_on,"
                              " sources) FROM STDIN") as copy:
                    for (pid, title, summary), r in zip(rows, records[:n], strict=True):
                        copy.write_row((pid, title, title.lower(), summary, r["authors"], r["categories"],
                                        r["listed_on"], ["bench"]))
                noise = rng.normal(0, 0.02, size=(n, vectors.shape[1])).astype(np.float32)
                jittered = vectors[:n].astype(np.float32) + noise
                jittered /= np.linalg.norm(jittered, axis=1, keepdims=True)
                with cur.copy("COPY embeddings (paper_id, model, text_hash, embedding) FROM STDIN"
                              " WITH (FORMAT BINARY)") as copy:
                    copy.set_types(["text", "text", "text", "vector"])
                    for (pid, title, summary), v in zip(rows, jittered, strict=True):
                        copy.write_row((pid, embeddings.MODEL_NAME, embeddings.text_hash(title, summary), v))
            conn.commit()
            have += n
            print(f"  … {have} papers", flush=True)


def embed_ratio(url: str, records: list[dict], n: int) -> tuple[float, float]:
    """papers/s of the raw model and of the embed job, on the same n texts."""
    db = Database(url).open()
    sample = records[:n]
    with db.connection() as conn:
        conn.execute("DELETE FROM embeddings WHERE paper_id = ANY(%s)", ([r["id"] for r in sample],))
        conn.commit()
        rows = conn.execute("SELECT title, summary FROM papers WHERE id = ANY(%s)",
                            ([r["id"] for r in sample],)).fetchall()
        texts = [embeddings.paper_text(r["title"], r["summary"]) for r in rows]
        embeddings.encode(texts[:32])  # load the model
        t0 = time.perf_counter()
        embeddings.encode(texts)
        raw = len(texts) / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        stats = embeddings.embed_pending(conn)
        job = stats.embedded / (time.perf_counter() - t0)
    db.close()
    return raw, job


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="75000", help="comma-separated store sizes, e.g. 75000,1000000")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--embed-sample", type=int, default=512, help="papers for the embed throughput test")
    ap.add_argument("--home", type=Path, help="keep the database and indexes in this (new) folder")
    args = ap.parse_args()
    if not JSONL.exists() or not VECTORS.exists():
        raise SystemExit(f"needs {JSONL} and {VECTORS}")
    records = [json.loads(line) for line in gzip.open(JSONL, "rt")]
    vectors = np.load(VECTORS)
    assert len(records) == len(vectors)
    queries = make_queries(records, args.queries, random.Random(7))
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp)
        url = fresh_database(Path(home))
        with psycopg.connect(url, autocommit=True) as c:
            c.execute("DROP INDEX embeddings_hnsw")  # built once after loading: much faster
        db = Database(url).open()
        t0 = time.perf_counter()
        fmt, result = parse_file(JSONL)
        with db.connection() as conn:
            store_result(conn, str(JSONL), fmt, result)
            stored = conn.execute("SELECT id, title, summary FROM papers").fetchall()
        db.close()
        by_id = {r["id"]: r for r in stored}
        order = [by_id[r["id"]] for r in records]
        with psycopg.connect(url) as conn:
            load_vectors(conn, [r["id"] for r in order], [r["title"] for r in order],
                         [r["summary"] for r in order], vectors)
        print(f"loaded {len(records)} papers with vectors in {time.perf_counter() - t0:.0f} s")
        rng = np.random.default_rng(7)
        print(f"{len(queries)} queries; the whole search call, 20 results a page")
        for size in [int(s) for s in args.sizes.split(",")]:
            if size > len(records):
                grow(url, records, vectors, size, rng)
            hnsw = build_hnsw(url)
            kw = sync_keyword(url, home)
            p50, p95, mean = time_queries(url, home, queries)
            with psycopg.connect(url) as c:
                n = c.execute("SELECT count(*) FROM papers").fetchone()[0]
            print(f"{n:>9,} papers: p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  mean {mean:6.1f} ms"
                  f"   (HNSW build {hnsw:.0f} s, keyword index sync {kw:.0f} s)", flush=True)
        raw, job = embed_ratio(url, records, args.embed_sample)
        print(f"embedding {args.embed_sample} papers: raw model {raw:.1f} papers/s, "
              f"paperboy embed {job:.1f} papers/s, ratio {job / raw:.2f}")


if __name__ == "__main__":
    main()
