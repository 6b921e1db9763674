"""Papers' full text from arXiv's HTML (docs/fulltext.md): convert.py (LaTeXML HTML to
Markdown and an outline, pure), source.py (the enrichment source "fulltext"), store.py (stored
compressed in PostgreSQL), asks.py (a member asks for one paper)."""
