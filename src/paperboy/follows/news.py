"""The papers of what a member follows, in a period: a followed author's papers (any spelling
merged into them, paperboy.authors.page) and a followed topic's papers, dated by the day they
were listed, else published. For you makes them picks; a digest gives them a section."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import psycopg

from paperboy.authors import page
from paperboy.follows.store import Follow, of_member

DAY = "coalesce(p.listed_on, p.published_at)"  # as digests and For you date a paper
MOST = 50


@dataclass(frozen=True)
class News:
    paper_id: str
    follow: Follow  # why: the author or topic followed


def papers(conn: psycopg.Connection, member_id: int, since: date, until: date, limit: int = MOST) -> list[News]:
    """The period's papers by the authors and in the topics the member follows, newest first
    (hidden and withdrawn papers left out); each once, with the first follow that brought it."""
    follows = of_member(conn, member_id)
    if not follows:
        return []
    by_key: dict[str, Follow] = {}
    for f in follows:
        if f.kind == "author":
            found = page.resolve(conn, f.key)
            for k in found.keys if found else (f.key,):
                by_key.setdefault(k, f)
    topics = {int(f.key): f for f in follows if f.kind == "topic" and f.key.isdigit()}
    rows = conn.execute(
        "SELECT id, why, day FROM ("  # noqa: S608 - fixed strings
        f"  SELECT DISTINCT ON (p.id) p.id, w.why, {DAY} AS day FROM ("
        "    SELECT paper_id, 'a:' || author_key AS why FROM author_papers WHERE author_key = ANY(%(keys)s)"
        "    UNION ALL SELECT paper_id, 't:' || topic_id FROM topic_papers WHERE topic_id = ANY(%(topics)s)"
        "  ) w JOIN papers p ON p.id = w.paper_id"
        f"  WHERE NOT p.hidden AND NOT p.withdrawn AND {DAY} BETWEEN %(since)s AND %(until)s"
        "  ORDER BY p.id, w.why"
        ") n ORDER BY day DESC, id LIMIT %(lim)s",
        {"keys": list(by_key), "topics": list(topics), "since": since, "until": until, "lim": limit}).fetchall()
    out = []
    for r in rows:
        kind, key = r["why"].split(":", 1)
        out.append(News(r["id"], by_key[key] if kind == "a" else topics[int(key)]))
    return out
