"""Ranking candidates: maximal marginal relevance (KeyBERT's ``use_mmr``), pure numpy."""

from __future__ import annotations

import numpy as np


def mmr(relevance: np.ndarray, vectors: np.ndarray, top: int, diversity: float) -> list[int]:
    """Indices of ``top`` candidates, each chosen for ``(1 - diversity) * relevance - diversity
    * (its highest cosine to one already chosen)``; the first is the most relevant.
    ``vectors`` are L2-normalised rows.

    >>> v = np.array([[1.0, 0.0], [0.99, 0.141], [0.0, 1.0]])
    >>> mmr(np.array([0.9, 0.89, 0.5]), v, 2, 0.5)
    [0, 2]
    """
    n = len(relevance)
    if n == 0 or top <= 0:
        return []
    chosen = [int(np.argmax(relevance))]
    left = [i for i in range(n) if i != chosen[0]]
    while left and len(chosen) < top:
        near = (vectors[left] @ vectors[chosen].T).max(axis=1)
        score = (1 - diversity) * relevance[left] - diversity * near
        chosen.append(left.pop(int(np.argmax(score))))
    return chosen
