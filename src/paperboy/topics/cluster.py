"""Spherical k-means over paper vectors: the grouping every topic build starts from.

Pure numpy: the vectors in, a cluster per row and the unit centroids out. Vectors are centred
on their mean and renormalised first (MiniLM vectors share a large common direction, which
otherwise drowns the differences between fields). ``warm`` centroids (the previous build's
topics) start the iteration, so a refresh that adds a day finds nearly the same clusters.
"""

from __future__ import annotations

import numpy as np

MIN_PAPERS = 24  # fewer papers than this make no topics
MAX_TOPICS = 200
PER_TOPIC = 12  # k ~ sqrt(n / PER_TOPIC): 78 topics at 75,000 papers
ITERATIONS = 30
CHUNK = 20_000


def choose_k(n: int, cap: int = MAX_TOPICS) -> int:
    """How many topics for ``n`` papers: sqrt(n/12), at least 2, at most ``cap``."""
    if n < MIN_PAPERS:
        return 0
    return int(max(2, min(cap, np.sqrt(n / PER_TOPIC))))


def normalise(x: np.ndarray) -> np.ndarray:
    """Rows centred on their mean and scaled to unit length (float32)."""
    x = np.asarray(x, dtype=np.float32)
    x = x - x.mean(axis=0, keepdims=True)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


def _assign(x: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's nearest centroid (largest cosine) and that cosine, in chunks."""
    labels = np.empty(len(x), dtype=np.int32)
    sims = np.empty(len(x), dtype=np.float32)
    for lo in range(0, len(x), CHUNK):
        s = x[lo:lo + CHUNK] @ centroids.T
        labels[lo:lo + CHUNK] = s.argmax(axis=1)
        sims[lo:lo + CHUNK] = s[np.arange(len(s)), labels[lo:lo + CHUNK]]
    return labels, sims


def _sums(x: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """The sum of each cluster's rows (one sparse product: no Python loop over rows)."""
    from scipy import sparse

    onehot = sparse.csr_matrix((np.ones(len(x), np.float32), (labels, np.arange(len(x)))), shape=(k, len(x)))
    return np.asarray(onehot @ x, dtype=np.float32)


def _plus_plus(x: np.ndarray, k: int, rng: np.random.Generator, have: np.ndarray | None) -> np.ndarray:
    """k-means++ seeding (cosine distance) on a sample, after the ``have`` centroids."""
    sample = x[rng.choice(len(x), min(len(x), 20_000), replace=False)]
    chosen = list(have) if have is not None and len(have) else [sample[rng.integers(len(sample))]]
    dist = 1 - (sample @ np.array(chosen).T).max(axis=1)
    while len(chosen) < k:
        p = np.clip(dist, 0, None) ** 2
        pick = rng.choice(len(sample), p=p / p.sum()) if p.sum() > 0 else rng.integers(len(sample))
        chosen.append(sample[pick])
        dist = np.minimum(dist, 1 - sample @ sample[pick])
    return np.array(chosen, dtype=np.float32)


def spherical_kmeans(x: np.ndarray, k: int, warm: np.ndarray | None = None, seed: int = 0,
                     iterations: int = ITERATIONS) -> tuple[np.ndarray, np.ndarray]:
    """Cluster unit rows ``x`` into ``k`` groups; (labels, unit centroids k × d).

    ``warm``: starting centroids (any number; the first k are used, k-means++ adds the rest).
    An empty cluster is reseeded with the row farthest from its centroid."""
    rng = np.random.default_rng(seed)
    have = None if warm is None or not len(warm) else np.asarray(warm, np.float32)[:k]
    centroids = _plus_plus(x, k, rng, have) if have is None or len(have) < k else have.copy()
    labels = np.zeros(len(x), dtype=np.int32)
    for step in range(iterations):
        new, sims = _assign(x, centroids)
        if step and np.array_equal(new, labels):
            break
        labels = new
        sums = _sums(x, labels, k)
        counts = np.bincount(labels, minlength=k)
        for empty in np.flatnonzero(counts == 0):
            far = int(sims.argmin())
            sums[empty], sims[far] = x[far], 1.0
            labels[far] = empty
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        centroids = (sums / np.maximum(norms, 1e-12)).astype(np.float32)
    return labels, centroids
