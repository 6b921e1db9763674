"""Keyphrases of a paper, computed here from its title and abstract (no remote model, no
LLM): KeyBERT's recipe over the shipped all-MiniLM-L6-v2. Candidates are the noun-phrase-ish
runs of candidates.py (the 64 likeliest, extract.py); each is encoded, ranked by cosine to the paper's own vector (the one
the embedding job stores, reused), and chosen with maximal marginal relevance so the list is
not ten spellings of one idea. bench/keyphrases.py compared it with YAKE and tf-idf against
Hugging Face's ``ai_keywords`` (docs/search.md has the figures).

This module is light (no numpy, no model): papers/view.py imports it for :class:`Shown` and
:func:`api_keywords`; extract.py and store.py hold the work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class Shown:
    """A paper's keyphrases as pages and the API show them (papers/view.py)."""

    phrases: tuple[str, ...] = ()
    method: str | None = None

    @classmethod
    def of(cls, value: Mapping[str, Any] | None) -> Shown:
        """From the ``keyphrases`` select item (papers/store.keyphrases_sql), or NULL."""
        value = value or {}
        return cls(tuple(value.get("phrases") or ()), value.get("method"))

    @property
    def made_by(self) -> str:
        return made_by(self.method)

    def __bool__(self) -> bool:
        return bool(self.phrases)


def api_keywords(hf: list[str] | None, ours: Shown) -> dict[str, Any]:
    """The HF-shaped API's ``ai_keywords``: Hugging Face's where imported, else ours; and
    ``ai_keywords_source`` saying which ("hf", "paperboy", or None when neither is known).

    >>> api_keywords(None, Shown(("flow matching",), METHOD))
    {'ai_keywords': ['flow matching'], 'ai_keywords_source': 'paperboy'}
    >>> api_keywords(["DeltaNet"], Shown(("flow matching",), METHOD))["ai_keywords_source"]
    'hf'
    """
    if hf:
        return {"ai_keywords": list(hf), "ai_keywords_source": "hf"}
    if ours:
        return {"ai_keywords": list(ours.phrases), "ai_keywords_source": "paperboy"}
    return {"ai_keywords": None, "ai_keywords_source": None}
