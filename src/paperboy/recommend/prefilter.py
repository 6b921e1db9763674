"""For you over a long period at a million papers: a coarse pass over a few dimensions picks
the candidates, and only those are scored exactly.

Scoring every row of the base (int8, 384 dimensions) meant decoding it all to float32: 390 ms
a request at a million papers (p95 570 ms). A member's model is linear in a paper's vector
(model.Model.combine: products with the interests' weights and the rejected papers), so the
products are approximated in the corpus' first ``DIM`` principal directions:

* When a base is made (corpus.build, corpus.merged: ``attach``), ``fit`` projects every row
  onto those directions, found on a sample of the corpus, and keeps them as int8 with a
  per-row scale: 52 bytes a paper beside the 388 of the vectors (52 MB at a million, in the
  same shared file).
* A period of at least ``FROM`` base rows is scored first on these rows by ONNX Runtime's
  8-bit matrix product (``MatMulInteger``; numpy would decode them to float32 first: 3-4x
  the time), and the best ``KEEP_SHARE`` of them (at least ``KEEP_MIN``) are scored again
  exactly. Picks are read in exact order from those.

Measured on the real vectors (75k, members of 12 likes): with 48 directions the exact top
0.2% of papers all lie within the coarse top 2% (99.9% of them; 96% at worst for one member),
and a page of picks comes from the top 0.01%. bench/recommend_speed.py --corpus compares
the picks with and without the prefilter: at a million papers the same picks and scores for
members of 5, 20 and 100 likes, all time in p95 36-40 ms against 405-487 ms.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

from paperboy.recommend.shared import Store, decode, encode

if TYPE_CHECKING:
    from paperboy.recommend.model import Model

DIM = 48             # principal directions kept
FROM = 100_000       # base rows in a period from which it is prefiltered (below: exact, about 45 ms at most)
KEEP_SHARE = 0.02    # share of the period's rows scored again exactly
KEEP_MIN = 4_000     # ... and at least this many (twice picks.SCAN)
SAMPLE = 20_000      # rows the directions are found on
CHUNK = 32_768       # rows per product at most (larger chunks left the worker's heap larger)
PRODUCT = 1 << 19    # ... and numbers in it (rows x (interests + rejected papers)): 2 MB of int32
FIT_CHUNK = 16_384   # rows decoded to float32 at a time while projecting (24 MB)


def attach(store: Store) -> Store:
    """``store`` with its prefilter's rows when it holds FROM rows or more (a base being made:
    corpus.build and corpus.merged), else as it is."""
    if len(store) >= FROM:
        store.proj, store.pq, store.pscale = fit(store.q, store.scale)
    return store


def missing(store: Store) -> bool:
    """Whether ``store`` should have the prefilter's rows and has not (a file written before
    they existed: corpus.Cache writes a new generation with them)."""
    return store.pq is None and len(store) >= FROM


def fit(q: np.ndarray, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(directions: DIM x 384 float32, projected rows: n x DIM int8, their scales) of the
    base's int8 rows ``q`` (times ``scale``), in their order."""
    n = len(q)
    pick = np.sort(np.random.default_rng(0).choice(n, min(n, SAMPLE), replace=False))
    _, _, vt = np.linalg.svd(decode(q[pick], scale[pick]), full_matrices=False)
    proj = np.ascontiguousarray(vt[:DIM], dtype=np.float32)
    pq = np.empty((n, len(proj)), np.int8)
    pscale = np.empty(n, np.float32)
    for a in range(0, n, FIT_CHUNK):
        z = a + FIT_CHUNK
        pq[a:z], pscale[a:z] = encode(decode(q[a:z], scale[a:z]) @ proj.T)
    return proj, pq, pscale


