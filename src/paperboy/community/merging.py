"""What a curator's merge of two papers does to every row that names the merged paper.

Every table with a foreign key to ``papers`` is listed here, either in MOVES (its rows go to
the kept paper) or in DROPPED (its rows go with the merged paper, and why). A test reads the
foreign keys of the migrated schema and fails on one that is in neither, so a new table that
references papers cannot be forgotten: deleting the merged paper would silently cascade to it.

Rows the kept paper already has stay single: a member who voted for both, saved both in one
collection, marked both "not interested" or imported both keeps one row.
"""

from __future__ import annotations

import psycopg

# table -> the statements that move its rows from %(old)s to %(into)s (in order)
MOVES: dict[str, tuple[str, ...]] = {
    "votes": (
        "DELETE FROM votes v WHERE v.paper_id = %(old)s"
        " AND EXISTS (SELECT 1 FROM votes w WHERE w.paper_id = %(into)s AND w.member_id = v.member_id)",
        "UPDATE votes SET paper_id = %(into)s WHERE paper_id = %(old)s",
    ),
    "comments": ("UPDATE comments SET paper_id = %(into)s WHERE paper_id = %(old)s",),
    "listings": (
        "INSERT INTO listings (paper_id, day, source) SELECT %(into)s, day, source FROM listings"
        " WHERE paper_id = %(old)s ON CONFLICT DO NOTHING",
    ),
    "new_listings": (
        "INSERT INTO new_listings (paper_id, day, source) SELECT %(into)s, day, source FROM new_listings"
        " WHERE paper_id = %(old)s ON CONFLICT DO NOTHING",
    ),
    "pins": (
        "INSERT INTO pins (day, paper_id, member_id, created) SELECT day, %(into)s, member_id, created FROM pins"
        " WHERE paper_id = %(old)s ON CONFLICT DO NOTHING",
    ),
    # a paper is submitted once: the kept paper's own submission wins
    "submissions": (
        "UPDATE submissions SET paper_id = %(into)s WHERE paper_id = %(old)s"
        " AND NOT EXISTS (SELECT 1 FROM submissions WHERE paper_id = %(into)s)",
    ),
    "collection_papers": (
        "INSERT INTO collection_papers (collection_id, paper_id, added)"
        " SELECT collection_id, %(into)s, added FROM collection_papers WHERE paper_id = %(old)s"
        " ON CONFLICT (collection_id, paper_id) DO UPDATE"
        " SET added = least(collection_papers.added, EXCLUDED.added)",
    ),
    "not_interested": (
        "INSERT INTO not_interested (member_id, paper_id, created)"
        " SELECT member_id, %(into)s, created FROM not_interested WHERE paper_id = %(old)s"
        " ON CONFLICT (member_id, paper_id) DO NOTHING",
    ),
    # A library holds one entry per paper (an import counts a second one as a duplicate):
    # a member who had imported both keeps the entry already matched to the kept paper.
    "library_entries": (
        "DELETE FROM library_entries e WHERE e.paper_id = %(old)s AND EXISTS"
        " (SELECT 1 FROM library_entries f WHERE f.member_id = e.member_id AND f.paper_id = %(into)s)",
        "UPDATE library_entries SET paper_id = %(into)s WHERE paper_id = %(old)s",
    ),
    # Hugging Face's counts as imports saw them: one series per paper. The kept paper keeps
    # its own; when it has none (an id-less record merged into its arXiv twin, say), the
    # merged paper's series becomes its, so the next import's growth is measured against it.
    "upvote_history": (
        "UPDATE upvote_history SET paper_id = %(into)s WHERE paper_id = %(old)s"
        " AND NOT EXISTS (SELECT 1 FROM upvote_history WHERE paper_id = %(into)s)",
    ),
    "paper_aliases": (
        "UPDATE paper_aliases SET paper_id = %(into)s WHERE paper_id = %(old)s",
        "INSERT INTO paper_aliases (old_id, paper_id) VALUES (%(old)s, %(into)s)"
        " ON CONFLICT (old_id) DO UPDATE SET paper_id = EXCLUDED.paper_id",
    ),
}

# table -> why its rows of the merged paper are deleted with it
DROPPED: dict[str, str] = {
    "embeddings": "derived from the paper's own title and abstract; the kept paper has (or gets) its own",
    "enrich_state": "what enrichment did for the merged record; the kept paper has (or gets) its own",
    "keyphrases": "derived from the paper's own title and abstract; the kept paper has (or gets) its own",
    "topic_papers": "a topic build's membership; the next build places the kept paper",
    "author_papers": "the merged record's author list, by name (a trigger on papers); the kept paper has its own",
    "fulltexts": "read from the merged record's arXiv HTML; the kept paper has (or gets) its own",
}

# statements on the papers table itself
_PAPER = (
    "UPDATE papers SET listed_on = least(listed_on, (SELECT listed_on FROM papers WHERE id = %(old)s))"
    " WHERE id = %(into)s",
)


def move_references(conn: psycopg.Connection, old_id: str, into_id: str) -> None:
    """Move every row naming ``old_id`` to ``into_id`` (call inside the merge's transaction,
    before deleting the merged paper)."""
    params = {"old": old_id, "into": into_id}
    for statements in MOVES.values():
        for statement in statements:
            conn.execute(statement, params)
    for statement in _PAPER:
        conn.execute(statement, params)


def merge_paper(conn: psycopg.Connection, old_id: str, into_id: str) -> None:
    """Merge paper ``old_id`` into ``into_id``: move every row naming it, delete it, keep its
    id as an alias. The caller holds the store's write lock in an open transaction (curation's
    merge, and enrichment's match of an id-less paper to its arXiv record)."""
    move_references(conn, old_id, into_id)
    conn.execute("DELETE FROM papers WHERE id = %s", (old_id,))
