"""Extracting a paper's keyphrases: the pure-ish function (text, and the paper's vector when
known, in; phrases out). The encoder is the process' MiniLM (paperboy.embeddings)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from paperboy import embeddings
from paperboy.keyphrases.candidates import candidates, stems
from paperboy.keyphrases.rank import mmr

TOP = 10
DIVERSITY = 0.3
MAX_ENCODED = 64  # candidates encoded per paper at most (the cost: each is one encoder input)


@dataclass(frozen=True)
class Keyphrase:
    text: str
    score: float  # cosine to the paper (before MMR's diversity)


def extract(title: str, summary: str, vector: Sequence[float] | np.ndarray | None = None,
            top: int = TOP, encode: Callable[[list[str]], np.ndarray] | None = None) -> list[Keyphrase]:
    """The keyphrases of a paper, best first, at most ``top``, no two alike (compared as
    :func:`~paperboy.keyphrases.candidates.key`). ``vector`` is the paper's stored embedding
    (encoded here when not given); ``encode`` (texts to L2-normalised rows) is the
    process' MiniLM unless given."""
    encode = encode or embeddings.encode
    cands = candidates(title, summary)
    if len(cands) > MAX_ENCODED:  # the likeliest: in the title, repeated, several words, early
        best = sorted(cands, key=lambda c: (not c.in_title, -c.count, c.words == 1, c.first))[:MAX_ENCODED]
        cands = sorted(best, key=lambda c: c.first)
    if not cands or top <= 0:
        return []
    doc = np.asarray(vector, dtype=np.float32) if vector is not None else \
        encode([embeddings.paper_text(title, summary)])[0]
    vecs = encode([c.text for c in cands])
    sim = vecs @ doc
    kept: list[int] = []
    words: list[frozenset[str]] = []
    for i in mmr(sim, vecs, min(len(cands), 3 * top), DIVERSITY):
        w = stems(cands[i].text)
        # "adversarial jailbreak" and "adversarial jailbreak attacks": one of them only
        if any(w <= k or k <= w for k in words):
            continue
        kept.append(i)
        words.append(w)
        if len(kept) == top:
            break
    return [Keyphrase(cands[i].text, round(float(sim[i]), 4)) for i in kept]

