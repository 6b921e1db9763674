"""Storing papers: dedupe against what is stored, merge, write — one transaction per batch.

A batch is all-or-nothing, so a killed import leaves whole papers only, and running it
again completes it (every write is an idempotent merge).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from paperboy.db import locks
from paperboy.papers import formats
from paperboy.papers.merge import merge
from paperboy.papers.record import Paper

# Where a listing goes: arXiv's announcements (fetched or imported) are the firehose, New;
# every other source is a Daily list someone chose (each format says which it is).
NEW_SOURCES = formats.NEW_SOURCES

_COLUMNS = (
    "id", "arxiv_id", "title", "title_key", "summary", "authors", "num_authors", "categories",
    "version", "published_at", "updated_at", "listed_on", "upvotes", "github_repo",
    "project_page", "pdf_url", "comment", "sources", "extra", "authors_complete",
    "withdrawn",
)


_INSERT = sql.SQL("INSERT INTO papers ({}) VALUES ({})").format(
    sql.SQL(", ").join(map(sql.Identifier, _COLUMNS)),
    sql.SQL(", ").join(map(sql.Placeholder, _COLUMNS)),
)
_UPDATE = sql.SQL("UPDATE papers SET {}, modified = now() WHERE id = {}").format(
    sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder(c)) for c in _COLUMNS),
    sql.Placeholder("old_id"),
)


@dataclass
class StoreStats:
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: StoreStats) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged


# (merged paper, the sources that described it, the (day, source) listings it had)
Group = tuple[Paper, list[str], set]


def row_to_paper(row: dict[str, Any]) -> Paper:
    return Paper(
        title=row["title"],
        source=(row["sources"] or ["?"])[0],
        arxiv_id=row["arxiv_id"],
        version=row["version"],
        summary=row["summary"],
        authors=tuple(row["authors"]),
        num_authors=row["num_authors"],
        categories=tuple(row["categories"]),
        published_at=row["published_at"],
        updated_at=row["updated_at"],
        listed_on=row["listed_on"],
        upvotes=row["upvotes"],
        github_repo=row["github_repo"],
        project_page=row["project_page"],
        pdf_url=row["pdf_url"],
        comment=row["comment"],
        authors_complete=row["authors_complete"],
        withdrawn=row["withdrawn"],
        extra=dict(row["extra"] or {}),
    )


def _params(p: Paper, sources: list[str]) -> dict[str, Any]:
    return {
        "id": p.id,
        "arxiv_id": p.arxiv_id,
        "title": p.title,
        "title_key": p.title_key,
        "summary": p.summary,
        "authors": list(p.authors),
        "num_authors": p.num_authors,
        "categories": list(p.categories),
        "version": p.version,
        "published_at": p.published_at,
        "updated_at": p.updated_at,
        "listed_on": p.listed_on,
        "upvotes": p.upvotes,
        "github_repo": p.github_repo,
        "project_page": p.project_page,
        "pdf_url": p.pdf_url,
        "comment": p.comment,
        "sources": sources,
        "extra": Jsonb(p.extra),
        "authors_complete": bool(p.authors_complete),
        "withdrawn": p.withdrawn,
    }


def dedupe(papers: Iterable[Paper]) -> list[Group]:
    """Merge the records of one batch that describe the same paper.

    Returns (merged paper, sources, listing days) per distinct paper. A record without an
    arXiv id joins a record with one when their normalised titles agree.
    """
    by_key: dict[str, Group] = {}
    id_by_title: dict[str, str] = {}
    ordered = sorted(papers, key=lambda p: p.arxiv_id is None)  # id-bearing records first
    for p in ordered:
        key = p.arxiv_id or id_by_title.get(p.title_key) or p.id
        if p.arxiv_id:
            id_by_title.setdefault(p.title_key, p.arxiv_id)
        days = {(p.listed_on, p.source)} if p.listed_on else set()
        if key in by_key:
            old, sources, old_days = by_key[key]
            by_key[key] = (
                merge(old, p),
                sources + ([p.source] if p.source not in sources else []),
                old_days | days,
            )
        else:
            by_key[key] = (p, [p.source], days)
    return list(by_key.values())


def store_batch(conn: psycopg.Connection, papers: Sequence[Paper]) -> StoreStats:
    """Merge ``papers`` into the store in one transaction; count new, updated, unchanged."""
    return store_groups(conn, dedupe(papers))


def store_groups(conn: psycopg.Connection, groups: Sequence[Group]) -> StoreStats:
    """Store papers already merged by :func:`dedupe`, in one transaction."""
    stats = StoreStats()
    if not groups:
        return stats
    with conn.transaction():
        # Serialises writers: two imports merging the same paper at once would each start
        # from the same stored row and one merge would be lost.
        locks.xact_lock(conn, locks.STORE_WRITE)
        ids = [p.arxiv_id for p, _, _ in groups if p.arxiv_id]
        keys = [p.title_key for p, _, _ in groups]
        rows = conn.execute(
            "SELECT * FROM papers WHERE arxiv_id = ANY(%s) OR title_key = ANY(%s)"
            " ORDER BY arxiv_id IS NULL, created",
            (ids, keys),
        ).fetchall()
        by_arxiv = {r["arxiv_id"]: r for r in rows if r["arxiv_id"]}
        by_title: dict[str, dict[str, Any]] = {}
        for r in rows:
            by_title.setdefault(r["title_key"], r)
        stored_ids = [r["id"] for r in rows]
        listed = {
            (r["paper_id"], r["day"], r["source"])
            for r in conn.execute(
                "SELECT paper_id, day, source FROM listings WHERE paper_id = ANY(%(ids)s)"
                " UNION ALL SELECT paper_id, day, source FROM new_listings WHERE paper_id = ANY(%(ids)s)",
                {"ids": stored_ids},
            )
        }

        last_seen = {
            r["paper_id"]: r["upvotes"]
            for r in conn.execute(
                "SELECT DISTINCT ON (paper_id) paper_id, upvotes FROM upvote_history"
                " WHERE paper_id = ANY(%s) ORDER BY paper_id, id DESC",
                (stored_ids,),
            )
        }

        # Papers a curator merged into another: their records only add listings to it.
        aliases = {r["old_id"]: r["paper_id"] for r in conn.execute(
            "SELECT old_id, paper_id FROM paper_aliases WHERE old_id = ANY(%s)", ([p.id for p, _, _ in groups],))}

        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        listings: list[tuple[str, Any, str]] = []
        observations: list[tuple[str, int, str]] = []
        stale_vectors: list[tuple[str]] = []  # text changed: the embedding job redoes them
        growth: list[tuple[int, str]] = []
        for paper, sources, days in groups:
            if paper.id in aliases:
                listings.extend((aliases[paper.id], d, s) for d, s in days)
                stats.unchanged += 1
                continue
            row = by_arxiv.get(paper.arxiv_id) if paper.arxiv_id else None
            if row is None:
                cand = by_title.get(paper.title_key)
                # Same title but another arXiv id is another paper (e.g. a re-submission).
                if cand and not (paper.arxiv_id and cand["arxiv_id"]):
                    row = cand
            if row is None:
                inserts.append(_params(paper, sources))
                stats.new += 1
                final_id = paper.id
            else:
                old = row_to_paper(row)
                merged = merge(old, paper)
                all_sources = list(row["sources"]) + [s for s in sources if s not in row["sources"]]
                final_id = merged.arxiv_id or row["id"]
                changed = (
                    merged != old
                    or merged.extra != old.extra
                    or all_sources != list(row["sources"])
                    or final_id != row["id"]
                )
                new_days = {(d, s) for d, s in days if (row["id"], d, s) not in listed}
                if changed:
                    params = _params(merged, all_sources)
                    params["id"] = final_id
                    params["old_id"] = row["id"]
                    updates.append(params)
                    if (merged.title, merged.summary) != (old.title, old.summary):
                        stale_vectors.append((row["id"],))
                if changed or new_days:
                    stats.updated += 1
                else:
                    stats.unchanged += 1
            listings.extend((final_id, d, s) for d, s in days)
            # Record what this import saw; re-importing the same counts records nothing.
            if paper.upvotes is not None:
                before = last_seen.get(row["id"]) if row else None
                if before != paper.upvotes:
                    observations.append((final_id, paper.upvotes, paper.source))
                    if before is not None:
                        growth.append((max(0, paper.upvotes - before), final_id))

        with conn.cursor() as cur:
            if inserts:  # their author names in one statement, not one trigger call each (migration 0024)
                cur.execute("SET LOCAL paperboy.author_papers = 'bulk'")
                cur.executemany(_INSERT, inserts)
                cur.execute("SET LOCAL paperboy.author_papers = ''")
                cur.execute("SELECT author_papers_fill(%s)", ([i["id"] for i in inserts],))
            if updates:
                cur.executemany(_UPDATE, updates)
            daily = [x for x in listings if x[2] not in NEW_SOURCES]
            if daily:
                cur.executemany(
                    "INSERT INTO listings (paper_id, day, source) VALUES (%s, %s, %s)"
                    " ON CONFLICT DO NOTHING",
                    daily,
                )
            if len(daily) < len(listings):
                cur.executemany(
                    "INSERT INTO new_listings (paper_id, day, source) VALUES (%s, %s, %s)"
                    " ON CONFLICT DO NOTHING",
                    [x for x in listings if x[2] in NEW_SOURCES],
                )
            if observations:
                cur.executemany(
                    "INSERT INTO upvote_history (paper_id, upvotes, source) VALUES (%s, %s, %s)",
                    observations,
                )
            if growth:
                cur.executemany("UPDATE papers SET upvote_growth = %s WHERE id = %s", growth)
            if stale_vectors:
                cur.executemany("DELETE FROM embeddings WHERE paper_id = %s", stale_vectors)
    return stats


def data_version(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT version FROM data_version").fetchone()["version"]


def count(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"]


def get(conn: psycopg.Connection, paper_id: str) -> dict[str, Any] | None:
    """The paper with this id, or None (also for strings no id can be: NUL bytes, too long).
    The id of a paper a curator merged into another gives that other paper (whose ``id``
    then differs from the one asked: pages redirect to it)."""
    if "\x00" in paper_id or len(paper_id) > 200:
        return None
    row = conn.execute(f"SELECT p.*, {submitter_sql('p')}, {keyphrases_sql('p')} FROM papers p WHERE p.id = %s",  # noqa: S608
                       (paper_id,)).fetchone()
    if row is None:
        row = conn.execute(f"SELECT p.*, {submitter_sql('p')}, {keyphrases_sql('p')} FROM paper_aliases a"  # noqa: S608
                           " JOIN papers p ON p.id = a.paper_id WHERE a.old_id = %s", (paper_id,)).fetchone()
    return row


def resolve_id(conn: psycopg.Connection, paper_id: str) -> str | None:
    """The stored id of a paper by its id or an old id it was merged from, or None; the row
    is locked (KEY SHARE) until the transaction ends, so it can be neither deleted nor
    renamed under what the caller writes, while concurrent writers do not wait on it."""
    if "\x00" in paper_id or len(paper_id) > 200:
        return None
    row = conn.execute(
        "SELECT p.id FROM papers p WHERE p.id = %(id)s"
        " OR p.id = (SELECT a.paper_id FROM paper_aliases a WHERE a.old_id = %(id)s)"
        " ORDER BY p.id = %(id)s DESC LIMIT 1 FOR KEY SHARE",
        {"id": paper_id},
    ).fetchone()
    return row["id"] if row else None


def submitter_sql(paper: str) -> str:
    """An SQL select item on a paper alias: ``submitter``, the name of the member who
    submitted the paper here; '' when their account was deleted; NULL when no member did
    (papers/view.py then shows Hugging Face's submitter, if any). One primary-key lookup."""
    return (f"(SELECT coalesce(m.name, '') FROM submissions s LEFT JOIN members m ON m.id = s.member_id"  # noqa: S608
            f" WHERE s.paper_id = {paper}.id) AS submitter")


def keyphrases_sql(paper: str) -> str:
    """An SQL select item on a paper alias: ``keyphrases``, the ones computed here
    (paperboy.keyphrases) as ``{"phrases": [...], "method": ..., "version": ...}``, or NULL
    (papers/view.py reads it). One primary-key lookup."""
    return ("(SELECT jsonb_build_object('phrases', k.phrases, 'method', k.method, 'version', k.version)"  # noqa: S608
            f" FROM keyphrases k WHERE k.paper_id = {paper}.id) AS keyphrases")


def latest_day(conn: psycopg.Connection) -> Any:
    row = conn.execute("SELECT max(day) AS day FROM listings").fetchone()
    return row["day"] if row else None


def papers_listed_on(conn: psycopg.Connection, day: Any, limit: int = 100) -> list[dict[str, Any]]:
    """The papers shown on a day's feed, most upvoted first."""
    return conn.execute(
        "SELECT p.* FROM papers p JOIN listings l ON l.paper_id = p.id"
        " WHERE l.day = %s GROUP BY p.id"
        " ORDER BY p.upvotes DESC NULLS LAST, p.title LIMIT %s",
        (day, limit),
    ).fetchall()
