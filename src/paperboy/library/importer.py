"""A member's library: importing a reference manager's file, listing, removing, exporting.

An import reads the file (:func:`read_text`), picks the parser (:mod:`~paperboy.library.detect`),
parses, matches each entry to a known paper (:mod:`~paperboy.library.matching`), drops
duplicates — within the file and against the member's library: the same arXiv id, the same
normalised title, or the same matched paper is one entry — and stores the rest with a row of
``library_imports``, in one transaction. Library-only entries are stored without a vector;
the background job (or the command, at once) embeds them (:mod:`~paperboy.library.embed`).

Limits: a file of at most :data:`MAX_BYTES`, at most :data:`MAX_ENTRIES` entries per import,
and at most :data:`MAX_LIBRARY` entries in one member's library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg

from paperboy.library import matching
from paperboy.library.detect import PARSERS, detect_format, format_named
from paperboy.library.entry import Entry, LibraryError, Parsed, Rejection
from paperboy.library.export import Exported, export
from paperboy.papers import view

MAX_BYTES = 5_000_000  # a file's size: 5 MB holds some 10,000 BibTeX entries with abstracts
MAX_ENTRIES = 10_000  # entries per import (a large personal library; parsing takes ~5 s)
MAX_LIBRARY = 50_000  # entries one member's library may hold in all
PAGE = 50  # entries per page of the listing (at most 500)


def _mb(n: int) -> str:
    return f"{n / 1_000_000:g} MB"


def read_text(data: bytes) -> str:
    """The text of an uploaded file: UTF-8 (with or without a byte order mark), else Latin-1
    (older BibTeX files); :class:`LibraryError` for a file too large or not text at all."""
    if len(data) > MAX_BYTES:
        raise LibraryError(f"The file is too large: at most {_mb(MAX_BYTES)} per import.")
    if b"\x00" in data[:65536]:
        raise LibraryError("This is not a text file: expected BibTeX (.bib), CSL-JSON (.json) or RIS (.ris).")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def parse(text: str, filename: str = "", fmt: str | None = None) -> Parsed:
    """The file's entries (pure: no database); :class:`LibraryError` when it cannot be read."""
    if len(text) > MAX_BYTES:
        raise LibraryError(f"The file is too large: at most {_mb(MAX_BYTES)} per import.")
    name = format_named(fmt) if fmt else detect_format(filename, text)
    parsed = PARSERS[name](text)
    if len(parsed.entries) > MAX_ENTRIES:
        raise LibraryError(f"The file holds {len(parsed.entries):,} entries: at most {MAX_ENTRIES:,} "
                           "per import (split it in parts).")
    if not parsed.entries:
        why = "; ".join(f"{r.where}: {r.reason}" for r in parsed.rejected[:3])
        raise LibraryError(f"Nothing to import: no readable {name} entries in the file"
                           + (f" ({why}{'; …' if len(parsed.rejected) > 3 else ''})." if why else "."))
    return parsed


@dataclass
class ImportSummary:
    """What one import did: the papers matched (id, title), the library-only entries'
    titles, how many entries were already there (or twice in the file), and each rejection."""

    format: str
    filename: str = ""
    matched: list[tuple[str, str]] = field(default_factory=list)
    library_only: list[str] = field(default_factory=list)
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    @property
    def n_matched(self) -> int:
        return len(self.matched)

    def as_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "matched": len(self.matched),
            "matchedPapers": [{"id": i, "title": t} for i, t in self.matched],
            "libraryOnly": list(self.library_only),
            "duplicates": self.duplicates,
            "rejected": [{"where": r.where, "reason": r.reason} for r in self.rejected],
        }


_INSERT = (
    "INSERT INTO library_entries (member_id, paper_id, title, title_key, abstract, authors, year,"
    " arxiv_id, doi, url, cite_key) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (member_id, title_key) DO NOTHING RETURNING title_key"
)


def _existing(conn: psycopg.Connection, member_id: int, entries: Sequence[Entry],
              papers: Sequence[str]) -> tuple[set[str], set[str], set[str]]:
    rows = conn.execute(
        "SELECT arxiv_id, title_key, paper_id FROM library_entries WHERE member_id = %s"
        " AND (arxiv_id = ANY(%s) OR title_key = ANY(%s) OR paper_id = ANY(%s))",
        (member_id, [e.arxiv_id for e in entries if e.arxiv_id], [e.title_key for e in entries],
         list(papers)),
    ).fetchall()
    return ({r["arxiv_id"] for r in rows if r["arxiv_id"]}, {r["title_key"] for r in rows},
            {r["paper_id"] for r in rows if r["paper_id"]})


def _new(conn: psycopg.Connection, member_id: int, parsed: Parsed) -> tuple[list[tuple[Entry, Any]], int]:
    """The entries not in the library yet (with their match), and how many were duplicates."""
    matches = matching.match(conn, parsed.entries)
    ids, keys, papers = _existing(conn, member_id, parsed.entries,
                                  [m.paper_id for m in matches if m])
    new, duplicates = [], 0
    for entry, m in zip(parsed.entries, matches, strict=True):
        key = entry.title_key
        if (entry.arxiv_id and entry.arxiv_id in ids) or key in keys or (m and m.paper_id in papers):
            duplicates += 1
            continue
        ids.add(entry.arxiv_id) if entry.arxiv_id else None
        keys.add(key)
        papers.add(m.paper_id) if m else None
        new.append((entry, m))
    return new, duplicates


