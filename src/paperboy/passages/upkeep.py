"""What serve's jobs do after each round of the full-text job: keep the stored texts within
PAPERBOY_FULLTEXT_MAX_GB (fulltext/budget.py), then bring the passage index up to date."""

from __future__ import annotations

import psycopg

from paperboy.fulltext import budget
from paperboy.passages.index import PassageIndex


def upkeep(conn: psycopg.Connection, index: PassageIndex, max_bytes: int) -> tuple[list[str], int]:
    """(papers evicted, texts indexed or dropped from the passage index)."""
    evicted = budget.enforce(conn, max_bytes)
    return evicted, index.sync(conn)
