"""Keyphrases of a paper, computed here from its title and abstract (no remote model, no
LLM): KeyBERT's recipe over the shipped all-MiniLM-L6-v2. Candidates are the noun-phrase-ish
runs of candidates.py; each is encoded, ranked by cosine to the paper's own vector (the one
the embedding job stores, reused), and chosen with maximal marginal relevance so the list is
not ten spellings of one idea. bench/keyphrases.py compared it with YAKE and tf-idf against
Hugging Face's ``ai_keywords``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from paperboy.keyphrases.candidates import candidates, key
from paperboy.keyphrases.rank import mmr

METHOD = "keybert-minilm"  # what made them: stored with every list, shown on the page
VERSION = 1  # bump when the method changes: stored lists of an older version are made again
TOP = 10
DIVERSITY = 0.3


@dataclass(frozen=True)
class Keyphrase:
    text: str
    score: float  # cosine to the paper (before MMR's diversity)


def extract(title: str, summary: str, vector: Sequence[float] | np.ndarray | None = None,
            top: int = TOP) -> list[Keyphrase]:
    """The keyphrases of a paper, best first. ``vector`` is the paper's stored embedding
    (encoded here when not given)."""
    from paperboy import embeddings

    cands = candidates(title, summary)
    if not cands:
        return []
    doc = np.asarray(vector, dtype=np.float32) if vector is not None else \
        embeddings.encode([embeddings.paper_text(title, summary)])[0]
    vecs = embeddings.encode([c.text for c in cands])
    sim = vecs @ doc
    return [Keyphrase(cands[i].text, round(float(sim[i]), 4)) for i in mmr(sim, vecs, top, DIVERSITY)]


__all__ = ["METHOD", "VERSION", "Keyphrase", "extract", "key"]
