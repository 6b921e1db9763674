"""Naming topics: their distinctive words and phrases by class-based TF-IDF (c-TF-IDF, as
BERTopic does): the papers of one topic are read as one document, a term scores by how much
of that document it is, weighted by how rare it is across all topics.

Terms are single words and two-word phrases of titles and abstracts (a title counts twice),
English and academic filler words dropped.
"""

from __future__ import annotations

import numpy as np

KEYWORDS = 8  # kept per topic, best first
IN_LABEL = 3  # the label: the first three, joined
ABSTRACT_CHARS = 1200  # enough of an abstract to name its field; keeps a 75,000-paper build fast
FILLER = frozenset("""
paper propose proposed proposes approach approaches method methods result results show shows
shown novel new use using used based existing work works framework task tasks performance
state art study studies present presents introduce introduces achieve achieves achieved
demonstrate demonstrates experiments experimental extensive significantly significant
effective effectively efficient improve improves improved improvement evaluate evaluation
problem problems challenge challenges challenging address key various different furthermore
specifically code available github com https http www et al ii iii
""".split())


def documents(titles: list[str], abstracts: list[str]) -> list[str]:
    return [f"{t}. {t}. {(a or '')[:ABSTRACT_CHARS]}" for t, a in zip(titles, abstracts, strict=True)]


def name(docs: list[str], labels: np.ndarray, k: int, keywords: int = KEYWORDS) -> list[list[str]]:
    """Each cluster's keywords (best first) from its papers' ``docs``."""
    from scipy import sparse
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    if not docs:
        return [[] for _ in range(k)]
    vectorizer = CountVectorizer(
        ngram_range=(1, 2), lowercase=True, min_df=2 if len(docs) < 5000 else 5,
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9\-]+\b",
        stop_words=sorted(ENGLISH_STOP_WORDS | FILLER), dtype=np.float32)
    try:
        counts = vectorizer.fit_transform(docs)
    except ValueError:  # nothing left to count (every word is too rare or a stop word)
        return [[] for _ in range(k)]
    terms = vectorizer.get_feature_names_out()
    onehot = sparse.csr_matrix((np.ones(len(docs), np.float32), (labels, np.arange(len(docs)))),
                               shape=(k, len(docs)))
    per_class = np.asarray((onehot @ counts).todense(), dtype=np.float64)  # k × terms
    words = per_class.sum(axis=1, keepdims=True)
    tf = per_class / np.maximum(words, 1)
    idf = np.log(1 + words.mean() / np.maximum(per_class.sum(axis=0), 1))
    scores = tf * idf
    out = []
    for c in range(k):
        chosen: list[str] = []
        seen: set[str] = set()
        for j in np.argsort(-scores[c])[: keywords * 6]:
            if scores[c, j] <= 0:
                break
            term = str(terms[j])
            parts = {w[:-1] if w.endswith("s") and len(w) > 3 else w for w in term.split()}  # crude plural
            if parts <= seen:  # its words are already named
                continue
            chosen = [t for t in chosen if not (" " not in t and (t[:-1] if t.endswith("s") and len(t) > 3 else t) in parts)]  # a phrase replaces its word
            chosen.append(term)
            seen |= parts
            if len(chosen) >= keywords:
                break
        out.append(chosen)
    return out


def label(keywords: list[str], fallback: str) -> str:
    return ", ".join(keywords[:IN_LABEL]) or fallback
