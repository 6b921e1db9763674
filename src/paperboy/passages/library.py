"""Search inside a member's library: the passages and the abstracts of the papers the member
upvoted, saved in a collection or imported (matched library entries), and of no one else's.
``GET /api/library/search?q=`` and the account page's "Search inside my library".

The member's papers are read from PostgreSQL first; both indexes are then asked only about
those papers (a term set on ``seq``), and the rows shown are checked against them again.
"""

from __future__ import annotations

from typing import Any

import psycopg

from paperboy.passages import search as passages
from paperboy.search import query as q
from paperboy.search.fusion import Leg

MAX_RESULTS = 100
# the papers of member %(m)s's library, as source.py's PAPERBOY_FULLTEXT=library counts them
MINE = ("SELECT p.seq, p.id FROM papers p WHERE NOT p.hidden AND p.id IN ("
        " SELECT paper_id FROM votes WHERE member_id = %(m)s"
        " UNION SELECT cp.paper_id FROM collection_papers cp JOIN collections c ON c.id = cp.collection_id"
        " WHERE c.member_id = %(m)s"
        " UNION SELECT paper_id FROM library_entries WHERE member_id = %(m)s AND paper_id IS NOT NULL)")


def library_papers(conn: psycopg.Connection, member_id: int) -> dict[int, str]:
    """seq -> id of the member's papers."""
    return {r["seq"]: r["id"] for r in conn.execute(MINE, {"m": member_id})}


def search(conn: psycopg.Connection, searcher: Any, member_id: int, text: str,
           limit: int = 50) -> list[dict[str, Any]]:
    """The member's papers matching ``text`` (the search box's syntax), best first: paper
    rows with ``score`` and ``passage`` (the best passage, or None when only the title or
    abstract matched). ``searcher``: the app's search.Searcher (its two indexes)."""
    parsed = q.parse(text)
    if not parsed.keyword.strip():
        return []
    mine = library_papers(conn, member_id)
    if not mine:
        return []
    seqs = list(mine)
    abstract_hits = [(s, score) for s, score in searcher.index.search(parsed.keyword, None, MAX_RESULTS * 2, seqs=seqs)
                     if s in mine]
    abstracts = Leg([mine[s] for s, _ in abstract_hits], [score for _, score in abstract_hits])
    found = searcher.passages.search(parsed.keyword, MAX_RESULTS * 10, seqs=seqs)
    texts, in_text = passages.paper_leg(conn, found)
    merged = passages.merge(abstracts, texts)
    own = set(mine.values())
    page = [pid for pid in merged.ids if pid in own][:min(limit, MAX_RESULTS)]
    score = dict(zip(merged.ids, merged.scores, strict=True))
    rows = {r["id"]: r for r in conn.execute("SELECT * FROM papers WHERE id = ANY(%s) AND seq = ANY(%s)",
                                             (page, seqs))}
    return [{**rows[pid], "score": score[pid],
             "passage": passages.describe(pid, found.hit(in_text[pid]), parsed.words) if pid in in_text else None}
            for pid in page if pid in rows]
