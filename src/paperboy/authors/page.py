"""An author as pages show one: which keys are theirs, their papers by date, co-authors,
topics and weekly counts. Each read is an indexed query on ``author_papers`` (migration 0024).

Variants: a key whose given names are initials only ("a vaswani") is merged with the one full
key of the same surname and initials ("ashish vaswani") when the corpus holds exactly one such
full key; with two or more ("ashish vaswani", "anil vaswani") it stays apart, and the page
names the candidates. A full key absorbs its initials key on the same condition. Keys with
more given names ("ashish k vaswani", initials "ak") are another author.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import psycopg

from paperboy.authors import names
from paperboy.papers import store

MAX_NAME = 300  # characters: longer is no author's name (and no follow key: migration 0022)
PAGE = 30
COAUTHORS = 20
TOPICS = 10
DAY = "coalesce(p.published_at, p.listed_on)"  # an author's paper is dated by publication


@dataclass(frozen=True)
class Author:
    """One author: the name shown (their most used spelling of the main key), the main key,
    every key merged into it, and the full names an initials-only name could be (ambiguous)."""

    name: str
    key: str
    keys: tuple[str, ...]
    spellings: tuple[str, ...] = ()
    ambiguous: tuple[str, ...] = field(default_factory=tuple)


AMBIGUOUS = 10  # candidates an initials-only page names at most


def _spelt(conn: psycopg.Connection, keys: list[str]) -> dict[str, dict[str, Any]]:
    """Each key that papers give: its commonest spelling and every spelling."""
    rows = conn.execute(
        "SELECT author_key AS key, mode() WITHIN GROUP (ORDER BY name) AS name,"
        " array_agg(DISTINCT name) AS spellings FROM author_papers WHERE author_key = ANY(%s)"
        " GROUP BY author_key", (keys,)).fetchall()
    return {r["key"]: r for r in rows}


def _full_keys(conn: psycopg.Connection, k: str, most: int) -> list[str]:
    """Up to ``most`` full keys (given names not initials only) of the surname and initials
    of ``k``, the most written first (an index-only scan of the group)."""
    return [r["author_key"] for r in conn.execute(
        "SELECT author_key FROM author_papers WHERE surname = %s AND initials = %s AND NOT short"
        " GROUP BY author_key ORDER BY count(*) DESC, author_key LIMIT %s",
        (names.surname(k), names.initials(k), most)).fetchall()]


def _short_of(k: str) -> str:
    """The initials-only key of a full key: "jean pierre dupont" -> "j p dupont"."""
    return " ".join([*names.initials(k), names.surname(k)])


def resolve(conn: psycopg.Connection, name: str) -> Author | None:
    """The author a written name means, or None when no paper has that name."""
    if not name or len(name) > MAX_NAME or "\x00" in name:
        return None
    k = names.key(name)
    if not k:
        return None
    ambiguous: tuple[str, ...] = ()
    if names.is_short(k):
        full = _full_keys(conn, k, AMBIGUOUS + 1)
        keys = [full[0], k] if len(full) == 1 else [k]  # "A. Vaswani", one Ashish Vaswani: him
        spelt = _spelt(conn, keys + (full if len(full) > 1 else []))
        if len(full) > 1:
            ambiguous = tuple(sorted(spelt[f]["name"] for f in full if f in spelt))
    else:
        short = _short_of(k)
        spelt = _spelt(conn, [k, short])
        # the initials-only key is this author's too when no other full name fits it
        keys = [k, short] if short in spelt and short != k and len(_full_keys(conn, k, 2)) == 1 else [k]
    keys = [key for key in keys if key in spelt]
    if not keys:
        return None
    main = spelt[keys[0]]
    spellings = sorted({s for key in keys for s in spelt[key]["spellings"]})
    return Author(main["name"], main["key"], tuple(keys), tuple(spellings), ambiguous)


def papers(conn: psycopg.Connection, author: Author, offset: int = 0, limit: int = PAGE) -> tuple[list[dict[str, Any]], int]:
    """A page of the author's papers, newest first (hidden papers left out), and their number."""
    params = {"keys": list(author.keys), "off": offset, "lim": limit}
    # Rank narrow rows (id, date) first, then fetch the page's whole papers.
    rows = conn.execute(
        f"SELECT p.*, t.total, {store.submitter_sql('p')}, {store.keyphrases_sql('p')} FROM ("  # noqa: S608 - fixed strings
        f"  SELECT p.id, {DAY} AS day, count(*) OVER () AS total FROM papers p"
        "   WHERE p.id IN (SELECT paper_id FROM author_papers WHERE author_key = ANY(%(keys)s)) AND NOT p.hidden"
        "   ORDER BY day DESC NULLS LAST, p.id DESC OFFSET %(off)s LIMIT %(lim)s"
        ") t JOIN papers p ON p.id = t.id ORDER BY t.day DESC NULLS LAST, t.id DESC", params).fetchall()
    if rows or offset == 0:
        return rows, rows[0]["total"] if rows else 0
    total = conn.execute("SELECT count(*) AS n FROM papers p WHERE NOT p.hidden AND p.id IN ("  # noqa: S608
                         " SELECT paper_id FROM author_papers WHERE author_key = ANY(%(keys)s))", params).fetchone()["n"]
    return rows, total


