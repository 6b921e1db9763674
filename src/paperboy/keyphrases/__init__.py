"""Keyphrases of a paper, computed here from its title and abstract (no remote model, no
LLM): KeyBERT's recipe over the shipped all-MiniLM-L6-v2. Candidates are the noun-phrase-ish
runs of candidates.py; each is encoded, ranked by cosine to the paper's own vector (the one
the embedding job stores, reused), and chosen with maximal marginal relevance so the list is
not ten spellings of one idea. bench/keyphrases.py compared it with YAKE and tf-idf against
Hugging Face's ``ai_keywords``.
"""

from __future__ import annotations

METHOD = "keybert-minilm"  # what made them: stored with every list, shown on the page
VERSION = 1  # bump when the method changes: stored lists of an older version are made again

# method -> how the page says they were made
MADE_BY = {
    "keybert-minilm": "computed here from the title and abstract: KeyBERT's recipe over "
                      "all-MiniLM-L6-v2 (candidate phrases ranked by similarity to the paper, "
                      "kept diverse)",
}


def made_by(method: str | None) -> str:
    """How keyphrases of ``method`` were made, for the page.

    >>> made_by("keybert-minilm")[:32]
    'computed here from the title and'
    >>> made_by("other")
    'computed here (other)'
    """
    return MADE_BY.get(method or "", f"computed here ({method})")
