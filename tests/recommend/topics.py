"""A hub with topical structure for For you tests: the first papers of the real arXiv CS
file, stored through the normal importer, with their real all-MiniLM-L6-v2 vectors taken
from the precomputed file beside it (../shared/data; computing 1,000 vectors on this CPU
would take a minute per test session)."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

import numpy as np
import psycopg
from tests.helpers import shared

from paperboy import embeddings
from paperboy.db.vectors import ensure_vector
from paperboy.papers.importer import parse_file, store_result

N = 1000


def lines(n: int = N) -> list[dict]:
    with gzip.open(shared("arxiv-cs-2025-2026.jsonl.gz"), "rt", encoding="utf-8") as f:
        return [json.loads(next(f)) for _ in range(n)]


def vectors(n: int = N) -> np.ndarray:
    return np.load(shared("arxiv-cs-2025-2026.minilm-l6-v2.f16.npy"), mmap_mode="r")[:n].astype(np.float32)


def store(conn: psycopg.Connection, folder: Path, n: int = N) -> list[str]:
    """Import the first n papers and give each its vector; their ids, in file order."""
    path = folder / "topics.jsonl"
    with gzip.open(shared("arxiv-cs-2025-2026.jsonl.gz"), "rt", encoding="utf-8") as f:
        path.write_text("".join(next(f) for _ in range(n)), encoding="utf-8")
    fmt, result = parse_file(path, "auto", date(2025, 4, 1))
    store_result(conn, str(path), fmt, result)
    ids = [d["id"] for d in lines(n)]
    vecs = vectors(n)
    ensure_vector(conn)
    rows = {r["id"]: r for r in conn.execute(
        "SELECT id, title, summary FROM papers WHERE id = ANY(%s)", (ids,)).fetchall()}
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO embeddings (paper_id, model, text_hash, embedding) VALUES (%s, %s, %s, %s)",
            [(i, embeddings.MODEL_NAME, embeddings.text_hash(rows[i]["title"], rows[i]["summary"]), v)
             for i, v in zip(ids, vecs, strict=True) if i in rows])
    conn.commit()
    return [i for i in ids if i in rows]


def neighbours(seed: int, k: int, n: int = N) -> list[str]:
    """The ids of paper ``seed`` (a line number) and its k-1 nearest neighbours."""
    vecs = vectors(n)
    ids = [d["id"] for d in lines(n)]
    order = np.argsort(-(vecs @ vecs[seed]))[:k]
    return [ids[i] for i in order]


def far_seed(seed: int, n: int = N) -> int:
    """A line whose paper is as unlike paper ``seed`` as any."""
    vecs = vectors(n)
    return int(np.argmin(vecs @ vecs[seed]))
