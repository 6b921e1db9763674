"""One search box for both kinds of search: keyword results (BM25) and semantic results
(nearest vectors) fused (search/fusion.py), then filtered, sorted and highlighted. Before
any vectors exist, search is keyword-only and says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from paperboy import embeddings
from paperboy.papers.store import keyphrases_sql
from paperboy.search import query as q
from paperboy.search import semantic
from paperboy.search.fusion import W_KEYWORD, W_SEMANTIC, K, Leg, fuse, rrf  # noqa: F401 - re-exported
from paperboy.search.highlight import highlight
from paperboy.search.keyword import Filters, KeywordIndex, index_dir
from paperboy.search.vectorleg import VectorLeg

DEPTH = 100  # candidates taken from each leg
MAX_DEPTH = 1000
SORTS = ("relevance", "date", "upvotes")
MODES = ("hybrid", "keyword", "semantic")


@dataclass
class SearchResult:
    query: str
    items: list[dict[str, Any]] = field(default_factory=list)  # paper rows + highlights + score
    total: int = 0  # candidates found (capped by the legs' depth)
    mode: str = "hybrid"  # what actually ran
    notices: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # ms per step (bench/search_latency.py)
    fulltext: bool = False  # passages of full texts were searched too (items may have "passage")
    months: list[dict[str, Any]] = field(default_factory=list)  # [{month, n}] keyword matches (months=True)



class Searcher:
    """Search over one database and its keyword index."""

    STATUS_SECONDS = 30.0  # how long the embedding status (two counts over all papers) is reused

    def __init__(self, home: Path, conn: psycopg.Connection, index: KeywordIndex | None = None,
                 *, url: str | None = None) -> None:
        """``url``: run the vector leg (query encoding + pgvector) in a thread on connections
        of its own while the keyword leg runs, instead of one after the other."""
        self.index = index or KeywordIndex(index_dir(home, conn))
        from paperboy.passages.index import PassageIndex, passage_dir  # (passages/ imports search/)

        self.passages = PassageIndex(passage_dir(home, conn))  # full texts' passages (in:text)
        self._status: tuple[float, bool, int] | None = None
        self._vectors = VectorLeg(url) if url else None

    def close(self) -> None:
        if self._vectors:
            self._vectors.close()

    def embedding_status(self, conn: psycopg.Connection) -> tuple[bool, int]:
        """(any vectors at all, papers still without one), refreshed every STATUS_SECONDS.
        Counting them reads every paper (over a second at a million): with a VectorLeg the
        refresh runs on its thread while searches go on with the last answer."""
        now = time.monotonic()
        status = self._status
        if status is None or not status[1]:
            self._status = status = (now, *_embedding_status(conn))
        elif now - status[0] > self.STATUS_SECONDS:
            if self._vectors:
                self._status = (now, status[1], status[2])  # one refresh at a time
                self._vectors.later(self._refresh_status)
            else:
                self._status = status = (now, *_embedding_status(conn))
        return status[1], status[2]

    def _refresh_status(self, conn: psycopg.Connection) -> None:
        self._status = (time.monotonic(), *_embedding_status(conn))

    def search(
        self,
        conn: psycopg.Connection,
        text: str,
        *,
        filters: Filters | None = None,
        sort: str = "relevance",
        mode: str = "hybrid",
        offset: int = 0,
        limit: int = 20,
        highlights: bool = True,
        fulltext: bool = False,
        months: bool = False,
    ) -> SearchResult:
        """``fulltext`` (or ``in:text`` in the query): the keyword leg also searches the
        passages of papers' full texts, and each paper found by one gets ``passage``.
        ``months``: also count the query's keyword matches per month (the search page's chart)."""
        parsed = q.parse(text)
        result = SearchResult(query=parsed.raw, mode=mode)
        if len(" ".join(text.split())) > q.MAX_QUERY:
            result.notices.append(f"Only the first {q.MAX_QUERY} characters of the query were used.")
        if parsed.arxiv_id:
            row = conn.execute(f"SELECT p.*, {keyphrases_sql('p')} FROM papers p WHERE id = %s AND NOT hidden",  # noqa: S608
                               (parsed.arxiv_id,)).fetchone()
            if row:
                result.items, result.total, result.mode = [self._decorate(row, parsed, 1.0)], 1, "id"
                return result
        if parsed.empty:
            result.notices.append("Type a few words, a \"phrase\", an author or an arXiv id.")
            return result

        # pgvector's HNSW search takes at most 1,000 candidates: deeper pages are empty
        depth = min(max(DEPTH, offset + limit), MAX_DEPTH)
        kw, sem = Leg(), Leg()
        meaning = parsed.semantic or (parsed.fielded if mode == "semantic" else "")
        wants_vectors = mode in ("hybrid", "semantic") and bool(meaning.strip())
        clock = _Clock(result.timings)
        has_vectors, pending = self.embedding_status(conn) if wants_vectors else (False, 0)
        clock.lap("status")
        # with a VectorLeg, the query's encoding and its vector search run while the keyword
        # leg does; the keyword matches a filtered vector search also ranks join afterwards
        ahead = self._vectors.submit(meaning, filters, depth) if has_vectors and self._vectors else None
        query_vector = embeddings.encode_query(meaning) if has_vectors and not ahead else None
        clock.lap("encode")
        if mode in ("hybrid", "keyword") and parsed.keyword:
            kw = _keyword_leg(conn, self.index.search(parsed.keyword, filters, depth))
            clock.lap("keyword")
            if months:
                result.months = self.index.months(parsed.keyword, filters)
                clock.lap("months")
            if self.index.size == 0 and _count(conn):
                result.notices.append("The keyword index is still being built.")
        from paperboy.passages import search as passages  # (passages/ imports search/)

        found, in_text = None, {}  # the passage search, and the seq of each paper it found
        if (fulltext or parsed.fulltext) and mode in ("hybrid", "keyword") and parsed.keyword:
            found = self.passages.search(parsed.keyword, depth * 5)
            texts, in_text = passages.paper_leg(conn, found, filters)
            kw = passages.merge(kw, texts)
            result.fulltext = True
            clock.lap("passages")
        # While the vector leg runs, this thread does what it can ahead: the exact distances
        # of the keyword matches (a filtered vector search ranks them too) and the rows and
        # highlights of the keyword leg's first page.
        early: dict[str, dict[str, Any]] = {}
        ranked_matches: list[tuple[str, float]] | None = None
        if ahead is not None and not ahead.hits.done():
            if filters and filters.any and kw.ids:
                ranked_matches = semantic.candidate_distances(conn, ahead.vector.result(), filters, kw.ids)
            if sort == "relevance" and offset == 0:
                early = self._rows(conn, kw.ids[:limit], parsed, highlights)
            clock.lap("ahead")
        if wants_vectors:
            if has_vectors:
                if ahead:
                    query_vector, hits = ahead.hits.result()
                    hits = (semantic.merge(hits, ranked_matches, depth) if ranked_matches is not None
                            else semantic.add_candidates(conn, query_vector, filters, hits, kw.ids, depth))
                else:
                    hits = semantic.nearest(conn, query_vector, filters, depth, candidates=kw.ids)
                sem = Leg([pid for pid, _ in hits], [1.0 - d for _, d in hits])
                clock.lap("vector")
                if pending:
                    result.notices.append(f"{pending} papers are not embedded yet; semantic results skip them.")
            else:
                result.notices.append("Semantic search is not ready (no papers are embedded yet): "
                                      "showing keyword results only.")
                result.mode = "keyword"
                if mode == "semantic":
                    kw = _keyword_leg(conn, self.index.search(parsed.keyword, filters, depth))

        fused = fuse(kw, sem, parsed, strict=parsed.strict and mode == "hybrid")
        if parsed.excluded and fused:
            fused = _drop_excluded(conn, fused, parsed.excluded)
        ranked = sorted(fused, key=lambda pid: -fused[pid])
        result.total = len(ranked)
        if sort != "relevance" and ranked:
            ranked = _resort(conn, ranked, sort)
        clock.lap("fuse")
        page = ranked[offset : offset + limit]
        rows = early | self._rows(conn, [pid for pid in page if pid not in early], parsed, highlights)
        result.items = [{**rows[pid], "score": fused[pid]} for pid in page if pid in rows]
        for item in result.items:
            if found is not None and item["id"] in in_text:
                item["passage"] = passages.describe(item["id"], found.hit(in_text[item["id"]]), parsed.words)
        if not result.items and offset == 0:
            hint = " without quotes" if parsed.strict else " fewer or other words"
            result.notices.append(f"No papers match; try{hint}, or search by meaning.")
        clock.lap("page")
        return result

    @classmethod
    def _rows(cls, conn: psycopg.Connection, ids: list[str], parsed: q.Query,
              highlights: bool) -> dict[str, dict[str, Any]]:
        """Result items of the papers ``ids`` (not yet scored), by id."""
        if not ids:
            return {}
        return {r["id"]: cls._decorate(r, parsed, 0.0, highlights) for r in conn.execute(
            f"SELECT p.*, {keyphrases_sql('p')} FROM papers p WHERE id = ANY(%s)", (ids,))}  # noqa: S608

    @staticmethod
    def _decorate(row: dict[str, Any], parsed: q.Query, score: float, highlights: bool = True) -> dict[str, Any]:
        words = parsed.words if highlights else []
        return {**row, "score": score,
                "highlighted_title": highlight(row["title"], words),
                "highlighted_summary": highlight(row["summary"], words)}


class _Clock:
    """Milliseconds spent in each step of a search, into ``into``."""

    def __init__(self, into: dict[str, float]) -> None:
        self.into, self.t = into, time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.into[name] = self.into.get(name, 0.0) + (now - self.t) * 1000
        self.t = now


def _embedding_status(conn: psycopg.Connection) -> tuple[bool, int]:
    has = embeddings.has_vectors(conn)
    return has, embeddings.pending_count(conn) if has else 0


def _count(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"]


def _keyword_leg(conn: psycopg.Connection, hits: list[tuple[int, float]]) -> Leg:
    """The keyword index's (seq, BM25) hits as paper ids, in order (a paper's id can change;
    its seq cannot), with their normalised titles. Papers curators hid leave search results
    here (their pages stay reachable), as they do in each other leg."""
    if not hits:
        return Leg()
    rows = conn.execute("SELECT seq, id, title_key FROM papers WHERE seq = ANY(%s) AND NOT hidden",
                        ([s for s, _ in hits],)).fetchall()
    by_seq = {r["seq"]: r for r in rows}
    found = [(by_seq[s], score) for s, score in hits if s in by_seq]
    return Leg([r["id"] for r, _ in found], [score for _, score in found],
               {r["id"]: r["title_key"] for r, _ in found})


def _drop_excluded(conn: psycopg.Connection, fused: dict[str, float], words: list[str]) -> dict[str, float]:
    """Semantic neighbours may contain an excluded word the keyword leg already ruled out."""
    patterns = [rf"\m{w}" for w in words]
    bad = {r["id"] for r in conn.execute(
        "SELECT id FROM papers WHERE id = ANY(%s) AND (title || ' ' || summary) ~* ANY(%s)",
        (list(fused), patterns))}
    return {pid: s for pid, s in fused.items() if pid not in bad}


def _resort(conn: psycopg.Connection, ids: list[str], sort: str) -> list[str]:
    order = {"date": "coalesce(listed_on, published_at) DESC NULLS LAST, upvotes DESC NULLS LAST",
             "upvotes": "upvotes DESC NULLS LAST, coalesce(listed_on, published_at) DESC NULLS LAST"}[sort]
    rows = conn.execute(
        f"SELECT id FROM papers WHERE id = ANY(%s) ORDER BY {order}, id", (ids,)  # noqa: S608
    ).fetchall()
    return [r["id"] for r in rows]


def similar(conn: psycopg.Connection, paper_id: str, limit: int = 8) -> list[dict[str, Any]]:
    """The nearest papers by vector, without the paper itself or copies of it (same title)."""
    vector = semantic.vector_of(conn, paper_id)
    if vector is None:
        return []
    me = conn.execute("SELECT title_key FROM papers WHERE id = %s", (paper_id,)).fetchone()
    hits = semantic.nearest(conn, vector, None, limit + 5, exclude=[paper_id])
    ids = [pid for pid, _ in hits]
    rows = {r["id"]: r for r in conn.execute(f"SELECT p.*, {keyphrases_sql('p')} FROM papers p"  # noqa: S608
                                             " WHERE id = ANY(%s)", (ids,))}
    out = []
    for pid, dist in hits:
        r = rows.get(pid)
        if r is None or r["hidden"] or (me and r["title_key"] == me["title_key"]) or dist < 1e-6:
            continue
        out.append({**r, "similarity": 1 - dist})
        if len(out) == limit:
            break
    return out
