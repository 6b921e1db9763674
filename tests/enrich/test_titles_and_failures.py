"""Papers without an id matched to arXiv by exact title only; sources that fail lose nothing
and block nothing; a killed `paperboy enrich` resumes."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import date

import pytest

from paperboy import enrich
from paperboy.enrich import state
from paperboy.papers.record import Paper
from paperboy.papers.store import store_batch
from tests.enrich.conftest import enrich_env
from tests.enrich.standin import recorded_entries, title_of
from tests.fetch.replay import Fault, at
from tests.fixtures.web import app, client  # noqa: F401 - the web app over the test's database
from tests.helpers import import_demo, paperboy_cmd, run_cli, shared


def _saved_page_paper(title: str, **kw) -> Paper:
    return Paper(title=title, source="hf-page", summary="An abstract a saved page cut sh", upvotes=5,
                 listed_on=date(2025, 3, 20), **kw)


def test_id_less_papers_merge_on_an_exact_title_only(db, conn, cfg, arxiv, client):  # noqa: F811
    titles = {aid: title_of(e) for aid, e in recorded_entries(shared("arxiv-api-recorded").parent).items()}
    exact = titles["2302.03287"]  # "ChatGPT and Software Testing Education: Promises & Perils"
    stored = titles["2301.13615"]  # "Property-Based Mutation Testing": in the hub already
    near = titles["2106.04735"].replace("Testing", "Running")  # one word off
    # in the hub under an earlier title (so the store did not merge the saved page's record)
    store_batch(conn, [Paper(title=stored + ": a first draft", source="arxiv-atom", arxiv_id="2301.13615",
                             authors=("A. Person",), authors_complete=True, published_at=date(2023, 1, 31))])
    store_batch(conn, [
        _saved_page_paper(exact.upper().replace(":", " -")),  # case and punctuation differ: the same title
        _saved_page_paper(stored + "."),
        _saved_page_paper(near),
        _saved_page_paper(titles["2101.09077"], authors=("Nobody Matches",)),  # the title, other authors
    ])
    conn.commit()
    olds = {r["title"]: r["id"] for r in conn.execute("SELECT id, title FROM papers WHERE arxiv_id IS NULL")}
    assert len(olds) == 4

    outcome = enrich.run(db, cfg, sources=["arxiv-title"])

    assert outcome.done == {"arxiv-title": 4} and not outcome.errors
    ids = {r["id"] for r in conn.execute("SELECT id FROM papers")}
    # the exact title: the id-less paper became the arXiv paper (its upvotes and day kept)
    got = conn.execute("SELECT * FROM papers WHERE id = '2302.03287'").fetchone()
    assert got["upvotes"] == 5 and got["listed_on"] == date(2025, 3, 20) and got["authors_complete"]
    assert got["field_sources"]["arxiv_id"] == "arxiv-title"
    # the paper the hub had: the id-less one merged into it, its old address answers for it
    assert olds[stored + "."] not in ids and client.get(f"/api/papers/{olds[stored + '.']}").json()["id"] == "2301.13615"
    assert conn.execute("SELECT upvotes FROM papers WHERE id = '2301.13615'").fetchone()["upvotes"] == 5
    assert client.get(f"/api/papers/{olds[exact.upper().replace(':', ' -')]}").json()["id"] == "2302.03287"
    # a near miss and a title whose authors differ stay apart, with a note why
    assert olds[near] in ids and olds[titles["2101.09077"]] in ids
    assert "2106.04735" not in ids and "2101.09077" not in ids
    notes = {r["paper_id"]: r["note"] for r in conn.execute(
        "SELECT paper_id, note FROM enrich_state WHERE source = 'arxiv-title'")}
    assert notes[olds[near]].startswith("no exact title match among") and notes[olds[near]] != \
        "no exact title match among 0 arXiv results"  # the search did return the near title


@pytest.mark.parametrize("answer", ["503", "404", "garbage"])
def test_a_failing_source_loses_nothing_and_blocks_nothing(db, conn, cfg, arxiv, answer):
    store_batch(conn, [Paper(title="Property-Based Mutation Testing", source="hf-daily", arxiv_id="2301.13615",
                             authors=("Ezio Bartocci",), listed_on=date(2023, 2, 1), upvotes=3),
                       _saved_page_paper(title_of(recorded_entries(arxiv.shared)["2302.03287"]))])
    conn.commit()
    before = conn.execute("SELECT * FROM papers ORDER BY id").fetchall()
    kind = {"503": Fault("status", at("/api/query", id_list="2301.13615"), times=99, status=503),
            "404": Fault("status", at("/api/query", id_list="2301.13615"), times=99, status=404),
            "garbage": Fault("malformed", at("/api/query", id_list="2301.13615"), times=99)}[answer]
    arxiv.faults.append(kind)

    outcome = enrich.run(db, cfg)

    # the id lookup failed; the title source (same service, other requests) went on
    assert outcome.failed == {"arxiv": 1} and outcome.done == {"arxiv-title": 1}
    assert conn.execute("SELECT 1 FROM papers WHERE id = '2302.03287'").fetchone()
    row = conn.execute("SELECT * FROM papers WHERE id = '2301.13615'").fetchone()
    assert row == next(r for r in before if r["id"] == "2301.13615")  # nothing lost, nothing changed
    st = conn.execute("SELECT * FROM enrich_state WHERE paper_id = '2301.13615'").fetchone()
    assert st["status"] == "pending" and st["attempts"] == 1 and st["last_error"]
    assert st["next_attempt"] > conn.execute("SELECT now() + interval '5 minutes' AS t").fetchone()["t"]
    assert state.backlog(conn)["arxiv"]["pending"] == 1
    # not asked again before its time; asked again once it has come, and then it is filled
    asked = len(arxiv.requests_to("/api/query"))
    assert enrich.run(db, cfg).papers == 0 and len(arxiv.requests_to("/api/query")) == asked
    arxiv.faults.clear()
    conn.execute("UPDATE enrich_state SET next_attempt = now() WHERE paper_id = '2301.13615'")
    conn.commit()
    assert enrich.run(db, cfg).done == {"arxiv": 1}
    assert conn.execute("SELECT published_at FROM papers WHERE id = '2301.13615'").fetchone()["published_at"]


def test_a_killed_enrichment_resumes(db_url, conn, arxiv, tmp_path):
    """`paperboy enrich` killed (SIGKILL) in the middle of its second request: the next run
    starts at once (the lease of the dead process is free), finishes the rest, and every
    paper ends filled once."""
    import_demo(conn)
    gate = {"n": 0}
    hold = Fault("slow", lambda path, params: bool(params.get("id_list")) and _second(gate), times=1, seconds=30)
    arxiv.faults.append(hold)
    env = {**os.environ, **enrich_env(arxiv, db_url), "PAPERBOY_HOME": str(tmp_path)}
    proc = subprocess.Popen([*paperboy_cmd(), "enrich", "--source", "arxiv"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    while not hold.hits and time.monotonic() < deadline:  # the second batch's request is in flight
        assert proc.poll() is None, proc.stdout.read()
        time.sleep(0.05)
    assert hold.hits == 1
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    first = conn.execute("SELECT count(*) FILTER (WHERE status = 'done') AS done,"
                         " count(*) FILTER (WHERE status = 'pending') AS pending FROM enrich_state").fetchone()
    conn.commit()
    assert first["done"] == 100 and first["pending"] > 200  # one batch stored, the rest still to do

    again = subprocess.run([*paperboy_cmd(), "enrich", "--source", "arxiv"], env=env, capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"arxiv: {first['pending']} done" in again.stdout
    left = conn.execute("SELECT count(*) AS n FROM papers WHERE arxiv_id IS NOT NULL AND published_at IS NULL"
                        ).fetchone()["n"]
    assert left == 0


def _second(gate: dict) -> bool:
    gate["n"] += 1
    return gate["n"] == 2


def test_status_and_healthz_show_the_backlog_per_source(db, db_url, conn, cfg, arxiv, client, tmp_path):  # noqa: F811
    store_batch(conn, [Paper(title="Property-Based Mutation Testing", source="hf-daily", arxiv_id="2301.13615",
                             listed_on=date(2023, 2, 1)),
                       Paper(title="An unknown paper", source="hf-daily", arxiv_id="2301.99999",
                             listed_on=date(2023, 2, 1)),
                       _saved_page_paper("A title arXiv has never seen")])
    conn.commit()
    arxiv.faults.append(Fault("status", lambda path, params: bool(params.get("id_list")), times=99, status=503))
    enrich.run(db, cfg, sources=["arxiv"])
    health = client.get("/healthz").json()
    assert health["enrichment_backlog"] == {"arxiv": {"pending": 2, "due": 0, "failed": 0}}
    out = run_cli(["status"], {"DATABASE_URL": db_url, "PAPERBOY_HOME": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    line = next(x for x in out.stdout.splitlines() if x.startswith("enrichment:"))
    assert "arxiv 2 pending (0 due now), 0 done, 0 failed" in line and "HTTP 503" in line
