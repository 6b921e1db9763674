"""Import and index a million papers the way a user would: `paperboy import`, `paperboy reindex`.

    .venv/bin/python bench/import_1m.py [--size 1000000] [--home DIR]

1. Writes --size records in the arXiv jsonl format, 250,000 to a .jsonl.gz file (an import
   refuses a file over PAPERBOY_IMPORT_MAX_MB unpacked): the 74,728 real papers, then copies
   of them with new arXiv-style ids and "(copy N)" titles.
2. Runs `paperboy import FOLDER` against a fresh embedded PostgreSQL in HOME (a temporary folder
   unless --home), then `paperboy reindex` (the keyword index from scratch), and times both.
3. Loads a vector per paper (made from the precomputed MiniLM vectors, mixed as
   bench/search_corpus.py does: embedding a million papers on this machine would take many
   hours, see bench/embed_rate.py) and builds
   the HNSW index, as `paperboy restore` does, with the server's own maintenance settings.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psycopg

from paperboy.db import embedded
from search_corpus import build_hnsw, copy_vectors, real_papers

PAPERBOY = Path(sys.executable).with_name("paperboy")


PART = 250_000  # records a file: an import refuses a file over PAPERBOY_IMPORT_MAX_MB unpacked


def write_jsonl(folder: Path, records: list[dict], size: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for start in range(0, size, PART):
        with gzip.open(folder / f"part-{start // PART:03d}.jsonl.gz", "wt") as f:
            for i in range(start, min(size, start + PART)):
                f.write(json.dumps(_record(records, i)) + "\n")


def _record(records: list[dict], i: int) -> dict:
    r = records[i % len(records)]
    if i >= len(records):  # ids from 2701.00001 on: never one of the real 2503…2607 ids
        k = i - len(records)
        month = k // 99_999
        r = {**r, "id": f"{27 + month // 12}{month % 12 + 1:02d}.{k % 99_999 + 1:05d}",
             "title": f"{r['title']} (copy {i})"}
    return r


def run(args: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([str(PAPERBOY), *args], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--home", type=Path, help="keep the instance in this (new) folder")
    ap.add_argument("--no-vectors", action="store_true", help="stop after the keyword index")
    args = ap.parse_args()
    records, vectors = real_papers()
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp) / "home"
        data = Path(tmp) / f"papers-{args.size}"
        t0 = time.perf_counter()
        write_jsonl(data, records, args.size)
        print(f"wrote {args.size:,} records in {time.perf_counter() - t0:.0f} s")
        env = {**os.environ, "PAPERBOY_HOME": str(home), "DATABASE_URL": "", "PAPERBOY_CONFIG": ""}
        took_import = run(["import", str(data)], env)
        print(f"paperboy import: {took_import:.0f} s, {args.size / took_import:,.0f} papers/s", flush=True)
        took_index = run(["reindex"], env)
        print(f"paperboy reindex (keyword index): {took_index:.0f} s", flush=True)
        if args.no_vectors:
            return
        url = embedded.start(home)
        with psycopg.connect(url) as conn:
            rows = conn.execute("SELECT id, title, summary FROM papers ORDER BY seq").fetchall()
            rng = np.random.default_rng(7)
            base = vectors[np.arange(len(rows)) % len(vectors)].astype(np.float32)
            mixed = 0.7 * base + 0.3 * vectors[rng.integers(0, len(vectors), len(rows))].astype(np.float32)
            mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
            conn.execute("DROP INDEX IF EXISTS embeddings_hnsw")
            conn.execute("DROP INDEX IF EXISTS embeddings_hnsw_half")
            conn.commit()
            t0 = time.perf_counter()
            copy_vectors(conn, [tuple(r) for r in rows], mixed)
            took_copy = time.perf_counter() - t0
        took_hnsw = build_hnsw(url)
        print(f"{len(rows):,} vectors stored in {took_copy:.0f} s; HNSW index built in {took_hnsw:.0f} s")
        print(f"import + keyword index + HNSW index: {took_import + took_index + took_hnsw:.0f} s")


if __name__ == "__main__":
    main()
