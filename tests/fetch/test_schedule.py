"""The fetch schedule: when a source is due, and that `serve` runs it by itself."""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime, timedelta

from paperboy import fetch
from paperboy.fetch import runs
from paperboy.jobs import BackgroundJobs


def _runs(conn) -> list[tuple[str, str, str]]:
    conn.commit()
    return [(r["source"], r["trigger"], r["status"]) for r in
            conn.execute("SELECT source, trigger, status FROM fetch_runs ORDER BY id")]


def test_run_due_runs_each_source_once_per_interval(db, conn, cfg, replay):
    now = datetime.now(UTC)
    first = fetch.run_due(db, cfg, now=now)
    assert [(o.source, o.ok) for o in first] == [("hf", True), ("arxiv", True)]
    assert _runs(conn) == [("hf", "schedule", "ok"), ("arxiv", "schedule", "ok")]
    assert fetch.run_due(db, cfg, now=now + timedelta(minutes=59)) == []
    later = fetch.run_due(db, cfg, now=now + timedelta(minutes=61))
    assert [o.source for o in later] == ["hf", "arxiv"]


def test_a_failed_run_is_retried_sooner(db, conn, cfg, replay):
    from tests.fetch.replay import Fault, at

    replay.faults.append(Fault("status", at("/api/query"), status=503, times=99))
    now = datetime.now(UTC)
    outcomes = fetch.run_due(db, cfg, now=now)
    assert [o.ok for o in outcomes] == [True, False]
    replay.faults.clear()
    # A quarter of the hour later: arXiv again (it failed), Hugging Face not yet.
    again = fetch.run_due(db, cfg, now=now + timedelta(minutes=16))
    assert [(o.source, o.ok) for o in again] == [("arxiv", True)]


def test_no_schedule_when_off_and_no_arxiv_without_categories(db, conn, cfg, replay):
    off = dataclasses.replace(cfg, fetch=dataclasses.replace(cfg.fetch, every=None))
    assert fetch.run_due(db, off) == []
    hf_only = dataclasses.replace(cfg, fetch=dataclasses.replace(cfg.fetch, categories=()))
    assert fetch.scheduled_sources(hf_only) == ["hf"]
    assert "set PAPERBOY_ARXIV_CATEGORIES" in fetch.describe_schedule(hf_only)
    assert replay.log == []


def test_the_background_worker_fetches_on_its_own(db, conn, cfg, replay, monkeypatch, tmp_path):
    from paperboy.search import Searcher

    for key, value in {"PAPERBOY_FETCH_EVERY": "1h", "PAPERBOY_ARXIV_CATEGORIES": "cs.CL",
                       "PAPERBOY_ARXIV_URL": cfg.fetch.arxiv_url, "PAPERBOY_HF_URL": cfg.fetch.hf_url,
                       "PAPERBOY_ARXIV_DELAY": "0.05", "PAPERBOY_HF_DELAY": "0.05"}.items():
        monkeypatch.setenv(key, value)
    with db.connection() as c:
        searcher = Searcher(tmp_path, c)
    jobs = BackgroundJobs(db, searcher, embed=False, digests=False)
    jobs.start()
    try:
        deadline = time.monotonic() + 60
        while len([r for r in _runs(conn) if r[2] != "running"]) < 2:
            assert time.monotonic() < deadline, _runs(conn)
            time.sleep(0.2)
    finally:
        jobs.stop()
    assert _runs(conn) == [("hf", "schedule", "ok"), ("arxiv", "schedule", "ok")]
    assert conn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"] == 60
    assert not jobs.fetch_thread.is_alive()
    assert runs.latest(conn)[0]["status"] == "ok"


def test_stopping_serve_ends_a_running_fetch_as_interrupted(db, conn, cfg, replay, monkeypatch, tmp_path):
    from paperboy.search import Searcher
    from tests.fetch.replay import Fault, at

    for key, value in {"PAPERBOY_FETCH_EVERY": "1h", "PAPERBOY_FETCH_SOURCES": "hf",
                       "PAPERBOY_HF_URL": cfg.fetch.hf_url, "PAPERBOY_HF_DELAY": "2"}.items():
        monkeypatch.setenv(key, value)
    replay.faults.append(Fault("slow", at("/api/daily_papers"), seconds=0.5))
    with db.connection() as c:
        searcher = Searcher(tmp_path, c)
    jobs = BackgroundJobs(db, searcher, embed=False, digests=False)
    jobs.start()
    deadline = time.monotonic() + 30
    while not replay.log:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    jobs.stop()  # mid-run: the run waits 2 s before its next request
    assert not jobs.fetch_thread.is_alive()
    run = conn.execute("SELECT status, error FROM fetch_runs").fetchone()
    assert run == {"status": "interrupted", "error": "Hugging Face: stopped because paperboy is shutting down"}
    assert len(replay.log) == 1
