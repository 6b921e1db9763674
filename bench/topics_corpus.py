"""What the topic benchmarks share: the 74,728-paper arXiv database of bench/feed_load.py with
each paper's MiniLM vector (the shared .f16.npy, not embedded again) and a topic build over all
of them, as `paperboy topics build --since 1900-01-01` makes it.

Run by hand to fill a kept home once:  .venv/bin/python bench/topics_corpus.py --home DIR
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from datetime import date
from pathlib import Path

import numpy as np
import psycopg

from feed_load import JSONL, prepare  # bench/feed_load.py (scripts run from bench/)
from paperboy.db import Database
from paperboy.db.vectors import ensure_vector
from paperboy.embeddings import MODEL_NAME, text_hash
from paperboy.topics import build

VECTORS = JSONL.with_name("arxiv-cs-2025-2026.minilm-l6-v2.f16.npy")
PAPERS = 74_728


def with_topics(home: Path) -> str:
    """The URL of the filled database (reused from ``home`` when there) with vectors and topics."""
    url = prepare(home, PAPERS)
    with Database(url).open() as db, db.connection() as conn:
        if conn.execute("SELECT count(*) AS n FROM topics WHERE active").fetchone()["n"]:
            print("topics: kept")
            return url
        t0 = time.perf_counter()
        ensure_vector(conn)
        vectors = np.load(VECTORS, mmap_mode="r")
        known = {r["arxiv_id"]: (r["id"], r["title"], r["summary"]) for r in conn.execute(
            "SELECT id, arxiv_id, title, summary FROM papers WHERE arxiv_id IS NOT NULL")}
        rows = []
        with gzip.open(JSONL, "rt") as f:
            for i, line in enumerate(f):
                hit = known.get(json.loads(line)["id"])
                if hit:
                    rows.append((hit[0], MODEL_NAME, text_hash(hit[1], hit[2]), np.asarray(vectors[i], np.float32)))
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO embeddings (paper_id, model, text_hash, embedding) VALUES (%s, %s, %s, %s)"
                            " ON CONFLICT (paper_id) DO NOTHING", rows)
        conn.commit()
        print(f"vectors: {len(rows)} in {time.perf_counter() - t0:.1f} s", flush=True)
        out = build.run(conn, since=date(1900, 1, 1))
        conn.commit()
        print(f"topics: {len(out.ids)} over {out.papers} papers in {out.seconds:.1f} s", flush=True)
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("VACUUM ANALYZE")
    return url


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--home", type=Path, required=True)
    print(with_topics(ap.parse_args().home.resolve()))
