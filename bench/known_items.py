"""Known-item search with distractors: a phrase a person remembers -> the one paper.

Queries: the hand-written ones of bench/known_items.json (kind ``hand``, over papers of the three
saved HF pages) and the generated ones of bench/known_items_generated.json (kinds ``title``,
``name``, ``phrase``, ``typo``; see bench/known_items_gen.py). Split dev/test by a hash of the
target's title (``known_items_gen.split_of``): tune on dev, report test.

Corpus: the three saved HF pages, the 2,836 papers of the HF daily lists of 2024, and the
74,728 papers of the arXiv jsonl as distractors. The jsonl's vectors are the precomputed
ones of ../shared/data (loaded with COPY, matched by id); the HF papers are embedded here.
The database (``DB_NAME`` on the embedded server) is reused by ``--keep``.
"""

from __future__ import annotations

import gzip
import json
import statistics
import time
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np
import psycopg
from pgvector.psycopg import register_vector
from psycopg.conninfo import make_conninfo

from known_items_gen import KINDS, split_of  # scripts run from bench/
from paperboy import embeddings
from paperboy.db import Database
from paperboy.papers.importer import parse_file, store_result
from paperboy.papers.record import normalise_title
from paperboy.search import fusion
from paperboy.search.hybrid import Searcher
from retrieval import capture, database, embed_and_index, mrr, replay, rr, run

HAND = Path(__file__).with_name("known_items.json")
GENERATED = Path(__file__).with_name("known_items_generated.json")
DB_NAME = "known_items_distractors"
HF_REFERENCE_DATE = date(2025, 10, 17)
ALL_KINDS = ("hand", *KINDS)
MODES = ("keyword", "semantic", "hybrid")


def load_items() -> list[dict]:
    """Every query with its kind, target title and split."""
    hand = [{"kind": "hand", "query": it["query"], "title": it["title"], "split": split_of(it["title"])}
            for it in json.loads(HAND.read_text())]
    generated = json.loads(GENERATED.read_text())
    for it in generated:
        if it["split"] != split_of(it["title"]):
            raise SystemExit(f"{GENERATED.name}: split of {it['title']!r} is not split_of(title)")
    return hand + generated


def _load_vectors(conn: psycopg.Connection, jsonl: Path, vectors: Path) -> int:
    """COPY the precomputed vectors of the jsonl papers (row i = line i), matched by id."""
    row_of = {}
    with gzip.open(jsonl, "rt") as f:
        for i, line in enumerate(f):
            row_of[json.loads(line)["id"]] = i
    matrix = np.load(vectors)
    stored = conn.execute(
        "SELECT p.id, p.title, p.summary FROM papers p WHERE p.id = ANY(%s)"
        " AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.paper_id = p.id)", (list(row_of),)).fetchall()
    register_vector(conn)
    with conn.cursor() as cur, cur.copy(
        "COPY embeddings (paper_id, model, text_hash, embedding) FROM STDIN WITH (FORMAT BINARY)"
    ) as copy:
        copy.set_types(["text", "text", "text", "vector"])
        for r in stored:
            copy.write_row((r["id"], embeddings.MODEL_NAME, embeddings.text_hash(r["title"], r["summary"]),
                            matrix[row_of[r["id"]]].astype(np.float32)))
    conn.commit()
    return len(stored)


