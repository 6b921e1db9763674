"""arXiv metadata by id: papers with an arXiv id and missing fields are read from the arXiv
API in batches (``id_list``, up to 100 ids a request), parsed by the fetcher's Atom parser.

What is filled (:func:`fill`, a pure function) and what never is:

- published date, comment, categories (primary first), DOI and journal reference, abstract:
  only when the paper has none;
- updated date and version: when arXiv's are later (the paper has a newer version);
- the author list: when the stored one is not known to be complete (a Daily Papers scrape
  often keeps only the first author) and arXiv's is at least as long; it is marked complete;
- withdrawn: set when arXiv's latest version says so.

Titles, and every field an import or a member gave, are never replaced. Every field filled is
recorded in ``papers.field_sources`` as coming from "arxiv".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from paperboy.db import locks
from paperboy.fetch.client import FetchError, PoliteClient, Retry
from paperboy.papers.record import Paper, ParseError
from paperboy.sources import arxiv_atom

SOURCE = "arxiv"
BATCH = 100  # ids a request: the most the arXiv API's id_list is asked for at once
WANTED = ("p.published_at IS NULL OR p.updated_at IS NULL OR p.version IS NULL OR NOT p.authors_complete"
          " OR p.categories = '{}'")
_EXTRA = ("doi", "journal_ref")  # stored in papers.extra (as the Atom parser gives them)


def _check(response: httpx.Response) -> list[Paper]:
    try:
        result, _ = arxiv_atom.parse_page(response.text)
    except ParseError as e:
        if str(e).startswith("arXiv API error"):
            raise FetchError(str(e)) from None  # asking again will not help
        raise Retry(f"broken answer: {e}") from None
    return result.papers


def fetch(client: PoliteClient, cfg: Any, rows: list[dict[str, Any]]) -> dict[str, Paper]:
    """arXiv's record of each paper, by arXiv id (the ids arXiv does not know are absent)."""
    ids = [r["arxiv_id"] for r in rows]
    params = {"search_query": "", "id_list": ",".join(ids), "start": 0, "max_results": len(ids)}
    papers = client.get(cfg.fetch.arxiv_url, params=params, check=_check,
                        what=f"{len(ids)} ids from {ids[0]}")
    found = {p.arxiv_id: p for p in papers if p.arxiv_id}
    if not found and len(ids) > 1:
        raise FetchError(f"arXiv answered no entry for any of {len(ids)} ids (a hiccup; asked again later)")
    return found


def fill(row: Mapping[str, Any], found: Paper) -> dict[str, Any]:
    """The columns (and ``extra`` keys) to set on the stored ``row`` from arXiv's record
    ``found``: only what is missing or newer (see the module's docstring).

    >>> from datetime import date
    >>> row = {"published_at": None, "updated_at": None, "version": 1, "authors": ["A. Smith"],
    ...        "authors_complete": False, "categories": [], "comment": None, "summary": "x",
    ...        "extra": {}, "withdrawn": False}
    >>> rec = Paper(title="T", source="arxiv-atom", arxiv_id="2410.00001", version=2,
    ...             authors=("A. Smith", "B. Jones"), categories=("cs.CL", "cs.AI"),
    ...             published_at=date(2024, 10, 1), updated_at=date(2024, 10, 9))
    >>> sorted(fill(row, rec).items())[:4]  # doctest: +NORMALIZE_WHITESPACE
    [('authors', ['A. Smith', 'B. Jones']), ('authors_complete', True),
     ('categories', ['cs.CL', 'cs.AI']), ('published_at', datetime.date(2024, 10, 1))]
    """
    ch: dict[str, Any] = {}
    if row["published_at"] is None and found.published_at:
        ch["published_at"] = found.published_at
    if found.updated_at and (row["updated_at"] is None or found.updated_at > row["updated_at"]):
        ch["updated_at"] = found.updated_at
    if found.version and (row["version"] is None or found.version > row["version"]):
        ch["version"] = found.version
    if found.authors and not row["authors_complete"] and len(found.authors) >= len(row["authors"] or ()):
        ch["authors"] = list(found.authors)
        ch["authors_complete"] = True
    if not row["categories"] and found.categories:
        ch["categories"] = list(found.categories)
    if not row["comment"] and found.comment:
        ch["comment"] = found.comment
    if not row["summary"] and found.summary:
        ch["summary"] = found.summary
    extra = row["extra"] or {}
    for key in _EXTRA:
        if not extra.get(key) and found.extra.get(key):
            ch[key] = found.extra[key]
    if found.withdrawn and not row["withdrawn"]:  # the API gives the latest version: it decides
        ch["withdrawn"] = True
    return ch


def store_fill(conn: psycopg.Connection, paper_id: str, changes: Mapping[str, Any], source: str) -> None:
    """Write ``changes`` (from :func:`fill`) to the paper, recording ``source`` for each field.
    Call inside a transaction holding the store's write lock."""
    columns = {k: v for k, v in changes.items() if k not in _EXTRA}
    extra = {k: v for k, v in changes.items() if k in _EXTRA}
    sets = [sql.SQL("{} = {}").format(sql.Identifier(k), sql.Placeholder(k)) for k in columns]
    sets.append(sql.SQL("extra = extra || {}").format(sql.Placeholder("_extra")))
    sets.append(sql.SQL("field_sources = field_sources || {}").format(sql.Placeholder("_sources")))
    query = sql.SQL("UPDATE papers SET {}, modified = now() WHERE id = {}").format(
        sql.SQL(", ").join(sets), sql.Placeholder("_id"))
    sources = {k: source for k in changes if k != "authors_complete"}
    conn.execute(query, {**columns, "_extra": Jsonb(extra), "_sources": Jsonb(sources), "_id": paper_id})
    if "summary" in changes:  # the text changed: the embedding job redoes its vector
        conn.execute("DELETE FROM embeddings WHERE paper_id = %s", (paper_id,))


def describe(changes: Mapping[str, Any]) -> str:
    names = [k for k in changes if k != "authors_complete"]
    return f"filled {', '.join(names)}" if names else "nothing missing"


def apply(conn: psycopg.Connection, rows: list[dict[str, Any]], found: dict[str, Paper]) -> dict[str, str | None]:
    locks.xact_lock(conn, locks.STORE_WRITE)  # imports merge papers under it: no lost update
    notes: dict[str, str | None] = {}
    for row in rows:
        # the row as it is now, under the lock (an import may have changed it since it was read)
        now = conn.execute("SELECT * FROM papers WHERE id = %s", (row["id"],)).fetchone()
        record = found.get(row["arxiv_id"])
        if now is None or record is None:
            notes[row["id"]] = "the paper is gone" if now is None else None
            continue
        changes = fill(now, record)
        if changes:
            store_fill(conn, now["id"], changes, SOURCE)
        notes[row["id"]] = describe(changes)
    return notes
