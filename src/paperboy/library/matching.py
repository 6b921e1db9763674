"""Which known paper each library entry is: by arXiv id, else by normalised title.

An arXiv id matches a paper whose ``arxiv_id`` or ``id`` it is, or a paper another one was
merged into (``paper_aliases``, curation merges). Without an id, or with one no stored paper
has, the normalised title (the ``papers.title_key`` the store keeps) decides; when several
papers share it, one with an arXiv id is preferred, then the smallest id, so the answer is
stable. Last, an entry whose id is one of paperboy's own title ids (``t-`` and 12 hex digits,
as its CSL-JSON and RIS exports write them) is that paper: those exports print a title's maths
as Unicode (``LLM×MapReduce``), which no longer normalises like the stored TeX. An entry that
matches nothing is library-only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg

from paperboy.library.entry import Entry

_TITLE_ID = re.compile(r"t-[0-9a-f]{12}")  # papers.record.title_id


@dataclass(frozen=True)
class Match:
    """The paper an entry is, and how it was found ("arxiv" or "title")."""

    paper_id: str
    title: str
    by: str


def _by_id(conn: psycopg.Connection, ids: list[str], by: str = "arxiv") -> dict[str, Match]:
    if not ids:
        return {}
    rows = conn.execute(
        "SELECT k.key, p.id, p.title FROM unnest(%(ids)s::text[]) AS k(key)"
        " JOIN LATERAL (SELECT p.id, p.title FROM papers p"
        "   WHERE p.arxiv_id = k.key OR p.id = k.key"
        "      OR p.id = (SELECT a.paper_id FROM paper_aliases a WHERE a.old_id = k.key)"
        "   ORDER BY p.arxiv_id = k.key DESC NULLS LAST, p.id = k.key DESC, p.id LIMIT 1) p ON true",
        {"ids": ids},
    ).fetchall()
    return {r["key"]: Match(r["id"], r["title"], by) for r in rows}


def _by_title(conn: psycopg.Connection, keys: list[str]) -> dict[str, Match]:
    if not keys:
        return {}
    rows = conn.execute(
        "SELECT DISTINCT ON (title_key) title_key, id, title FROM papers"
        " WHERE title_key = ANY(%s) ORDER BY title_key, arxiv_id IS NULL, id",
        (keys,),
    ).fetchall()
    return {r["title_key"]: Match(r["id"], r["title"], "title") for r in rows}


def match(conn: psycopg.Connection, entries: Sequence[Entry]) -> list[Match | None]:
    """The paper each entry is (in order), or None for a library-only entry."""
    by_id = _by_id(conn, sorted({e.arxiv_id for e in entries if e.arxiv_id}))
    by_title = _by_title(conn, sorted({e.title_key for e in entries}))
    own = sorted({e.cite_key for e in entries if e.cite_key and _TITLE_ID.fullmatch(e.cite_key)})
    by_own = _by_id(conn, own, "title")
    return [(by_id.get(e.arxiv_id) if e.arxiv_id else None) or by_title.get(e.title_key)
            or by_own.get(e.cite_key or "") for e in entries]


def rematch(conn: psycopg.Connection) -> int:
    """Library-only entries whose paper has arrived since (a fetch, an import) now point at
    it, by the same rules; how many. The background job runs it after embedding new papers."""
    rows = conn.execute(
        "SELECT id, arxiv_id, title_key FROM library_entries WHERE paper_id IS NULL").fetchall()
    if not rows:
        return 0
    by_id = _by_id(conn, sorted({r["arxiv_id"] for r in rows if r["arxiv_id"]}))
    by_title = _by_title(conn, sorted({r["title_key"] for r in rows}))
    found = [(m.paper_id, r["id"]) for r in rows
             if (m := (by_id.get(r["arxiv_id"]) if r["arxiv_id"] else None) or by_title.get(r["title_key"]))]
    if found:
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany("UPDATE library_entries SET paper_id = %s, embedding = NULL"
                            " WHERE id = %s AND paper_id IS NULL", found)
    conn.commit()
    return len(found)