def build(home: Path, db: Database, url: str, data: Path) -> Searcher:
    """Import, load vectors, embed the rest, index (each step skipped when already done);
    ``url``: the database's own URL."""
    jsonl = data / "arxiv-cs-2025-2026.jsonl.gz"
    vectors = data / "arxiv-cs-2025-2026.minilm-l6-v2.f16.npy"
    if not jsonl.exists() or not vectors.exists():
        raise SystemExit(f"needs {jsonl} and {vectors}")
    with db.connection() as conn:
        t0 = time.perf_counter()
        if conn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"] < 74_000:
            with psycopg.connect(url, autocommit=True) as c:  # built once after loading: faster
                c.execute("DROP INDEX IF EXISTS embeddings_hnsw")
                c.execute("DROP INDEX IF EXISTS embeddings_hnsw_half")
            files = [jsonl, *sorted((data / "hf-daily-papers-2024").glob("*.json")),
                     *sorted((data / "hf-papers-pages").glob("*.txt"))]
            for path in files:
                fmt, result = parse_file(path, reference_date=HF_REFERENCE_DATE)
                store_result(conn, str(path), fmt, result)
            copied = _load_vectors(conn, jsonl, vectors)
            print(f"  imported {len(files)} files, copied {copied} precomputed vectors "
                  f"in {time.perf_counter() - t0:.0f} s", flush=True)
        searcher, t = embed_and_index(home, conn)
        if t["embedded"]:
            print(f"  embedded {t['embedded']} papers in {t['embed_s']:.0f} s", flush=True)
    with psycopg.connect(url, autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'embeddings_hnsw_half'").fetchone():
            t0 = time.perf_counter()
            c.execute("SET maintenance_work_mem = '2GB'")
            c.execute("CREATE INDEX embeddings_hnsw_half ON embeddings USING hnsw ((embedding::halfvec(384))"
                      " halfvec_cosine_ops) WITH (m = 32, ef_construction = 128)")  # as migration 0033
            c.execute("VACUUM ANALYZE")
            print(f"  HNSW index built in {time.perf_counter() - t0:.0f} s", flush=True)
    return searcher


def targets(conn: psycopg.Connection, items: list[dict]) -> dict[int, set[str]]:
    """{query number: the ids of the paper(s) with the target's normalised title}."""
    ids: dict[str, set[str]] = {}
    for r in conn.execute("SELECT id, title_key FROM papers"):
        ids.setdefault(r["title_key"], set()).add(r["id"])
    missing = [it["title"] for it in items if normalise_title(it["title"]) not in ids]
    if missing:
        raise SystemExit(f"known items name papers that are not stored: {missing[:5]}")
    return {i: ids[normalise_title(it["title"])] for i, it in enumerate(items)}


def table(runs_by_mode: dict[str, dict], rel: dict, items: list[dict]) -> None:
    """MRR@10 per mode and split, over all queries and per kind."""
    print(f"  {'MRR@10':<9} {'split':<5} {'all':>6} {'hit@1':>6} "
          + " ".join(f"{k:>6}" for k in ALL_KINDS))
    for mode, runs in runs_by_mode.items():
        for split in ("dev", "test"):
            which = [i for i in rel if items[i]["split"] == split]
            hit1 = statistics.fmean(rr(runs[i], rel[i], 1) for i in which)
            per_kind = [mrr(runs, rel, [i for i in which if items[i]["kind"] == k]) for k in ALL_KINDS]
            print(f"  {mode:<9} {split:<5} {mrr(runs, rel, which):6.3f} {hit1:6.3f} "
                  + " ".join(f"{x:6.3f}" for x in per_kind))


def measure(home: Path, url: str, data: Path) -> tuple:
    """Print the known-item tables (the shipped fusion, and rank fusion as it was, replayed on
    the same legs); return (legs, rel, items) for the fusion grid (search_quality.py --tune)."""
    items = load_items()
    counts = Counter((it["kind"], it["split"]) for it in items)
    print(f"\nKnown items with distractors: {len(items)} queries ("
          + ", ".join(f"{k} {counts[k, 'dev']}+{counts[k, 'test']}" for k in ALL_KINDS)
          + " dev+test)", flush=True)
    with database(url, DB_NAME) as db:
        searcher = build(home, db, make_conninfo(url, dbname=DB_NAME), data)
        with db.connection() as conn:
            n = conn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"]
            pending = embeddings.pending_count(conn)
            print(f"  {n} papers stored ({pending} without a vector)")
            rel = targets(conn, items)
            queries = {i: it["query"] for i, it in enumerate(items)}
            run(searcher, conn, dict(list(queries.items())[:20]), "hybrid")  # warm-up
            runs, took = {}, {}
            for mode in MODES:
                runs[mode], t = run(searcher, conn, queries, mode, limit=10, cold=True)
                took[mode] = statistics.fmean(t) * 1000
            legs = capture(searcher, conn, queries)
    same = all(replay(legs[i], limit=10) == runs["hybrid"][i] for i in queries)
    runs["rrf"] = {i: replay(g, fusion.RRF, limit=10) for i, g in legs.items()}
    print("  through Searcher.search; latency mean, query vectors not cached: "
          + ", ".join(f"{m} {took[m]:.0f} ms" for m in MODES))
    print("  rrf: hybrid ranked by reciprocal rank fusion as before (K=20, weights 1 / 0.8), "
          f"replayed on the same legs (check: replaying the shipped fusion gives the hybrid rows: {same})")
    table(runs, rel, items)
    return legs, rel, items
