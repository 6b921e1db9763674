"""The vector leg running beside the keyword leg (Searcher(url=...)) answers exactly what
the one-after-the-other search answers, filters included, and stop words leave the keyword
query but not the text the model reads."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import psycopg
import pytest

from paperboy.db import Database
from paperboy.search import Filters, Searcher, semantic
from paperboy.search import query as q

QUERIES = [
    ("vision language models hallucination", None),
    ("the best way of making attention cheaper for long sequences", None),
    ("real-time object detection", Filters(category="cs.CV")),
    ("diffusion models for video", Filters(since=date(2024, 11, 1), until=date(2024, 11, 30))),
    ('"language model" reasoning -survey', None),
    ("author:Zhang agents", None),
    ("object detection", Filters(has_code=True)),
]


@pytest.fixture
def both(search_db: Database, search_home: Path):
    with search_db.connection() as conn:
        alone = Searcher(search_home, conn)
        beside = Searcher(search_home, conn, url=search_db.url)
    yield alone, beside
    beside.close()


@pytest.mark.parametrize(("text", "filters"), QUERIES)
def test_parallel_search_answers_the_same(both, sconn, text, filters):
    alone, beside = both
    for mode in ("hybrid", "semantic"):
        a = alone.search(sconn, text, filters=filters, mode=mode, limit=50)
        b = beside.search(sconn, text, filters=filters, mode=mode, limit=50)
        assert [i["id"] for i in b.items] == [i["id"] for i in a.items], (text, mode)
        assert [round(i["score"], 9) for i in b.items] == [round(i["score"], 9) for i in a.items]
        assert b.mode == a.mode and b.notices == a.notices
        if mode == "hybrid":
            assert "vector" in b.timings and "keyword" in b.timings


def test_candidates_added_afterwards_equal_candidates_given_at_once(sconn):
    """The keyword matches a filtered vector search ranks too: merged after the fact
    (semantic.add_candidates, or candidate_distances + merge) or given up front
    (nearest(candidates=...)), the same list."""
    import numpy as np

    rows = sconn.execute("SELECT id FROM papers ORDER BY id LIMIT 30").fetchall()
    candidates = [r["id"] for r in rows]
    vector = np.asarray(semantic.vector_of(sconn, candidates[0]))
    f = Filters(category="cs.CV")
    old_pool = semantic.EXACT_UP_TO
    semantic.EXACT_UP_TO = 0  # force the pool path, where candidates matter
    try:
        at_once = semantic.nearest(sconn, vector, f, 5, candidates=candidates)
        later = semantic.add_candidates(sconn, vector, f, semantic.nearest(sconn, vector, f, 5),
                                        candidates, 5)
        # as a search does it: the candidates' distances read while the probe runs, then merged
        beside = semantic.merge(semantic.nearest(sconn, vector, f, 5),
                                semantic.candidate_distances(sconn, vector, f, candidates), 5)
    finally:
        semantic.EXACT_UP_TO = old_pool
    assert at_once and [p for p, _ in later] == [p for p, _ in at_once]
    assert beside == at_once


def test_a_hidden_paper_leaves_every_vector_path(sconn):
    """The vector leg leaves hidden papers out itself (unfiltered: NOT EXISTS on the partial
    index of hidden papers; filtered: its join), and so do similar papers. The hide is
    rolled back: the session's corpus is shared."""
    import numpy as np

    from paperboy.search import hybrid

    probe = sconn.execute("SELECT id, categories FROM papers WHERE 'cs.CV' = ANY(categories)"
                          " ORDER BY id LIMIT 1").fetchone()
    vector = np.asarray(semantic.vector_of(sconn, probe["id"]))
    near = [p for p, _ in semantic.nearest(sconn, vector, None, 5)]
    target = near[1]  # a close neighbour of the probe paper, itself visible
    old_pool = semantic.EXACT_UP_TO
    with sconn.transaction(force_rollback=True):
        sconn.execute("UPDATE papers SET hidden = true WHERE id = %s", (target,))
        assert sconn.execute("SELECT count(*) AS n FROM papers WHERE hidden").fetchone()["n"] == 1
        paths = {"unfiltered": semantic.nearest(sconn, vector, None, 5),
                 "exact": semantic.nearest(sconn, vector, Filters(since=date(2000, 1, 1)), 5)}
        semantic.EXACT_UP_TO = 0  # the pool path
        try:
            paths["pool"] = semantic.nearest(sconn, vector, Filters(since=date(2000, 1, 1)), 5,
                                             candidates=[target, probe["id"]])
        finally:
            semantic.EXACT_UP_TO = old_pool
        paths["similar"] = [(r["id"], 0.0) for r in hybrid.similar(sconn, probe["id"], 5)]
        for name, hits in paths.items():
            assert hits, name
            assert target not in [p for p, _ in hits], name
    assert target in [p for p, _ in semantic.nearest(sconn, vector, None, 5)]  # visible again


def test_stop_words_leave_the_keyword_query_only():
    parsed = q.parse("the attention of transformers")
    assert parsed.keyword == "attention transformers"
    assert parsed.semantic == "the attention of transformers"
    assert "the" in parsed.words  # still highlighted
    assert q.parse("the of").keyword == "the of"  # nothing else: kept
    assert q.parse('"the cat" of').keyword == '"the cat"'  # phrases keep theirs
    assert q.parse("x OR the y").keyword == "x OR y"


