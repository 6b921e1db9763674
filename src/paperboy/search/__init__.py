"""Search: keyword (BM25, tantivy) + semantic (MiniLM vectors, pgvector), fused; similar papers."""

from paperboy.search.hybrid import Searcher, SearchResult, similar
from paperboy.search.keyword import Filters

__all__ = ["Filters", "SearchResult", "Searcher", "similar"]
