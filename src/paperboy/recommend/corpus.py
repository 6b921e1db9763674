"""Every paper's vector, centred: For you scores a whole period with one pass over the rows
of its days instead of a query per paper.

The vectors are a *base* (shared.py: int8 with a per-row scale, in day order, 388 bytes a
paper) and a small *tail* in this process's memory. Served (``CACHE.share(home)``, which the
app does), the base is one file per node under ``{home}/foryou/``, mapped read-only by every
worker: 1M papers take 388 MB of page cache, once, whatever the number of workers. Without a
home (scripts, some tests) the base is the same arrays in memory.

One row, ``embeddings_version`` (moved by every change to the embeddings table), says whether
anything changed; then only the vectors written since the last look are read, centred on the
base's mean, into the tail (a changed paper's base row is marked dead). A tail past
``REWRITE_AT`` rows (or 2% of the base) is folded into a new base generation; a deletion (a
merge, a re-import), a missing or unreadable file rebuilds the base from PostgreSQL. A worker
maps the newest generation when another process wrote one. Papers without a vector yet are
not candidates.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import psycopg

from paperboy.recommend import prefilter, shared
from paperboy.recommend.model import centre

log = logging.getLogger(__name__)
EPOCH = date(1970, 1, 1)
CHUNK = 10_000
DIM = shared.DIM
SCORE_CHUNK = 4_096    # rows decoded to float32 at a time while scoring (6 MB: the heap keeps its peak)
REWRITE_AT = 2_000     # tail rows past which the base is rewritten, or past REWRITE_SHARE of it
REWRITE_SHARE = 0.02


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
    base: shared.Store
    tail_ids: list[str] = field(default_factory=list)   # rows since the base, in day order
    tail_days: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    tail_xc: np.ndarray = field(default_factory=lambda: np.zeros((0, DIM), np.float32))
    dead: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # base rows replaced
    signature: int = 0
    newest_write: datetime | None = None

    def __post_init__(self) -> None:
        self.tail_index = {pid: len(self.base) + k for k, pid in enumerate(self.tail_ids)}
        self.dead_set = frozenset(self.dead.tolist())

    @classmethod
    def of(cls, base: shared.Store) -> Corpus:
        return cls(base=base, signature=base.signature, newest_write=base.newest_write)

    @property
    def mean(self) -> np.ndarray:
        return self.base.mean

    @property
    def size(self) -> int:
        """How many papers have a vector."""
        return len(self.base) - len(self.dead) + len(self.tail_ids)

    @property
    def newest(self) -> int | None:
        days = [int(d[-1]) for d in (self.base.days, self.tail_days) if len(d)]
        return max(days) if days else None

    def row_of(self, pid: str) -> int | None:
        row = self.tail_index.get(pid)
        if row is None:
            row = self.base.find(pid)
            if row is not None and row in self.dead_set:
                return None
        return row

    def __contains__(self, pid: str) -> bool:
        return self.row_of(pid) is not None

    def rows(self, ids) -> list[int]:
        return [r for r in (self.row_of(i) for i in ids) if r is not None]

    def id_at(self, row: int) -> str:
        b = len(self.base)
        return self.base.ids[row].decode() if row < b else self.tail_ids[row - b]

    def vectors(self, rows) -> np.ndarray:
        """The centred vectors of ``rows`` as float32 (a copy of those rows only)."""
        rows = np.asarray(rows, dtype=np.int64)
        out = np.empty((len(rows), DIM), np.float32)
        inb = rows < len(self.base)
        if inb.any():
            r = rows[inb]
            out[inb] = shared.decode(self.base.q[r], self.base.scale[r])
        if (~inb).any():
            out[~inb] = self.tail_xc[rows[~inb] - len(self.base)]
        return out

    def vector(self, pid: str) -> np.ndarray | None:
        row = self.row_of(pid)
        return None if row is None else self.vectors([row])[0]

    def window(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """The rows of papers of days lo…hi: base and tail are each in day order, so a
        period is two ranges of rows (no copy of the vectors)."""
        b = len(self.base)
        out = []
        for days, shift in ((self.base.days, 0), (self.tail_days, b)):
            s, e = int(np.searchsorted(days, lo, "left")), int(np.searchsorted(days, hi, "right"))
            if e > s:
                out.append((s + shift, e + shift))
        return out

    def scores(self, model, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """``model``'s scores (model.Model.score) of every live row of days lo…hi, a chunk at a
        time; the rows and their scores. A period of prefilter.FROM base rows or more: only
        the base rows prefilter.candidates keeps (the tail's all), scored the same way."""
        rows, scores, spans = [], [], self.window(lo, hi)
        base = [(s, e) for s, e in spans if e <= len(self.base)]
        if self.base.pq is not None and sum(e - s for s, e in base) >= prefilter.FROM:
            keep = prefilter.candidates(model, self.base.proj, self.base.pq, self.base.pscale, base, self.dead)
            rows.append(keep)
            scores.append(prefilter.exact(model, self.base.q, self.base.scale, keep))
            spans = [(s, e) for s, e in spans if e > len(self.base)]
        for s, e in spans:
            for a in range(s, e, SCORE_CHUNK):
                z = min(a + SCORE_CHUNK, e)
                r = np.arange(a, z, dtype=np.int64)
                sc = np.asarray(model.score(*self.unscaled_range(a, z)), dtype=np.float32)
                if len(self.dead) and a < len(self.base):
                    keep = ~np.isin(r, self.dead)
                    r, sc = r[keep], sc[keep]
                rows.append(r)
                scores.append(sc)
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        return np.concatenate(rows), np.concatenate(scores)

    def unscaled_range(self, a: int, z: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Rows a…z-1 (all in the base or all in the tail: see window) as float32 rows and
        the scale each row is to be multiplied by (None: already scaled)."""
        b = len(self.base)
        if z <= b:
            return np.array(self.base.q[a:z], dtype=np.float32), np.asarray(self.base.scale[a:z])
        return self.tail_xc[a - b:z - b], None

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        total = len(self.base) + len(self.tail_ids)
        rng = np.random.default_rng(seed)
        if self.size <= n:
            rows = np.setdiff1d(np.arange(total), self.dead)
        else:
            rows = rng.choice(total, min(total, n + len(self.dead)), replace=False)
            rows = rows[~np.isin(rows, self.dead)][:n] if len(self.dead) else rows
        return self.vectors(rows)


_ROWS = (
    "SELECT e.paper_id, coalesce(p.listed_on, p.published_at) AS day,"
    " vector_send(e.embedding) AS v, e.created, p.seq"
    " FROM embeddings e JOIN papers p ON p.id = e.paper_id"
)


def _signature(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT version FROM embeddings_version").fetchone()["version"]


def _read(conn: psycopg.Connection, since: datetime | None, each):
    """Papers' ids, days, ``each(raw chunk)`` per chunk, and the newest write read."""
    ids: list[str] = []
    days: list[int] = []
    parts: list = []
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
        parts.append(each(_decode([r["v"] for r in rows])))
        last = max(r["created"] for r in rows)
        newest = last if newest is None or last > newest else newest
    conn.commit()
    return ids, days, parts, newest


def build(conn: psycopg.Connection) -> shared.Store:
    """The base from PostgreSQL: every vector, centred on the mean, as int8 (never the
    whole corpus as float32: 10,000 rows at a time)."""
    signature = _signature(conn)
    row = conn.execute("SELECT vector_send(avg(embedding)) AS m FROM embeddings").fetchone()
    mean = _decode([row["m"]])[0] if row["m"] else np.zeros(DIM, np.float32)
    ids, days, parts, newest = _read(conn, None, lambda raw: shared.encode(centre(raw, mean)))
    q = np.vstack([p[0] for p in parts]) if parts else np.zeros((0, DIM), np.int8)
    scale = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.float32)
    return prefilter.attach(shared.make(q, scale, np.array(days, np.int32), ids, mean, signature, newest))


def merged(corpus: Corpus) -> shared.Store:
    """Base and tail as one new base (same mean), the dead rows left out."""
    live = np.ones(len(corpus.base), bool)
    live[corpus.dead] = False
    q, scale = shared.encode(corpus.tail_xc)
    ids = [i.decode() for i in corpus.base.ids[live]] + corpus.tail_ids
    return prefilter.attach(shared.make(
        np.vstack([corpus.base.q[live], q]), np.concatenate([corpus.base.scale[live], scale]),
        np.concatenate([corpus.base.days[live], corpus.tail_days]), ids, corpus.mean,
        corpus.signature, corpus.newest_write))


def update(conn: psycopg.Connection, old: Corpus) -> Corpus | None:
    """The corpus after the embeddings changed: the rows written since ``old`` was read go
    to the tail (centred on the base's mean); None when some vector was deleted."""
    signature = _signature(conn)
    if old.newest_write is None:
        return None
    ids, days, parts, newest = _read(conn, old.newest_write, lambda raw: centre(raw, old.mean))
    total = conn.execute("SELECT count(*) AS n FROM embeddings").fetchone()["n"]
    conn.commit()
    fresh = {i for i in ids if i not in old}
    if total != old.size + len(fresh):
        return None  # some vector was deleted
    tail = {pid: (int(old.tail_days[k]), old.tail_xc[k]) for k, pid in enumerate(old.tail_ids)}
    dead = set(old.dead.tolist())
    vec = np.vstack(parts) if parts else np.zeros((0, DIM), np.float32)
    q, scale = shared.encode(vec)
    for k, pid in enumerate(ids):
        row = old.base.find(pid)
        if row is not None and row not in dead:
            if scale[k] == old.base.scale[row] and np.array_equal(q[k], old.base.q[row]) \
                    and days[k] == old.base.days[row]:
                continue  # read again (written in the same instant as the newest), unchanged
            dead.add(row)
        tail[pid] = (days[k], vec[k])
    order = sorted(tail, key=lambda p: tail[p][0])
    return Corpus(base=old.base, tail_ids=order,
                  tail_days=np.array([tail[p][0] for p in order], np.int32),
                  tail_xc=np.stack([tail[p][1] for p in order]) if order else old.tail_xc[:0],
                  dead=np.array(sorted(dead), np.int64), signature=signature,
                  newest_write=max(filter(None, [old.newest_write, newest])))


def _folder(home: Path, conn: psycopg.Connection) -> Path:
    from paperboy.search.keyword import index_dir  # the database's identity names the folder

    return home / "foryou" / index_dir(home, conn).name


def _newest_file(folder: Path) -> shared.Store | None:
    """The newest whole file of ``folder``, mapped; None (with a log line) when there is none
    or it is unreadable."""
    gens = shared.generations(folder)
    if not gens:
        log.info("For you: no shared vector file in %s; building it from PostgreSQL", folder)
        return None
    try:
        return shared.read(gens[-1][1])
    except (OSError, ValueError, KeyError, shared.Unreadable) as e:
        log.warning("For you: %s is unreadable (%s); rebuilding it from PostgreSQL", gens[-1][1], e)
        return None


class Cache:
    """The process's corpus, brought up to date when the embeddings table changes; with a
    home (``share``), its base is the node's shared file."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._corpus: dict[str, Corpus] = {}   # per database (tests run several)
        self._folders: dict[str, Path] = {}
        self.home: Path | None = None

    def share(self, home: Path | None) -> None:
        """Keep the base in a file under ``home`` (None: in this process's memory)."""
        with self._lock:
            if home != self.home:
                self._corpus.clear()
                self._folders.clear()
            self.home = home

    def folder(self, conn: psycopg.Connection) -> Path | None:
        if self.home is None:
            return None
        key = conn.info.dsn
        if key not in self._folders:
            self._folders[key] = _folder(self.home, conn)
            conn.commit()
        return self._folders[key]

    def get(self, conn: psycopg.Connection) -> Corpus:
        key = conn.info.dsn
        with self._lock:
            folder = self.folder(conn)
            corpus = self._corpus.get(key)
            if corpus is not None and folder is not None \
                    and shared.newest_generation(folder) != corpus.base.generation:
                corpus = None  # another process wrote a newer base: map it (and drop the old)
            if corpus is None:
                corpus = self._open(conn, folder)
            elif _signature(conn) != corpus.signature:
                conn.commit()
                corpus = update(conn, corpus) or self._rebuild(conn, folder)
            else:
                conn.commit()
                return corpus
            if len(corpus.tail_ids) > max(REWRITE_AT, int(len(corpus.base) * REWRITE_SHARE)) \
                    or prefilter.missing(corpus.base):  # a file from before the prefilter
                corpus = self._publish(conn, folder, corpus)
            self._corpus[key] = corpus
            return corpus

    def _open(self, conn: psycopg.Connection, folder: Path | None) -> Corpus:
        base = _newest_file(folder) if folder is not None else None
        if base is None:
            return self._rebuild(conn, folder)
        corpus = Corpus.of(base)
        if base.signature != _signature(conn):
            conn.commit()
            corpus = update(conn, corpus) or self._rebuild(conn, folder)
        conn.commit()
        return corpus

    def _rebuild(self, conn: psycopg.Connection, folder: Path | None) -> Corpus:
        """A new base from PostgreSQL; shared, one process of the node builds it while the
        others wait, then map what it wrote."""
        if folder is None:
            return Corpus.of(build(conn))
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / ".lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                current = _signature(conn)
                conn.commit()
                newest = shared.generations(folder)
                if newest:  # maybe written while this process waited: map it, add the tail
                    try:
                        corpus = Corpus.of(shared.read(newest[-1][1]))
                        corpus = corpus if corpus.signature == current else update(conn, corpus)
                        if corpus is not None:
                            return corpus
                    except (OSError, ValueError, KeyError, shared.Unreadable):
                        pass
                return Corpus.of(shared.read(shared.write(folder, build(conn))))
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _publish(self, conn: psycopg.Connection, folder: Path | None, corpus: Corpus) -> Corpus:
        """Base and tail folded into a new generation (unless another worker just did)."""
        if folder is None:
            return Corpus.of(merged(corpus))
        with open(folder / ".lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if shared.newest_generation(folder) != corpus.base.generation:
                    newest = _newest_file(folder)
                    if newest is not None:
                        mapped = Corpus.of(newest)
                        mapped = mapped if mapped.signature == corpus.signature else update(conn, mapped)
                        if mapped is not None:
                            return mapped
                return Corpus.of(shared.read(shared.write(folder, merged(corpus))))
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def forget(self) -> None:
        with self._lock:
            self._corpus.clear()
            self._folders.clear()


CACHE = Cache()
