"""The job around the sources: what `fill` never overwrites, --ids, a busy lease, serve's round."""

from __future__ import annotations

import dataclasses
from datetime import date

import psycopg

from paperboy import enrich
from paperboy.enrich import state
from paperboy.enrich.arxiv_meta import fill
from paperboy.jobs import BackgroundJobs
from paperboy.papers.record import Paper
from paperboy.papers.store import store_batch
from paperboy.search import Searcher
from paperboy.search.keyword import KeywordIndex, index_dir
from tests.enrich.conftest import enrich_env
from tests.helpers import run_cli
from tests.ops.nodes import wait_for

ARXIV = Paper(title="T", source="arxiv-atom", arxiv_id="2301.13615", version=3, authors=("A B", "C D"),
              categories=("cs.SE",), published_at=date(2023, 1, 31), updated_at=date(2023, 5, 2),
              comment="This paper has been withdrawn by the authors", withdrawn=True,
              extra={"doi": "10.1/x", "journal_ref": "J. 1 (2023)"})


def _row(**kw):
    row = {"published_at": None, "updated_at": None, "version": None, "authors": ["A B"],
           "authors_complete": False, "categories": [], "comment": None, "summary": "s", "extra": {},
           "withdrawn": False}
    return {**row, **kw}


def test_fill_completes_what_is_missing_and_never_replaces_what_was_given():
    got = fill(_row(), ARXIV)
    assert got["withdrawn"] is True and got["version"] == 3 and got["authors"] == ["A B", "C D"]
    assert got["doi"] == "10.1/x" and got["journal_ref"] == "J. 1 (2023)"
    given = _row(published_at=date(2023, 2, 1), categories=["cs.LG"], comment="imported", summary="imported",
                 extra={"doi": "10.2/y"}, authors=["X", "Y", "Z"], version=4, updated_at=date(2023, 6, 1))
    got = fill(given, ARXIV)
    assert not {"published_at", "categories", "comment", "summary", "doi", "version", "updated_at"} & set(got)
    assert "authors" not in got  # a longer list than arXiv's is not cut
    assert "authors" not in fill(_row(authors_complete=True), ARXIV)  # a complete list stays


def test_ids_asks_again_and_a_bad_source_is_a_clear_error(db_url, conn, arxiv, tmp_path):
    store_batch(conn, [Paper(title="Property-Based Mutation Testing", source="hf-daily", arxiv_id="2301.13615",
                             listed_on=date(2023, 2, 1))])
    conn.commit()
    env = {**enrich_env(arxiv, db_url), "PAPERBOY_HOME": str(tmp_path)}
    first = run_cli(["enrich"], env)
    assert first.returncode == 0 and "arxiv: 1 done" in first.stdout, first.stdout + first.stderr
    assert "nothing to enrich" in run_cli(["enrich"], env).stdout
    again = run_cli(["enrich", "--ids", "2301.13615v2"], env)
    assert again.returncode == 0 and "arxiv: 1 done" in again.stdout, again.stdout + again.stderr
    bad = run_cli(["enrich", "--source", "gitlab"], env)  # github is a source now (issue 23)
    assert bad.returncode == 2 and "unknown enrichment source 'gitlab'" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_a_live_holder_of_the_lease_is_left_alone_and_a_dead_one_is_not(db, db_url, conn, cfg, arxiv):
    store_batch(conn, [Paper(title="Property-Based Mutation Testing", source="hf-daily", arxiv_id="2301.13615",
                             listed_on=date(2023, 2, 1))])
    conn.commit()
    other = psycopg.connect(db_url, row_factory=psycopg.rows.dict_row)
    assert state.take(other, "arxiv", holder="elsewhere:1") is not None  # a live process holds it
    outcome = enrich.run(db, cfg)
    assert outcome.papers == 0 and "another process (elsewhere:1)" in outcome.errors[0]
    assert not arxiv.requests_to("/api/query")
    pid = other.info.backend_pid
    other.close()  # that process died: its connection is gone, and with it the lease

    def ended() -> bool:
        gone = conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone() is None
        conn.commit()  # pg_stat_activity is read once per transaction: the next look must see anew
        return gone

    wait_for(ended, 30, "the closed connection's backend to end")
    assert enrich.run(db, cfg).done == {"arxiv": 1}


def test_serve_enriches_in_the_background(db, conn, cfg, arxiv, tmp_path):
    store_batch(conn, [Paper(title="Property-Based Mutation Testing", source="hf-daily", arxiv_id="2301.13615",
                             listed_on=date(2023, 2, 1))])
    conn.commit()
    on = dataclasses.replace(cfg, fetch=dataclasses.replace(cfg.fetch, every=None, enrich_every=60.0))
    jobs = BackgroundJobs(db, Searcher(tmp_path, conn, KeywordIndex(index_dir(tmp_path, conn))), embed=False,
                          digests=False, cfg=on)
    assert jobs.enrich_round() is False  # done, nothing more due
    assert conn.execute("SELECT published_at FROM papers").fetchone()["published_at"] == date(2023, 1, 31)
    asked = len(arxiv.log)
    assert jobs.enrich_round() is False and len(arxiv.log) == asked  # not before PAPERBOY_ENRICH_EVERY
