"""One search box for both kinds of search: keyword results (BM25) and semantic results
(nearest vectors) fused by reciprocal rank fusion, then filtered, sorted and highlighted.

    fused(d) = W_KEYWORD / (K + rank_keyword(d)) + W_SEMANTIC / (K + rank_semantic(d))

Rank fusion needs no score calibration between the two legs. When the query uses
phrases, fields or exclusions, only papers matching the keyword query are kept (the
semantic rank still helps order them). Before any vectors exist, search is keyword-only
and says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from paperboy import embeddings
from paperboy.search import query as q
from paperboy.search import semantic
from paperboy.search.highlight import highlight
from paperboy.search.keyword import Filters, KeywordIndex, index_dir

# Tuned on the CACM development queries only (bench/search_quality.py).
K = 20
W_KEYWORD = 1.0
W_SEMANTIC = 0.8
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


def rrf(legs: list[tuple[list[str], float]], k: int | None = None) -> dict[str, float]:
    """Reciprocal rank fusion of ranked id lists, each with its weight."""
    k = K if k is None else k
    fused: dict[str, float] = {}
    for ids, weight in legs:
        for rank, pid in enumerate(ids, start=1):
            fused[pid] = fused.get(pid, 0.0) + weight / (k + rank)
    return fused


class Searcher:
    """Search over one database and its keyword index."""

    STATUS_SECONDS = 30.0  # how long the embedding status (two counts over all papers) is reused

    def __init__(self, home: Path, conn: psycopg.Connection, index: KeywordIndex | None = None) -> None:
        self.index = index or KeywordIndex(index_dir(home, conn))
        self._status: tuple[float, bool, int] | None = None

    def embedding_status(self, conn: psycopg.Connection) -> tuple[bool, int]:
        """(any vectors at all, papers still without one), refreshed every STATUS_SECONDS."""
        now = time.monotonic()
        if self._status is None or now - self._status[0] > self.STATUS_SECONDS or not self._status[1]:
            has = embeddings.has_vectors(conn)
            self._status = (now, has, embeddings.pending_count(conn) if has else 0)
        return self._status[1], self._status[2]

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
    ) -> SearchResult:
        parsed = q.parse(text)
        result = SearchResult(query=parsed.raw, mode=mode)
        if len(" ".join(text.split())) > q.MAX_QUERY:
            result.notices.append(f"Only the first {q.MAX_QUERY} characters of the query were used.")
        if parsed.arxiv_id:
            row = conn.execute("SELECT * FROM papers WHERE id = %s AND NOT hidden", (parsed.arxiv_id,)).fetchone()
            if row:
                result.items, result.total, result.mode = [self._decorate(row, parsed, 1.0)], 1, "id"
                return result
        if parsed.empty:
            result.notices.append("Type a few words, a \"phrase\", an author or an arXiv id.")
            return result

        # pgvector's HNSW search takes at most 1,000 candidates: deeper pages are empty
        depth = min(max(DEPTH, offset + limit), MAX_DEPTH)
        keyword_ids: list[str] = []
        semantic_ids: list[str] = []
        meaning = parsed.semantic or (parsed.fielded if mode == "semantic" else "")
        wants_vectors = mode in ("hybrid", "semantic") and bool(meaning.strip())
        has_vectors, pending = self.embedding_status(conn) if wants_vectors else (False, 0)
        query_vector = embeddings.encode_query(meaning) if has_vectors else None
        if mode in ("hybrid", "keyword") and parsed.keyword:
            hits = self.index.search(parsed.keyword, filters, depth)
            keyword_ids = _ids_for_seqs(conn, [s for s, _ in hits])
            if self.index.size == 0 and _count(conn):
                result.notices.append("The keyword index is still being built.")
        if wants_vectors:
            if query_vector is not None:
                vector = query_vector
                semantic_ids = [pid for pid, _ in semantic.nearest(
                    conn, vector, filters, depth, candidates=keyword_ids)]
                if pending:
                    result.notices.append(f"{pending} papers are not embedded yet; semantic results skip them.")
            else:
                result.notices.append("Semantic search is not ready (no papers are embedded yet): "
                                      "showing keyword results only.")
                result.mode = "keyword"
                if mode == "semantic":
                    hits = self.index.search(parsed.keyword, filters, depth)
                    keyword_ids = _ids_for_seqs(conn, [s for s, _ in hits])

        if parsed.strict and mode == "hybrid":
            # phrases and fields must match: the semantic rank only reorders keyword matches
            allowed = set(keyword_ids)
            semantic_ids = [pid for pid in semantic_ids if pid in allowed]
        fused = rrf([(keyword_ids, W_KEYWORD), (semantic_ids, W_SEMANTIC)])
        if parsed.excluded and fused:
            fused = _drop_excluded(conn, fused, parsed.excluded)
        if fused:
            fused = _drop_hidden(conn, fused)
        ranked = sorted(fused, key=lambda pid: -fused[pid])
        result.total = len(ranked)
        if sort != "relevance" and ranked:
            ranked = _resort(conn, ranked, sort)
        page = ranked[offset : offset + limit]
        rows = {r["id"]: r for r in conn.execute("SELECT * FROM papers WHERE id = ANY(%s)", (page,))}
        result.items = [self._decorate(rows[pid], parsed, fused[pid], highlights) for pid in page if pid in rows]
        if not result.items and offset == 0:
            hint = " without quotes" if parsed.strict else " fewer or other words"
            result.notices.append(f"No papers match; try{hint}, or search by meaning.")
        return result

    @staticmethod
    def _decorate(row: dict[str, Any], parsed: q.Query, score: float, highlights: bool = True) -> dict[str, Any]:
        words = parsed.words if highlights else []
        return {**row, "score": score,
                "highlighted_title": highlight(row["title"], words),
                "highlighted_summary": highlight(row["summary"], words)}


def _count(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"]


def _ids_for_seqs(conn: psycopg.Connection, seqs: list[int]) -> list[str]:
    """Paper ids in the order of ``seqs`` (a paper's id can change; its seq cannot)."""
    if not seqs:
        return []
    rows = conn.execute("SELECT seq, id FROM papers WHERE seq = ANY(%s)", (seqs,)).fetchall()
    by_seq = {r["seq"]: r["id"] for r in rows}
    return [by_seq[s] for s in seqs if s in by_seq]


def _drop_excluded(conn: psycopg.Connection, fused: dict[str, float], words: list[str]) -> dict[str, float]:
    """Semantic neighbours may contain an excluded word the keyword leg already ruled out."""
    patterns = [rf"\m{w}" for w in words]
    bad = {r["id"] for r in conn.execute(
        "SELECT id FROM papers WHERE id = ANY(%s) AND (title || ' ' || summary) ~* ANY(%s)",
        (list(fused), patterns))}
    return {pid: s for pid, s in fused.items() if pid not in bad}


def _drop_hidden(conn: psycopg.Connection, fused: dict[str, float]) -> dict[str, float]:
    """Papers curators hid leave search results (their pages stay reachable)."""
    hidden = {r["id"] for r in conn.execute("SELECT id FROM papers WHERE id = ANY(%s) AND hidden", (list(fused),))}
    return {pid: s for pid, s in fused.items() if pid not in hidden} if hidden else fused


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
    rows = {r["id"]: r for r in conn.execute("SELECT * FROM papers WHERE id = ANY(%s)", (ids,))}
    out = []
    for pid, dist in hits:
        r = rows.get(pid)
        if r is None or r["hidden"] or (me and r["title_key"] == me["title_key"]) or dist < 1e-6:
            continue
        out.append({**r, "similarity": 1 - dist})
        if len(out) == limit:
            break
    return out
