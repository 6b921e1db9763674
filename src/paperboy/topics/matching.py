"""Stable topic ids: a new build's clusters are matched to the previous build's topics by the
overlap of their papers (Jaccard), one to one, maximising the total overlap (the Hungarian
method). A cluster keeps the id of the topic it matches when they share at least MIN_JACCARD
of their papers; the other clusters become new topics; the old topics nothing matched are
kept, inactive."""

from __future__ import annotations

import numpy as np

MIN_JACCARD = 0.2


def jaccard(new: list[set[str]], old: list[set[str]]) -> np.ndarray:
    """The Jaccard overlap of every new cluster (rows) with every old topic (columns)."""
    where: dict[str, int] = {}
    for j, papers in enumerate(old):
        for p in papers:
            where[p] = j
    inter = np.zeros((len(new), len(old)), np.float64)
    for i, papers in enumerate(new):
        for p in papers:
            j = where.get(p)
            if j is not None:
                inter[i, j] += 1
    a = np.array([len(s) for s in new], np.float64)[:, None]
    b = np.array([len(s) for s in old], np.float64)[None, :]
    union = a + b - inter
    return np.where(union > 0, inter / np.maximum(union, 1), 0.0)


def match(new: list[set[str]], old: list[set[str]], least: float = MIN_JACCARD) -> dict[int, int]:
    """{new cluster index: old topic index} for the pairs kept."""
    if not new or not old:
        return {}
    from scipy.optimize import linear_sum_assignment

    overlap = jaccard(new, old)
    rows, cols = linear_sum_assignment(overlap, maximize=True)
    return {int(i): int(j) for i, j in zip(rows, cols, strict=True) if overlap[i, j] >= least}
