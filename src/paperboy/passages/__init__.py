"""Search by passage (docs/fulltext.md#search-by-passage): split.py (a stored text cut into
passages, pure), index.py (their tantivy index under {home}/passages/), search.py (a keyword
leg of papers from it, snippets), library.py (search inside a member's library), upkeep.py
(what the full-text job does after storing texts: the budget, then the index)."""
