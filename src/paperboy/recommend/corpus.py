"""Every paper's vector, centred, in this process's memory: For you scores a whole period
with one matrix product instead of a query per paper.

1.5 KB per paper (384 float32): 115 MB at 75,000 papers, per process. Loaded on the first
recommendation, then reloaded when the embeddings change (a cheap check, at most every
. Papers without a vector yet are not candidates.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

import numpy as np
import psycopg

from paperboy.db.vectors import ensure_vector
from paperboy.recommend.model import centre

EPOCH = date(1970, 1, 1)


def day_number(d: date) -> int:
    return (d - EPOCH).days


def as_array(value) -> np.ndarray:
    """A stored vector as float32 (pgvector hands text results as arrays, binary as Vector)."""
    return np.asarray(value.to_numpy() if hasattr(value, "to_numpy") else value, dtype=np.float32)


@dataclass
class Corpus:
    ids: np.ndarray            # paper ids (object array of str)
    days: np.ndarray           # int32 day numbers: the day a paper was listed, else published
    xc: np.ndarray             # centred, normalised vectors (n × 384 float32)
    mean: np.ndarray           # the corpus mean they were centred on
    signature: int
    index: dict[str, int]

    @property
    def newest(self) -> int | None:
        return int(self.days.max()) if len(self.days) else None

    def rows(self, ids) -> list[int]:
        return [self.index[i] for i in ids if i in self.index]

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        if len(self.xc) <= n:
            return self.xc
        return self.xc[np.random.default_rng(seed).choice(len(self.xc), n, replace=False)]


def _signature(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT version FROM embeddings_version").fetchone()["version"]


def load(conn: psycopg.Connection) -> Corpus:
    ensure_vector(conn)
    signature = _signature(conn)
    ids: list[str] = []
    days: list[int] = []
    chunks: list[np.ndarray] = []
    with conn.cursor(name="recommend_corpus") as cur:  # server-side: no 100 MB result at once
        cur.itersize = 5000
        cur.execute(
            "SELECT e.paper_id, coalesce(p.listed_on, p.published_at) AS day, e.embedding"
            " FROM embeddings e JOIN papers p ON p.id = e.paper_id ORDER BY p.seq"
        )
        batch: list[np.ndarray] = []
        for row in cur:
            ids.append(row["paper_id"])
            days.append(day_number(row["day"]) if row["day"] else 0)
            batch.append(as_array(row["embedding"]))
            if len(batch) == 5000:
                chunks.append(np.stack(batch))
                batch = []
        if batch:
            chunks.append(np.stack(batch))
    conn.commit()
    raw = np.vstack(chunks) if chunks else np.zeros((0, 384), np.float32)
    mean = raw.mean(axis=0) if len(raw) else np.zeros(384, np.float32)
    return Corpus(ids=np.array(ids, dtype=object), days=np.array(days, dtype=np.int32),
                  xc=centre(raw, mean) if len(raw) else raw, mean=mean.astype(np.float32),
                  signature=signature, index={pid: i for i, pid in enumerate(ids)})


class Cache:
    """The process's corpus, reloaded when the embeddings table changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._corpus: dict[str, Corpus] = {}   # per database (tests run several)

    def get(self, conn: psycopg.Connection) -> Corpus:
        key = conn.info.dsn
        with self._lock:
            corpus = self._corpus.get(key)
            if corpus is None or _signature(conn) != corpus.signature:
                corpus = load(conn)
                self._corpus[key] = corpus
            return corpus

    def forget(self) -> None:
        with self._lock:
            self._corpus.clear()


CACHE = Cache()