def import_library(conn: psycopg.Connection, member_id: int, text: str, filename: str = "",
                   fmt: str | None = None) -> ImportSummary:
    """Import a library file into the member's library; :class:`LibraryError` (a message for
    the member) when the file cannot be imported at all."""
    parsed = parse(text, filename, fmt)
    summary = ImportSummary(format=parsed.format, filename=filename[:200], rejected=parsed.rejected)
    with conn.transaction():
        total = conn.execute("SELECT count(*) AS n FROM library_entries WHERE member_id = %s",
                             (member_id,)).fetchone()["n"]
        new, summary.duplicates = _new(conn, member_id, parsed)
        if total + len(new) > MAX_LIBRARY:
            raise LibraryError(f"Your library would hold {total + len(new):,} entries: at most "
                               f"{MAX_LIBRARY:,} (remove some first).")
        stored: set[str] = set()
        if new:
            with conn.cursor() as cur:
                cur.executemany(_INSERT, [
                    (member_id, m.paper_id if m else None, e.title, e.title_key, e.abstract,
                     list(e.authors), e.year, e.arxiv_id, e.doi, e.url, e.cite_key) for e, m in new],
                    returning=True)
                while True:
                    stored.update(r["title_key"] for r in cur.fetchall())
                    if not cur.nextset():
                        break
        for entry, m in new:
            if entry.title_key not in stored:  # an import of the same file at the same moment
                summary.duplicates += 1
            elif m:
                summary.matched.append((m.paper_id, m.title))
            else:
                summary.library_only.append(entry.title)
        conn.execute(
            "INSERT INTO library_imports (member_id, filename, format, matched, library_only,"
            " duplicates, rejected) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (member_id, summary.filename, summary.format, len(summary.matched),
             len(summary.library_only), summary.duplicates, len(summary.rejected)))
    return summary


@dataclass
class LibraryPage:
    """One page of a member's library, newest first, with the counts of the whole."""

    entries: list[dict[str, Any]]
    total: int
    matched: int
    library_only: int
    offset: int
    limit: int

    def as_json(self) -> dict[str, Any]:
        return {
            "total": self.total, "matched": self.matched, "libraryOnly": self.library_only,
            "offset": self.offset, "limit": self.limit,
            "entries": [{
                "id": e["id"], "title": e["title"], "authors": e["authors"], "year": e["year"],
                "arxivId": e["arxiv_id"], "doi": e["doi"], "url": e["url"], "citeKey": e["cite_key"],
                "paperId": e["paper_id"], "embedded": e["embedded"],
                "imported": e["imported"].isoformat() if e["imported"] else None,
            } for e in self.entries],
        }


def library(conn: psycopg.Connection, member_id: int, offset: int = 0, limit: int = PAGE) -> LibraryPage:
    """The member's entries, newest first: matched ones (``paper_id`` set) and library-only."""
    offset, limit = max(0, offset), max(1, min(limit, 500))
    counts = conn.execute(
        "SELECT count(*) AS total, count(paper_id) AS matched FROM library_entries WHERE member_id = %s",
        (member_id,)).fetchone()
    rows = conn.execute(
        "SELECT e.id, e.title, e.authors, e.year, e.arxiv_id, e.doi, e.url, e.cite_key, e.paper_id,"
        " e.imported, e.embedding IS NOT NULL AS embedded FROM library_entries e"
        " WHERE e.member_id = %s ORDER BY e.id DESC OFFSET %s LIMIT %s",
        (member_id, offset, limit)).fetchall()
    return LibraryPage(entries=rows, total=counts["total"], matched=counts["matched"],
                       library_only=counts["total"] - counts["matched"], offset=offset, limit=limit)


def remove_entry(conn: psycopg.Connection, member_id: int, entry_id: int) -> bool:
    """Remove one entry of the member's library; whether there was one (another member's: no)."""
    with conn.transaction():
        return conn.execute("DELETE FROM library_entries WHERE id = %s AND member_id = %s",
                            (entry_id, member_id)).rowcount > 0


def clear(conn: psycopg.Connection, member_id: int) -> int:
    """Remove every entry of the member's library; how many there were."""
    with conn.transaction():
        return conn.execute("DELETE FROM library_entries WHERE member_id = %s", (member_id,)).rowcount


def library_papers(conn: psycopg.Connection, member_id: int) -> list[dict[str, Any]]:
    """The known papers of the member's library (matched entries), in the HF paper shape."""
    rows = conn.execute(
        "SELECT p.* FROM library_entries e JOIN papers p ON p.id = e.paper_id"
        " WHERE e.member_id = %s ORDER BY e.id", (member_id,)).fetchall()
    return [view.of(r).hf_paper() for r in rows]


def export_library(conn: psycopg.Connection, member_id: int, fmt: str) -> Exported:
    """The known papers of the member's library as a BibTeX, CSL-JSON or RIS file."""
    return export(library_papers(conn, member_id), fmt)
