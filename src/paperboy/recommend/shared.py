"""For you's vectors in one file per node, mapped read-only by every worker.

A worker holding every centred vector as float32 needed 1.5 KB a paper: 1.6 GB per worker at
1M papers. Here each vector is stored as int8 with a per-row scale (388 bytes a paper, the
ranking unchanged: bench/recommend_quality.py --store), in a file under
``{home}/foryou/<database>/`` that the first process to need it writes and every worker maps
with ``numpy.memmap`` (mode ``r``): the pages are the kernel's page cache, one copy a node,
shared by all workers.

The file, ``corpus-<generation>.pbv``: the magic ``PBFORYOU``, the header's length, a JSON
header (sizes, offsets, the ``embeddings_version`` and newest write it holds), then the arrays
(vectors, scales, days, ids, ids' sort order, the mean), then an end mark. It is written to a
temporary name and renamed into place (``os.replace``), so a reader sees a whole file or
none; a file whose size or end mark does not match its header is refused (a worker then
rebuilds from PostgreSQL). A newer generation replaces the older ones, which are deleted:
a worker still mapping one keeps its pages until it remaps.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

MAGIC = b"PBFORYOU"
END = b"PBEND\n\n\n"
ALIGN = 64
NAME = re.compile(r"^corpus-(\d{8})\.pbv$")
DIM = 384


def encode(xc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centred, normalised float rows as int8 and a per-row scale (max |x| / 127)."""
    xc = np.asarray(xc, dtype=np.float32)
    scale = (np.abs(xc).max(axis=1) / 127.0).astype(np.float32) if len(xc) else np.zeros(0, np.float32)
    safe = np.where(scale > 0, scale, 1.0).astype(np.float32)
    return np.rint(xc / safe[:, None]).astype(np.int8), scale


def decode(q: np.ndarray, scale: np.ndarray) -> np.ndarray:
    out = np.array(q, dtype=np.float32)  # a plain array (not a memmap view), scaled in place
    out *= np.asarray(scale, dtype=np.float32)[:, None]
    return out


@dataclass
class Store:
    """The base corpus: arrays in day order, in memory or mapped from a file."""

    q: np.ndarray          # n × 384 int8
    scale: np.ndarray      # n float32
    days: np.ndarray       # n int32, ascending
    ids: np.ndarray        # n bytes (utf-8 paper ids, fixed width)
    by_id: np.ndarray      # n int32: rows in the order of their ids (a search sorter)
    mean: np.ndarray       # 384 float32
    signature: int
    newest_write: datetime | None
    generation: int = 0
    path: Path | None = None
    # the prefilter's rows (recommend/prefilter.py), for bases of prefilter.FROM rows or more:
    proj: np.ndarray | None = None     # DIM × 384 float32: principal directions
    pq: np.ndarray | None = None       # n × DIM int8: each row projected on them
    pscale: np.ndarray | None = None   # n float32
    sorter: np.ndarray | None = field(default=None, repr=False, compare=False)  # by_id as intp

    def __len__(self) -> int:
        return len(self.days)

    def find(self, pid: str) -> int | None:
        if not len(self.ids):
            return None
        if self.sorter is None:
            # numpy wants an intp sorter: given by_id (int32) it copied all of it on every
            # call, 0.16 ms a lookup at 1M papers (20 ms for a member's 100 likes); this
            # process's copy costs 8 bytes a paper (8 MB at 1M), made once.
            self.sorter = np.asarray(self.by_id, dtype=np.intp)
        key = pid.encode()
        k = int(np.searchsorted(self.ids, key, sorter=self.sorter))
        if k < len(self.ids) and self.ids[self.by_id[k]] == key:
            return int(self.by_id[k])
        return None


def make(q: np.ndarray, scale: np.ndarray, days: np.ndarray, ids: list[str], mean: np.ndarray,
         signature: int, newest_write: datetime | None) -> Store:
    """A store in memory from rows in any order (put in day order here)."""
    order = np.argsort(days, kind="stable")
    raw = np.array([i.encode() for i in ids], dtype=f"S{max([len(i.encode()) for i in ids] or [1])}")
    raw = raw[order]
    return Store(q=q[order], scale=scale[order], days=np.asarray(days, np.int32)[order], ids=raw,
                 by_id=np.argsort(raw, kind="stable").astype(np.int32), mean=mean.astype(np.float32),
                 signature=signature, newest_write=newest_write)


