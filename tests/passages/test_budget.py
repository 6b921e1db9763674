"""The full-text budget (PAPERBOY_FULLTEXT_MAX_GB) as serve's jobs keep it: past it, the
oldest texts of papers in no member's library are evicted first ('evicted', their passages
gone from the passage index at the same round); library papers' texts are kept, even over
the budget; an evicted paper that joins a library is queued to be fetched again."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from paperboy import config
from paperboy.config import ConfigError
from paperboy.fulltext import budget, store
from paperboy.fulltext.convert import Heading
from paperboy.fulltext.source import STALE
from paperboy.jobs import BackgroundJobs
from paperboy.papers.record import Paper
from paperboy.papers.store import store_batch
from paperboy.search import Searcher
from tests.community.people import add

IDS = ["2503.00001", "2503.00002", "2503.00003", "2503.00004"]  # fetched in this order; the first is a library paper


def _text(i: int) -> str:
    # different words per paper (so they compress to different sizes) and one shared phrase
    return "## 1 Intro\n\n" + " ".join(f"w{i}x{j}" for j in range(300 * (i + 1))) + " gradient clipping.\n"


def _jobs(db, conn, tmp_path, monkeypatch, gb: str) -> BackgroundJobs:
    monkeypatch.setenv("PAPERBOY_FULLTEXT_MAX_GB", gb)
    return BackgroundJobs(db, Searcher(tmp_path, conn), embed=False, digests=False, fetch=False, cfg=config.load())


def _found(jobs: BackgroundJobs, conn) -> set[str]:
    seqs = set(jobs.searcher.passages.search('"gradient clipping"').best)
    return {r["id"] for r in conn.execute("SELECT id FROM papers WHERE seq = ANY(%s)", (list(seqs),))}


def test_the_budget_evicts_the_oldest_library_less_texts_first(db, conn, tmp_path, monkeypatch, caplog):
    store_batch(conn, [Paper(title=f"Paper {i}", source="arxiv", arxiv_id=pid, version=1, summary="s",
                             published_at=date(2025, 3, 1)) for i, pid in enumerate(IDS)])
    sizes = {pid: store.save_text(conn, pid, 1, _text(i), [Heading(2, "1 Intro", "S1")]) for i, pid in enumerate(IDS)}
    for i, pid in enumerate(IDS):
        conn.execute("UPDATE fulltexts SET fetched = now() - make_interval(days => %s) WHERE paper_id = %s",
                     (10 - i, pid))
    member = add(conn, "ada@example.org")
    conn.execute("INSERT INTO votes (paper_id, member_id) VALUES (%s, %s)", (IDS[0], member.id))
    conn.commit()
    total = sum(sizes.values())
    assert budget.used(conn) == total and len(set(sizes.values())) == 4

    roomy = _jobs(db, conn, tmp_path, monkeypatch, "10")
    assert roomy.cfg.fetch.fulltext_max_bytes == 10 * 1000**3
    roomy.run_once()
    assert _found(roomy, conn) == set(IDS)

    # just over: the oldest text of a paper in no library (the second) and the next go, the
    # library paper (older than both) stays
    jobs = _jobs(db, conn, tmp_path, monkeypatch, str((total - sizes[IDS[1]] - 1) / 1e9))
    jobs.run_once()
    rows = {r["paper_id"]: r for r in conn.execute("SELECT paper_id, status, markdown, reason FROM fulltexts")}
    assert {pid for pid, r in rows.items() if r["status"] == "evicted"} == {IDS[1], IDS[2]}
    assert all(rows[pid]["markdown"] is None and "PAPERBOY_FULLTEXT_MAX_GB" in rows[pid]["reason"]
               for pid in (IDS[1], IDS[2]))
    assert budget.used(conn) == sizes[IDS[0]] + sizes[IDS[3]] <= jobs.cfg.fetch.fulltext_max_bytes
    assert store.load(conn, IDS[1]) is None and store.load(conn, IDS[0]) is not None
    assert _found(jobs, conn) == {IDS[0], IDS[3]}  # their passages left the index in the same round

    # a tiny budget: every library-less text goes; the library paper's stays, said in the log
    monkeypatch.setattr(budget, "_warned", -budget.WARN_EVERY)  # (once an hour: serve looks every round)
    with caplog.at_level(logging.WARNING, logger="paperboy.fulltext.budget"):
        tiny = _jobs(db, conn, tmp_path, monkeypatch, "0.000000001")
        tiny.run_once()
        tiny.run_once()
    assert _found(tiny, conn) == {IDS[0]}
    assert conn.execute("SELECT paper_id FROM fulltexts WHERE status = 'text'").fetchall() == [{"paper_id": IDS[0]}]
    assert caplog.text.count("library papers' texts alone") == 1  # not every round

    # an evicted paper saved by a member since is asked for again (enrichment's stale rule)
    stale = lambda: {r["id"] for r in conn.execute(f"SELECT id FROM papers p WHERE {STALE}")}  # noqa: E731, S608
    assert stale() == set()
    conn.execute("INSERT INTO votes (paper_id, member_id) VALUES (%s, %s)", (IDS[2], member.id))
    assert stale() == {IDS[2]}


def test_the_setting_is_a_size_in_gb(monkeypatch):
    monkeypatch.setenv("PAPERBOY_FULLTEXT_MAX_GB", "0.5")
    assert config.load().fetch.fulltext_max_bytes == 500_000_000
    for bad in ("-1", "lots", "nan", "inf"):
        monkeypatch.setenv("PAPERBOY_FULLTEXT_MAX_GB", bad)
        with pytest.raises(ConfigError, match="PAPERBOY_FULLTEXT_MAX_GB"):
            config.load()
