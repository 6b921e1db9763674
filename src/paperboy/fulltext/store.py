"""Full texts in PostgreSQL (table ``fulltexts``): the Markdown zlib-compressed, its outline
and the arXiv version it came from; or, for a paper without one, 'none' and why."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from paperboy.fulltext.convert import Heading

LEVEL = 6  # zlib's level: 9 saves ~2 % more and costs twice the CPU


@dataclass(frozen=True)
class FullText:
    paper_id: str
    version: int | None
    markdown: str
    outline: list[Heading]
    truncated: bool


def save_text(conn: psycopg.Connection, paper_id: str, version: int | None, markdown: str,
              outline: list[Heading], truncated: bool = False) -> int:
    """Store (or replace) a paper's text; returns the compressed size in bytes."""
    packed = zlib.compress(markdown.encode("utf-8"), LEVEL)
    conn.execute(
        "INSERT INTO fulltexts (paper_id, status, version, reason, markdown, outline, chars, truncated, fetched)"
        " VALUES (%s, 'text', %s, NULL, %s, %s, %s, %s, now()) ON CONFLICT (paper_id) DO UPDATE SET"
        " status = 'text', version = EXCLUDED.version, reason = NULL, markdown = EXCLUDED.markdown,"
        " outline = EXCLUDED.outline, chars = EXCLUDED.chars, truncated = EXCLUDED.truncated, fetched = now()",
        (paper_id, version, packed, Jsonb([h.as_dict() for h in outline]), len(markdown), truncated))
    return len(packed)


def save_none(conn: psycopg.Connection, paper_id: str, version: int | None, reason: str) -> None:
    """Record that a paper has no full text, and why. A text stored before (of an older
    version) is kept: a newer version without HTML does not take the older text away."""
    conn.execute(
        "INSERT INTO fulltexts (paper_id, status, version, reason) VALUES (%s, 'none', %s, %s)"
        " ON CONFLICT (paper_id) DO UPDATE SET version = EXCLUDED.version, reason = EXCLUDED.reason,"
        " fetched = now(), status = CASE WHEN fulltexts.markdown IS NULL THEN 'none' ELSE fulltexts.status END",
        (paper_id, version, reason[:300]))


def load(conn: psycopg.Connection, paper_id: str) -> FullText | None:
    """A paper's text, or None when none is known."""
    row = conn.execute("SELECT * FROM fulltexts WHERE paper_id = %s AND markdown IS NOT NULL",
                       (paper_id,)).fetchone()
    return _of(row) if row else None


def _of(row: dict[str, Any]) -> FullText:
    return FullText(row["paper_id"], row["version"], zlib.decompress(row["markdown"]).decode("utf-8"),
                    [Heading(h["level"], h["title"], h["anchor"]) for h in row["outline"]], row["truncated"])
