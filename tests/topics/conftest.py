"""A hub holding a real sample of the arXiv jsonl (every STEP-th paper, 2025-03 … 2026-07) with
the shared MiniLM vectors of those papers, so topic builds run on real text and real vectors
without embedding thousands of papers on the CPU."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

import numpy as np
import psycopg

from paperboy.db.vectors import ensure_vector
from paperboy.embeddings import MODEL_NAME, text_hash
from paperboy.papers.importer import parse_file, store_result
from tests.helpers import shared

STEP = 25  # ~3,000 papers: ~600 in the default 90 days


def load_sample(conn: psycopg.Connection, folder: Path, step: int = STEP, until: date | None = None) -> int:
    """Import every ``step``-th paper listed up to ``until`` with its vector; how many."""
    vectors = np.load(shared("arxiv-cs-2025-2026.minilm-l6-v2.f16.npy"), mmap_mode="r")
    lines, rows = [], []
    with gzip.open(shared("arxiv-cs-2025-2026.jsonl.gz"), "rt") as f:
        for i, line in enumerate(f):
            if i % step:
                continue
            rec = json.loads(line)
            if until and date.fromisoformat(rec["listed_on"]) > until:
                continue
            lines.append(line)
            rows.append(i)
    path = folder / f"sample-{step}-{until}.jsonl"
    path.write_text("".join(lines))
    fmt, result = parse_file(path, "auto", date(2026, 7, 1))
    store_result(conn, str(path), fmt, result)
    conn.commit()
    ensure_vector(conn)
    known = {r["arxiv_id"]: (r["id"], r["title"], r["summary"]) for r in conn.execute(
        "SELECT id, arxiv_id, title, summary FROM papers WHERE arxiv_id IS NOT NULL")}
    todo = []
    for line, row in zip(lines, rows, strict=True):
        hit = known.get(json.loads(line)["id"])
        if hit:
            todo.append((hit[0], MODEL_NAME, text_hash(hit[1], hit[2]), np.asarray(vectors[row], np.float32)))
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO embeddings (paper_id, model, text_hash, embedding) VALUES (%s, %s, %s, %s)"
                        " ON CONFLICT (paper_id) DO NOTHING", todo)
    conn.commit()
    return len(todo)
