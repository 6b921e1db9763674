"""Papers without an arXiv id (from saved listing pages) matched to arXiv by a title search.

A result is accepted only when its normalised title (case, accents, punctuation and spacing
removed: record.normalise_title) is the paper's exactly, and, when the paper has author names,
the two share a family name; two different arXiv papers of that title are refused as
ambiguous. A near miss (one word apart) is never taken, however close.

The match is stored the way an import of arXiv's record would be (papers/store.py): the
id-less paper becomes the arXiv paper, or, when the hub has that arXiv paper already, is
merged into it with the curators' merge (community/merging.py): its votes, comments,
listings and collections move over and its old id keeps answering.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from paperboy.community import merging
from paperboy.db import locks
from paperboy.enrich.arxiv_meta import _check
from paperboy.fetch.client import PoliteClient
from paperboy.papers import store
from paperboy.papers.record import Paper, normalise_title

SOURCE = "arxiv-title"
RESULTS = 10  # search results read per paper


def query(title: str) -> str:
    """arXiv's search for the title's words as a phrase (its punctuation would be syntax).

    >>> query("Movie Gen: A Cast of Media Foundation Models")
    'ti:"movie gen a cast of media foundation models"'
    """
    return f'ti:"{normalise_title(title)[:300]}"'


def fetch(client: PoliteClient, cfg: Any, rows: list[dict[str, Any]]) -> list[Paper]:
    row = rows[0]
    params = {"search_query": query(row["title"]), "start": 0, "max_results": RESULTS}
    return client.get(cfg.fetch.arxiv_url, params=params, check=_check, what=f"title of {row['id']}")


def _family(name: str) -> str:
    """A name's family name, folded: "Ashish Vaswani" and "VASWANI, A." both give "vaswani"."""
    name = unicodedata.normalize("NFKD", name)
    name = "".join(c for c in name if not unicodedata.combining(c)).casefold()
    if "," in name:
        return name.split(",")[0].strip()
    parts = name.split()
    return parts[-1].strip(".") if parts else ""


def match(row: Mapping[str, Any], found: Sequence[Paper]) -> Paper | None:
    """The one arXiv record that is this paper, or None (see the module's docstring).

    >>> a = Paper(title="Attention Is All You Need", source="arxiv-atom", arxiv_id="1706.03762",
    ...           authors=("Ashish Vaswani", "Noam Shazeer"))
    >>> row = {"title": "Attention is all you need!", "authors": []}
    >>> match(row, [a]).arxiv_id
    '1706.03762'
    >>> match({"title": "Attention is all you need", "authors": ["J. Doe"]}, [a]) is None
    True
    >>> match({"title": "Attention is not all you need", "authors": []}, [a]) is None
    True
    """
    key = normalise_title(row["title"])
    same = [p for p in found if p.arxiv_id and normalise_title(p.title) == key]
    names = {_family(a) for a in row.get("authors") or () if _family(a)}
    if names:
        same = [p for p in same if names & {_family(a) for a in p.authors}]
    if len({p.arxiv_id for p in same}) != 1:
        return None
    return same[0]


def apply(conn: psycopg.Connection, rows: list[dict[str, Any]], found: list[Paper]) -> dict[str, str | None]:
    row = rows[0]
    locks.xact_lock(conn, locks.STORE_WRITE)
    now = conn.execute("SELECT * FROM papers WHERE id = %s", (row["id"],)).fetchone()
    if now is None:
        return {row["id"]: "the paper is gone"}
    if now["arxiv_id"]:
        return {row["id"]: f"has arXiv id {now['arxiv_id']} now"}
    hit = match(now, found)
    if hit is None:
        near = sum(1 for p in found if p.arxiv_id)
        return {row["id"]: f"no exact title match among {near} arXiv results"}
    old_id, into = now["id"], hit.arxiv_id
    assert into is not None
    # Stored as an import of arXiv's record together with this paper's own (its upvotes,
    # listing day, sources): the store merges both, renaming the id-less row when the hub
    # has no such arXiv paper yet.
    store.store_batch(conn, [hit, store.row_to_paper(now).with_(arxiv_id=into, version=None)])
    if conn.execute("SELECT 1 FROM papers WHERE id = %s", (old_id,)).fetchone():
        merging.merge_paper(conn, old_id, into)  # the hub had it: the curators' merge
    else:  # renamed by the store: its old address keeps answering, like a merged paper's
        conn.execute("INSERT INTO paper_aliases (old_id, paper_id) VALUES (%s, %s)"
                     " ON CONFLICT (old_id) DO UPDATE SET paper_id = EXCLUDED.paper_id", (old_id, into))
    conn.execute("UPDATE papers SET field_sources = field_sources || %s WHERE id = %s",
                 (Jsonb({"arxiv_id": SOURCE}), into))
    # The arXiv paper came whole from arXiv: nothing left for either arXiv source to do.
    conn.execute("DELETE FROM enrich_state WHERE paper_id = %s AND source = %s", (into, SOURCE))
    conn.execute("INSERT INTO enrich_state (paper_id, source, status, note) VALUES (%s, 'arxiv', 'done', %s)"
                 " ON CONFLICT (paper_id, source) DO NOTHING", (into, f"came whole with the title match of {old_id}"))
    return {old_id: f"merged into arXiv {into}"}
