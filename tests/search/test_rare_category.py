"""A category filter on the vector leg: a category of few papers is compared in full, exactly,
instead of filtering the nearest few hundred of all papers (which may hold none of it)."""

from __future__ import annotations

import numpy as np

from paperboy.db.vectors import ensure_vector
from paperboy.papers.record import Paper
from paperboy.papers.store import store_batch
from paperboy.search import Filters, semantic


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def test_a_rare_categorys_nearest_papers_are_found_even_when_all_are_far(conn, monkeypatch):
    rng = np.random.default_rng(5)
    query = _unit(rng.normal(size=384))
    near = _unit(query + 0.3 * rng.normal(size=(380, 384)))  # a large category, all close
    far = _unit(rng.normal(size=(20, 384)))                  # a rare one, all far
    papers = ([Paper(title=f"Near {i}", source="arxiv-jsonl", arxiv_id=f"2403.{i:05d}", categories=("cs.CV",))
               for i in range(380)]
              + [Paper(title=f"Far {i}", source="arxiv-jsonl", arxiv_id=f"2404.{i:05d}", categories=("cs.DL",))
                 for i in range(20)])
    store_batch(conn, papers)
    ensure_vector(conn)
    ids = {r["arxiv_id"]: r["id"] for r in conn.execute("SELECT id, arxiv_id FROM papers")}
    rows = [(ids[p.arxiv_id], v) for p, v in zip(papers, [*near, *far], strict=True)]
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO embeddings (paper_id, model, text_hash, embedding) VALUES (%s, 'm', 'h', %s)", rows)
    conn.commit()
    conn.execute("ANALYZE papers")  # what autovacuum does after a large import
    conn.commit()
    monkeypatch.setattr(semantic, "_sizes", {})
    monkeypatch.setattr(semantic, "EXACT_UP_TO", 100)  # (5,000: a hub's few hundred papers are all "few")

    assert 15 <= semantic.category_size(conn, "cs.DL") <= 25
    assert 340 <= semantic.category_size(conn, "cs.CV") <= 420
    assert semantic.category_size(conn, "math.CO") <= 20  # none of it: rarer than the rarest listed

    got = semantic.nearest(conn, query, Filters(category="cs.DL"), k=10)
    far_ids = [ids[p.arxiv_id] for p in papers[380:]]
    exact = np.argsort(-(far @ query))[:10]
    # the 30 nearest of all papers (the pool for k=10) are all cs.CV: the pool would find none
    assert [p for p, _ in got] == [far_ids[i] for i in exact]
    assert np.allclose([d for _, d in got], 1 - far[exact] @ query, atol=1e-5)
    # a large category (over EXACT_UP_TO) still takes the pool of the nearest: the top ten here
    large = semantic.nearest(conn, query, Filters(category="cs.CV"), k=10)
    assert [p for p, _ in large] == [ids[papers[i].arxiv_id] for i in np.argsort(-(near @ query))[:10]]