def generations(folder: Path) -> list[tuple[int, Path]]:
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    found = [(int(m.group(1)), folder / n) for n in names if (m := NAME.match(n))]
    return sorted(found)


def newest_generation(folder: Path) -> int:
    gens = generations(folder)
    return gens[-1][0] if gens else 0


def _arrays(store: Store) -> list[tuple[str, np.ndarray]]:
    arrays = [("q", store.q), ("scale", store.scale), ("days", store.days), ("ids", store.ids),
              ("by_id", store.by_id), ("mean", store.mean)]
    if store.pq is not None:
        arrays += [("proj", store.proj), ("pq", store.pq), ("pscale", store.pscale)]
    return arrays


def write(folder: Path, store: Store) -> Path:
    """Write ``store`` as the next generation (temporary file, fsync, rename); the older
    generations are removed. The caller holds the folder's lock (corpus.py)."""
    folder.mkdir(parents=True, exist_ok=True)
    gen = newest_generation(folder) + 1
    arrays = _arrays(store)
    layout, offset = {}, 0
    for name, a in arrays:
        layout[name] = {"offset": offset, "dtype": a.dtype.str, "shape": list(a.shape)}
        offset += -(-a.nbytes // ALIGN) * ALIGN
    header = {"version": 1, "codec": "int8-row-scale", "n": len(store), "dim": DIM,
              "generation": gen, "signature": store.signature,
              "newest_write": store.newest_write.isoformat() if store.newest_write else None,
              "arrays": layout}
    head = json.dumps(header).encode()
    start = -(-(16 + len(head) + 128) // ALIGN) * ALIGN  # room for the two fields added below
    header["data"] = start
    header["size"] = start + offset + len(END)
    head = json.dumps(header).encode()
    assert len(head) <= start - 16
    head = head.ljust(start - 16)
    tmp = folder / f".corpus-{gen:08d}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.write(MAGIC + len(head).to_bytes(8, "little") + head)
        for name, a in arrays:
            f.seek(start + layout[name]["offset"])
            f.write(np.ascontiguousarray(a).tobytes())
        f.seek(start + offset)
        f.write(END)
        f.flush()
        os.fsync(f.fileno())
    path = folder / f"corpus-{gen:08d}.pbv"
    os.replace(tmp, path)
    for old, p in generations(folder):
        if old < gen:
            p.unlink(missing_ok=True)
    for name in os.listdir(folder):  # a writer that died left its temporary file (none runs now)
        if name.startswith(".corpus-") and name.endswith(".tmp"):
            (folder / name).unlink(missing_ok=True)
    return path


class Unreadable(Exception):
    """A file that is not a whole corpus file (torn, truncated, foreign)."""


def read(path: Path) -> Store:
    """Map ``path`` read-only; raises Unreadable when it is not a whole file."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        if f.read(8) != MAGIC:
            raise Unreadable("not a For you vector file")
        length = int.from_bytes(f.read(8), "little")
        if length > 1 << 20:
            raise Unreadable("header too long")
        try:
            header = json.loads(f.read(length))
        except ValueError as e:
            raise Unreadable(f"header unreadable: {e}") from e
        if header.get("version") != 1 or header.get("size") != size:
            raise Unreadable(f"size {size} bytes, header says {header.get('size')}")
        f.seek(size - len(END))
        if f.read(len(END)) != END:
            raise Unreadable("no end mark")
    arrays = {}
    for name, spec in header["arrays"].items():
        shape = tuple(spec["shape"])
        if not all(shape):  # numpy cannot map zero bytes
            arrays[name] = np.zeros(shape, np.dtype(spec["dtype"]))
            continue
        arrays[name] = np.memmap(path, dtype=np.dtype(spec["dtype"]), mode="r",
                                 offset=header["data"] + spec["offset"], shape=shape)
    written = header["newest_write"]
    # ids as a plain view of the mapping: a memmap's Python-level __getitem__ cost 3 ms for
    # the few hundred ids a request names one at a time (pages still the page cache's)
    return Store(q=arrays["q"], scale=arrays["scale"], days=arrays["days"], ids=arrays["ids"].view(np.ndarray),
                 by_id=arrays["by_id"], mean=np.array(arrays["mean"]), signature=header["signature"],
                 newest_write=datetime.fromisoformat(written) if written else None,
                 generation=header["generation"], path=path, proj=_array(arrays.get("proj")),
                 pq=arrays.get("pq"), pscale=arrays.get("pscale"))


def _array(a: np.ndarray | None) -> np.ndarray | None:
    return None if a is None else np.array(a)
