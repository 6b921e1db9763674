"""Every paper's vector, centred, in this process's memory: For you scores a whole period
with one matrix product instead of a query per paper.

1.5 KB per paper (384 float32): 115 MB at 75,000 papers, per process. Loaded on the first
recommendation (about 2 s at 75,000 papers). Afterwards one row, ``embeddings_version``
(moved by every change to the embeddings table), says whether anything changed; then only
the vectors written since the last look are read, unless some were deleted (a merge, a
re-import), which reloads everything. Papers without a vector yet are not candidates.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import psycopg

from paperboy.recommend.model import centre

EPOCH = date(1970, 1, 1)
CHUNK = 10_000
DIM = 384


def day_number(d: date) -> int:
    return (d - EPOCH).days


def as_array(value) -> np.ndarray:
    """A stored vector as float32 (pgvector hands text results as arrays, binary as Vector)."""
    return np.asarray(value.to_numpy() if hasattr(value, "to_numpy") else value, dtype=np.float32)


def _decode(blobs: list[bytes]) -> np.ndarray:
    """pgvector's binary form (vector_send: dimensions, unused, then big-endian float4s)."""
    if not blobs:
        return np.zeros((0, DIM), np.float32)
    raw = np.frombuffer(b"".join(blobs), dtype=np.uint8).reshape(len(blobs), -1)[:, 4:]
    return raw.copy().view(">f4").astype(np.float32)


@dataclass
class Corpus:
    ids: np.ndarray            # paper ids (object array of str)
    days: np.ndarray           # int32 day numbers: the day a paper was listed, else published
    xc: np.ndarray             # centred, normalised vectors (n × 384 float32)
    mean: np.ndarray           # the corpus mean they were centred on
    signature: int             # embeddings_version when read
    newest_write: datetime | None  # the latest embeddings.created read
    index: dict[str, int]

    @property
    def newest(self) -> int | None:
        return int(self.days[-1]) if len(self.days) else None

    def window(self, lo: int, hi: int) -> slice:
        """The rows of papers of days lo…hi: rows are kept in day order, so a period is a
        slice (a view: no copy of the vectors)."""
        return slice(int(np.searchsorted(self.days, lo, "left")),
                     int(np.searchsorted(self.days, hi, "right")))

    def rows(self, ids) -> list[int]:
        return [self.index[i] for i in ids if i in self.index]

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        if len(self.xc) <= n:
            return self.xc
        return self.xc[np.random.default_rng(seed).choice(len(self.xc), n, replace=False)]


_ROWS = (
    "SELECT e.paper_id, coalesce(p.listed_on, p.published_at) AS day,"
    " vector_send(e.embedding) AS v, e.created, p.seq"
    " FROM embeddings e JOIN papers p ON p.id = e.paper_id"
)


def _signature(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT version FROM embeddings_version").fetchone()["version"]


def _read(conn: psycopg.Connection, since: datetime | None) -> tuple[list, list, np.ndarray, datetime | None]:
    ids: list[str] = []
    days: list[int] = []
    parts: list[np.ndarray] = []
    newest = None
    after = 0
    while True:  # in chunks: no 100 MB result at once
        rows = conn.execute(
            _ROWS + " WHERE p.seq > %s" + (" AND e.created >= %s" if since else "")
            + " ORDER BY p.seq LIMIT %s", (after, since, CHUNK) if since else (after, CHUNK)
        ).fetchall()
        if not rows:
            break
        after = rows[-1]["seq"]
        ids += [r["paper_id"] for r in rows]
        days += [day_number(r["day"]) if r["day"] else 0 for r in rows]
        parts.append(_decode([r["v"] for r in rows]))
        last = max(r["created"] for r in rows)
        newest = last if newest is None or last > newest else newest
    conn.commit()
    return ids, days, (np.vstack(parts) if parts else np.zeros((0, DIM), np.float32)), newest


def _in_day_order(ids: np.ndarray, days: np.ndarray, xc: np.ndarray, **rest) -> Corpus:
    if len(days) and np.any(days[1:] < days[:-1]):
        order = np.argsort(days, kind="stable")
        ids, days, xc = ids[order], days[order], xc[order]
    return Corpus(ids=ids, days=days, xc=xc, index={pid: i for i, pid in enumerate(ids)}, **rest)


def load(conn: psycopg.Connection) -> Corpus:
    signature = _signature(conn)
    ids, days, raw, newest = _read(conn, None)
    mean = raw.mean(axis=0).astype(np.float32) if len(raw) else np.zeros(DIM, np.float32)
    return _in_day_order(np.array(ids, dtype=object), np.array(days, dtype=np.int32),
                         centre(raw, mean) if len(raw) else raw, mean=mean, signature=signature,
                         newest_write=newest)


def update(conn: psycopg.Connection, old: Corpus) -> Corpus:
    """The corpus after the embeddings changed: the rows written since ``old`` was read are
    added or replaced (centred on the old mean); a deletion means a full reload."""
    signature = _signature(conn)
    if old.newest_write is None:
        return load(conn)
    ids, days, raw, newest = _read(conn, old.newest_write)
    total = conn.execute("SELECT count(*) AS n FROM embeddings").fetchone()["n"]
    conn.commit()
    fresh = [i for i in ids if i not in old.index]
    if total != len(old.ids) + len(fresh):
        return load(conn)  # some vector was deleted
    xc, all_days, all_ids = old.xc, old.days, old.ids
    if ids:
        vec = centre(raw, old.mean)
        replaced = [(old.index[i], k) for k, i in enumerate(ids) if i in old.index]
        if replaced:
            xc, all_days = xc.copy(), all_days.copy()
            for row, k in replaced:
                xc[row], all_days[row] = vec[k], days[k]
        add = [k for k, i in enumerate(ids) if i not in old.index]
        if add:
            xc = np.vstack([xc, vec[add]])
            all_days = np.concatenate([all_days, np.array([days[k] for k in add], np.int32)])
            all_ids = np.concatenate([all_ids, np.array([ids[k] for k in add], dtype=object)])
    return _in_day_order(all_ids, all_days, xc, mean=old.mean, signature=signature,
                         newest_write=max(filter(None, [old.newest_write, newest])))


class Cache:
    """The process's corpus, brought up to date when the embeddings table changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._corpus: dict[str, Corpus] = {}   # per database (tests run several)

    def get(self, conn: psycopg.Connection) -> Corpus:
        key = conn.info.dsn
        with self._lock:
            corpus = self._corpus.get(key)
            if corpus is None:
                corpus = load(conn)
            elif _signature(conn) != corpus.signature:
                corpus = update(conn, corpus)
            else:
                return corpus
            self._corpus[key] = corpus
            return corpus

    def forget(self) -> None:
        with self._lock:
            self._corpus.clear()


CACHE = Cache()