def coauthors(conn: psycopg.Connection, author: Author, limit: int = COAUTHORS) -> list[dict[str, Any]]:
    """Who wrote with them most: ``{name, n}`` (papers together), most first."""
    return conn.execute(
        "SELECT mode() WITHIN GROUP (ORDER BY b.name) AS name, count(DISTINCT b.paper_id) AS n"
        " FROM author_papers a JOIN author_papers b ON b.paper_id = a.paper_id"
        " JOIN papers p ON p.id = a.paper_id AND NOT p.hidden"
        " WHERE a.author_key = ANY(%(keys)s) AND b.author_key <> ALL(%(keys)s)"
        " GROUP BY b.author_key ORDER BY n DESC, name LIMIT %(lim)s",
        {"keys": list(author.keys), "lim": limit}).fetchall()


def topics(conn: psycopg.Connection, author: Author, limit: int = TOPICS) -> list[dict[str, Any]]:
    """The topics their papers are in (the topic job's, when it has run): ``{id, label, n}``."""
    return conn.execute(
        "SELECT t.id, t.label, count(DISTINCT tp.paper_id) AS n FROM topic_papers tp"
        " JOIN topics t ON t.id = tp.topic_id AND t.active"
        " WHERE tp.paper_id IN (SELECT paper_id FROM author_papers WHERE author_key = ANY(%(keys)s))"
        " GROUP BY t.id, t.label ORDER BY n DESC, t.label LIMIT %(lim)s",
        {"keys": list(author.keys), "lim": limit}).fetchall()


def weekly(conn: psycopg.Connection, author: Author) -> list[dict[str, Any]]:
    """Their papers per ISO week (the Monday), weeks with papers only: ``{week, n}``."""
    rows = conn.execute(
        f"SELECT date_trunc('week', {DAY})::date AS week, count(*) AS n FROM papers p"  # noqa: S608
        " WHERE p.id IN (SELECT paper_id FROM author_papers WHERE author_key = ANY(%(keys)s))"
        f" AND NOT p.hidden AND {DAY} IS NOT NULL GROUP BY 1 ORDER BY 1",
        {"keys": list(author.keys)}).fetchall()
    return [{"week": r["week"].isoformat(), "n": r["n"]} for r in rows]


def every_week(weeks: list[dict[str, Any]], most: int = 104) -> list[tuple[date, int]]:
    """The weekly counts with the weeks between filled in (0), the last ``most`` weeks only.

    >>> every_week([{"week": "2025-01-06", "n": 2}, {"week": "2025-01-20", "n": 1}])
    [(datetime.date(2025, 1, 6), 2), (datetime.date(2025, 1, 13), 0), (datetime.date(2025, 1, 20), 1)]
    """
    if not weeks:
        return []
    counts = {date.fromisoformat(w["week"]): w["n"] for w in weeks}
    last = max(counts)
    first = max(min(counts), last - timedelta(weeks=most - 1))
    n = (last - first).days // 7 + 1
    return [(first + timedelta(weeks=i), counts.get(first + timedelta(weeks=i), 0)) for i in range(n)]


@dataclass(frozen=True)
class AuthorPage:
    """All an author's page (and its JSON twin) shows."""

    author: Author
    asked: str
    papers: list[dict[str, Any]]
    total: int
    coauthors: list[dict[str, Any]]
    topics: list[dict[str, Any]]
    weekly: list[dict[str, Any]]


def load(conn: psycopg.Connection, name: str, offset: int = 0, limit: int = PAGE) -> AuthorPage | None:
    """The author ``name`` means and a page of their papers, or None (no such author)."""
    author = resolve(conn, name)
    if author is None:
        return None
    rows, total = papers(conn, author, offset, limit)
    return AuthorPage(author, name, rows, total, coauthors(conn, author), topics(conn, author), weekly(conn, author))
