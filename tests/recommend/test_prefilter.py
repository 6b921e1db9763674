"""For you's prefilter (recommend/prefilter.py): over a period of many papers only the coarse
best rows are scored exactly, and the picks are the exact ones: the same papers, scores and
reasons as scoring every row, from memory and from the node's shared file. The thresholds are
lowered so that 1,000 real papers are prefiltered (a real hub: 100,000 rows and more)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from tests.community.people import add
from tests.recommend import topics

from paperboy import recommend
from paperboy.community import votes
from paperboy.recommend import corpus as corpus_mod
from paperboy.recommend import picks as picks_mod
from paperboy.recommend import prefilter, shared
from paperboy.recommend.model import Model

ALL = {"since": date(1900, 1, 1)}


def _members(conn) -> list[int]:
    """A member of 5 likes (centroid), one of 12 (SVM) who turned two papers down, and one
    of two interests."""
    out = []
    for n, (likes, rejected) in enumerate([
        (topics.neighbours(0, 5), []),
        (topics.neighbours(3, 12), topics.neighbours(3, 20)[14:16]),
        (topics.neighbours(7, 4) + topics.neighbours(400, 4), []),
    ]):
        m = add(conn, f"m{n}@example.org")
        for pid in likes:
            votes.upvote(conn, pid, m.id)
        for pid in rejected:
            recommend.not_interested(conn, m.id, pid)
        out.append(m.id)
    assert recommend.refresh_stale(conn) == len(out)
    return out


def _picks(conn, members: list[int]) -> list[list[tuple]]:
    return [[(p.paper_id, p.score, p.because, p.trending)
             for p in recommend.recommend(conn, m, limit=20, **ALL).items] for m in members]


@pytest.fixture
def lowered(monkeypatch):
    """Prefilter from 100 rows, keeping 200 of them; a spy on the rows it keeps."""
    monkeypatch.setattr(prefilter, "FROM", 100)
    monkeypatch.setattr(prefilter, "KEEP_MIN", 200)
    kept: list[int] = []
    real = prefilter.candidates

    def spy(*args, **kwargs):
        rows = real(*args, **kwargs)
        kept.append(len(rows))
        return rows

    monkeypatch.setattr(prefilter, "candidates", spy)
    return kept


def test_prefiltered_picks_are_the_exact_picks(tconn, lowered, monkeypatch):
    members = _members(tconn)
    exact_cache = corpus_mod.Cache()  # built before the thresholds matter: no prefilter rows
    monkeypatch.setattr(prefilter, "FROM", 10**9)
    monkeypatch.setattr(picks_mod, "CACHE", exact_cache)
    exact = _picks(tconn, members)
    assert exact_cache.get(tconn).base.pq is None and not lowered

    monkeypatch.setattr(prefilter, "FROM", 100)
    cache = corpus_mod.Cache()
    monkeypatch.setattr(picks_mod, "CACHE", cache)
    corpus = cache.get(tconn)
    n = len(corpus.base)
    assert corpus.base.pq is not None and corpus.base.pq.shape == (n, prefilter.DIM)
    got = _picks(tconn, members)
    assert lowered == [200] * len(members), "each member's picks came through the prefilter"
    assert all(len(p) == 20 and not any(x[3] for x in p) for p in exact), "real picks, not padding"
    assert got == exact


def test_the_coarse_scores_follow_the_exact_ones(tconn, lowered):
    """The coarse pass ranks as the model does: its kept rows hold the exact top 50 of every
    member, and keeping fewer rows keeps fewer of them (it is a filter, not a pass-through)."""
    members = _members(tconn)
    cache = corpus_mod.Cache()
    corpus = cache.get(tconn)
    base = corpus.base
    everything = [(0, len(base))]
    for m in members:
        model = Model.from_bytes(bytes(picks_mod._model(tconn, m)["model"]))
        exact = model.score(np.array(base.q, dtype=np.float32), np.asarray(base.scale))
        top = set(np.argsort(-exact)[:50].tolist())
        kept = prefilter.candidates(model, base.proj, base.pq, base.pscale, everything, corpus.dead)
        assert top <= set(kept.tolist())
        assert len(kept) == 200 and np.all(np.diff(kept) > 0)


def test_the_shared_file_carries_the_prefilter_and_an_older_file_still_serves(tconn, lowered, tmp_path,
                                                                              monkeypatch):
    members = _members(tconn)
    cache = corpus_mod.Cache()
    cache.share(tmp_path / "new")
    monkeypatch.setattr(picks_mod, "CACHE", cache)
    written = cache.get(tconn).base
    mapped = shared.read(written.path)
    assert isinstance(mapped.pq, np.memmap) and mapped.pq.mode == "r"
    for name in ("proj", "pq", "pscale"):
        assert np.array_equal(getattr(mapped, name), getattr(written, name)), name
    from_file = _picks(tconn, members)
    assert len(lowered) == len(members)

    # a file written before the prefilter existed (no such arrays): read, used exactly
    monkeypatch.setattr(prefilter, "FROM", 10**9)
    old = corpus_mod.Cache()
    old.share(tmp_path / "old")
    monkeypatch.setattr(picks_mod, "CACHE", old)
    assert old.get(tconn).base.pq is None
    assert shared.read(old.get(tconn).base.path).pq is None
    assert _picks(tconn, members) == from_file
    assert len(lowered) == len(members)  # not used again
    # a process started with the prefilter (an upgrade) maps the old file, writes a new
    # generation that has its rows, and the picks stay the same
    monkeypatch.setattr(prefilter, "FROM", 100)
    old.forget()
    again = old.get(tconn).base
    assert again.pq is not None and again.generation == 2 and isinstance(again.pq, np.memmap)
    assert _picks(tconn, members) == from_file


def test_the_stored_graph_is_one_matmulinteger():
    """prefilter.GRAPH is what onnx.helper builds, and it multiplies as numpy does."""
    from onnx import TensorProto, helper

    io = [helper.make_tensor_value_info(name, kind, [None, None])
          for name, kind in (("A", TensorProto.INT8), ("B", TensorProto.INT8), ("Y", TensorProto.INT32))]
    graph = helper.make_graph([helper.make_node("MatMulInteger", ["A", "B"], ["Y"])], "coarse", io[:2], io[2:])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    assert model.SerializeToString() == prefilter.GRAPH
    rng = np.random.default_rng(1)
    a = rng.integers(-127, 128, (1000, prefilter.DIM), dtype=np.int8)
    b = rng.integers(-127, 128, (prefilter.DIM, 5), dtype=np.int8)
    got = prefilter._session()(None, {"A": a, "B": b})[0]
    assert got.dtype == np.int32 and np.array_equal(got, a.astype(np.int32) @ b.astype(np.int32))


def test_dead_rows_and_several_ranges(tconn, lowered):
    """Rows of a period in two ranges (base rows of two spans), some of them dead (a paper
    whose vector changed lives in the tail): only live rows of the ranges come back, the
    exact best of them included."""
    members = _members(tconn)
    corpus = corpus_mod.Cache().get(tconn)
    base = corpus.base
    ranges = [(0, 400), (500, len(base))]
    live = np.r_[0:400, 500:len(base)]
    model = Model.from_bytes(bytes(picks_mod._model(tconn, members[1])["model"]))
    exact = model.score(np.array(base.q, dtype=np.float32), np.asarray(base.scale))
    best = live[np.argsort(-exact[live])]
    dead = np.array(sorted({int(best[0]), int(best[3]), 450, int(live[-1])}), np.int64)  # two of the best, one outside
    kept = prefilter.candidates(model, base.proj, base.pq, base.pscale, ranges, dead)
    in_ranges = ((kept >= 0) & (kept < 400)) | ((kept >= 500) & (kept < len(base)))
    assert in_ranges.all() and not set(kept.tolist()) & set(dead.tolist())
    assert len(kept) == 200 and np.all(np.diff(kept) > 0)
    alive_best = [int(r) for r in best if r not in set(dead.tolist())][:40]
    assert set(alive_best) <= set(kept.tolist())