def candidates(model: Model, proj: np.ndarray, pq: np.ndarray, pscale: np.ndarray,
               ranges: list[tuple[int, int]], dead: np.ndarray) -> np.ndarray:
    """The base rows of ``ranges`` (not ``dead``) worth scoring exactly for ``model``: the
    best by the coarse score, KEEP_SHARE of them and at least KEEP_MIN, in row order."""
    cols = np.hstack([proj @ model.w, proj @ model.neg.T]) if len(model.neg) else proj @ model.w
    colscale = np.maximum(np.abs(cols).max(axis=0), 1e-12) / 127.0
    wq = np.rint(cols / colscale).astype(np.int8)
    k = model.w.shape[1]
    chunk = max(1024, min(CHUNK, PRODUCT // cols.shape[1]))  # many rejected papers: fewer rows
    run = _session()
    starts = np.array([s for s, _ in ranges], np.int64)
    at = np.concatenate([[0], np.cumsum([e - s for s, e in ranges])]).astype(np.int64)  # ranges in c
    c = np.empty(int(at[-1]), np.float32)  # one coarse score a row: 4 MB at a million, nothing more kept
    for (s, e), o in zip(ranges, at, strict=False):
        for a in range(s, e, chunk):
            z = min(a + chunk, e)
            prod = run(None, {"A": pq[a:z], "B": wq})[0].astype(np.float32)
            prod *= colscale
            prod *= np.asarray(pscale[a:z])[:, None]
            c[o + a - s:o + z - s] = model.combine(prod[:, :k], prod[:, k:] if len(model.neg) else None)
    live = len(c)
    if len(dead):  # dead rows of the ranges never pass
        i = np.searchsorted(starts, dead, "right") - 1
        inside = (i >= 0) & (dead < starts[np.maximum(i, 0)] + np.diff(at)[np.maximum(i, 0)])
        c[at[i[inside]] + dead[inside] - starts[i[inside]]] = -np.inf
        live -= int(inside.sum())
    want = max(KEEP_MIN, int(live * KEEP_SHARE))
    if want >= live:
        passed = np.flatnonzero(np.isfinite(c))
    else:
        # The cut from every 16th score (an argpartition of a million scores took 8 ms):
        # about ``want`` rows pass it; fewer than KEEP_MIN, and the exact cut is taken instead.
        step = 16 if live >= 16 * want else 1
        sample = c[::step]
        kth = len(sample) - max(1, want // step)
        passed = np.flatnonzero(c >= np.partition(sample, kth)[kth])
        if len(passed) < KEEP_MIN:
            passed = np.argpartition(-c, want - 1)[:want]
        passed = passed[np.isfinite(c[passed])]
    passed = np.sort(passed)
    i = np.searchsorted(at, passed, "right") - 1  # positions in c back to rows
    return starts[i] + passed - at[i]


def exact(model: Model, q: np.ndarray, scale: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``model``'s exact scores of the base ``rows`` (as corpus.Corpus.scores computes every
    row's: int8 rows as float32, scaled after the product), FIT_CHUNK rows at a time."""
    out = np.empty(len(rows), np.float32)
    for a in range(0, len(rows), FIT_CHUNK // 4):
        r = rows[a:a + FIT_CHUNK // 4]
        out[a:a + len(r)] = model.score(np.array(q[r], dtype=np.float32), np.asarray(scale[r]))
    return out


# One ONNX node, MatMulInteger (A: n x d int8, B: d x k int8 -> Y: n x k int32), opset 13,
# serialised: kept as bytes so that a worker does not import onnx (17 MB) for it. The test
# builds it again with onnx.helper and compares (tests/recommend/test_prefilter.py).
GRAPH = (b'\x08\x08:U\n\x18\n\x01A\n\x01B\x12\x01Y"\rMatMulInteger\x12\x06coarseZ\x0f\n\x01A\x12\n\n'
         b'\x08\x08\x03\x12\x04\n\x00\n\x00Z\x0f\n\x01B\x12\n\n\x08\x08\x03\x12\x04\n\x00\n\x00b\x0f\n\x01Y'
         b'\x12\n\n\x08\x08\x06\x12\x04\n\x00\n\x00B\x04\n\x00\x10\r')


@functools.cache
def _session():
    """One ONNX Runtime session of GRAPH on one thread, without a memory arena (28 MB with
    one, 9 without, and no slower here)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.enable_cpu_mem_arena = False
    options.enable_mem_pattern = False
    return ort.InferenceSession(GRAPH, options, providers=["CPUExecutionProvider"]).run