def test_stale_embedding_status_is_refreshed_off_the_search(db, conn, tmp_path):
    """Counting papers without a vector reads every paper: with a VectorLeg a search answers
    with the last count while a thread counts again."""
    import time

    from paperboy import embeddings
    from paperboy.papers.record import Paper
    from paperboy.papers.store import store_batch

    store_batch(conn, [Paper(title="Sparse attention for long sequences", source="arxiv-jsonl",
                             arxiv_id="2403.00021", summary="Attention, but sparse.")])
    conn.commit()
    embeddings.embed_pending(conn)
    searcher = Searcher(tmp_path, conn, url=db.url)
    try:
        assert searcher.embedding_status(conn) == (True, 0)
        store_batch(conn, [Paper(title="Not embedded yet", source="arxiv-jsonl", arxiv_id="2403.00022")])
        conn.commit()
        searcher.STATUS_SECONDS = 0.0
        assert searcher.embedding_status(conn) == (True, 0)  # the last answer, at once
        deadline = time.monotonic() + 10
        while searcher._status[2] != 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert searcher._status[2] == 1
    finally:
        searcher.close()


def test_plain_words_query_scores_as_the_parser_does(searcher):
    """Bare words (and bare words to exclude) go to tantivy as one flat OR (two to three
    times as fast at a million papers): the same papers with the same BM25 scores as the
    query parser's nested form; anything else is left to the parser."""
    from paperboy.search.keyword import BOOSTS, FIELDS

    ki = searcher.index
    index = ki.index
    assert ki._plain_query('"sparse attention"') is None and ki._plain_query("author:Zhang") is None
    assert ki._plain_query("attention OR memory") is None and ki._plain_query("-survey") is None
    assert ki._plain_query("x -sur-vey") is None and ki._plain_query("x -author:Zhang") is None
    found = 0
    for text in ["vision language models hallucinate objects", "Prompt prompting prompts Prompt prompt",
                 "Schrödinger naïve équation", "real time object detection 10 GPUs",
                 "language models -survey -surveys", "object detection -transformer"]:
        flat = ki._plain_query(text)
        assert flat is not None
        parsed, _ = index.parse_query_lenient(text, FIELDS, field_boosts=BOOSTS)
        a = index.searcher().search(flat, 50).hits
        b = index.searcher().search(parsed, 50).hits
        found += bool(a)
        assert [(round(s, 3), d.doc, d.segment_ord) for s, d in sorted(a, key=lambda h: (-h[0], h[1].doc))] == \
            [(round(s, 3), d.doc, d.segment_ord) for s, d in sorted(b, key=lambda h: (-h[0], h[1].doc))]
    assert found >= 3


def test_the_probe_walks_the_half_precision_index_or_the_one_an_upgrade_still_has(db, conn, monkeypatch):
    """Migration 0033's index is the one probes walk (EXPLAIN), and the distances they return
    are exact; while an upgrade still builds it, probes walk the full-precision index instead."""
    import numpy as np

    from paperboy.db.vectors import ensure_vector
    from paperboy.papers.record import Paper
    from paperboy.papers.store import store_batch

    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(300, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    store_batch(conn, [Paper(title=f"Paper {i}", source="arxiv-jsonl", arxiv_id=f"2403.{i:05d}") for i in range(300)])
    ensure_vector(conn)
    ids = [r["id"] for r in conn.execute("SELECT id FROM papers ORDER BY id")]
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO embeddings (paper_id, model, text_hash, embedding) VALUES (%s, 'm', 'h', %s)",
                        list(zip(ids, vectors, strict=True)))
    conn.commit()
    monkeypatch.setattr(semantic, "_forms", {})
    assert semantic.probe_order(conn) == semantic.HALF
    plan = "\n".join(r["QUERY PLAN"] for r in conn.execute(
        "EXPLAIN SELECT paper_id FROM embeddings ORDER BY " + semantic.HALF.replace("%(v)s", "%s") + " LIMIT 10",  # noqa: S608
        (vectors[0],)))
    assert "embeddings_hnsw_half" in plan, plan
    def scans(name: str) -> int:
        conn.execute("SELECT pg_stat_force_next_flush()")
        conn.commit()
        row = conn.execute("SELECT coalesce(sum(idx_scan), 0) AS n FROM pg_stat_user_indexes"
                           " WHERE indexrelname = %s", (name,)).fetchone()
        conn.commit()
        return int(row["n"])

    conn.execute("SET enable_seqscan = off")  # 300 rows: the planner could sort them all instead
    conn.commit()
    before = scans("embeddings_hnsw_half")
    got = semantic.nearest(conn, vectors[0], k=10)
    assert scans("embeddings_hnsw_half") > before, "the probe walked the half-precision index"
    exact = np.argsort(-(vectors @ vectors[0]))[:10]
    assert [p for p, _ in got] == [ids[i] for i in exact]
    assert np.allclose([d for _, d in got], 1 - (vectors[exact] @ vectors[0]), atol=1e-6)  # float32, not half

    # mid-upgrade: only the full-precision index (as before 0033) is valid
    conn.execute("DROP INDEX embeddings_hnsw_half")
    conn.execute("CREATE INDEX embeddings_hnsw ON embeddings USING hnsw (embedding vector_cosine_ops)")
    conn.commit()
    monkeypatch.setattr(semantic, "_forms", {})
    assert semantic.probe_order(conn) == "embedding <=> %(v)s"
    before = scans("embeddings_hnsw")
    assert semantic.nearest(conn, vectors[0], k=10) == got
    assert scans("embeddings_hnsw") > before
    assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE  # the lookup left none open
