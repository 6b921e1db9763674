"""Fetching full texts (`paperboy fulltext`, the enrichment source "fulltext") against a local
arxiv.org/html (htmlserver.py) serving the recorded real page and hand-written LaTeXML pages:
stored with their version, 404 and failed conversions marked "no full text" and asked again only
for a newer version, 503 and garbage losing nothing, a killed fetch resuming, PAPERBOY_FULLTEXT
choosing the papers."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import time
from datetime import date
from pathlib import Path

from paperboy import config, enrich
from paperboy.cli.status import enrichment_line
from paperboy.fulltext import store
from paperboy.papers.record import Paper
from paperboy.papers.store import store_batch
from tests.fulltext import snippets
from tests.fulltext.conftest import fulltext_env
from tests.helpers import SHARED, paperboy_cmd, run_cli

REAL = "2501.11120"
SNIPPET = "2601.00001"
MISSING = "2601.00002"  # no HTML version: 404
FAILED = "2601.00003"  # LaTeXML's conversion failed
FAILED_REAL = "2608.30667"  # the same, as arXiv served it (tests/fixtures/arxiv_html/)
PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "arxiv_html"


def _papers(conn, *ids: str, version: int | None = 1, daily: bool = True) -> None:
    store_batch(conn, [Paper(title=f"Paper {i}", source="hf-daily" if daily else "arxiv-atom", arxiv_id=i,
                             version=version, listed_on=date(2026, 1, 5) if daily else None) for i in ids])
    conn.commit()


def _serve(html) -> None:
    html.pages[REAL] = (1, (SHARED / "arxiv-html-recorded" / f"{REAL}v1.html").read_bytes())
    html.pages[SNIPPET] = (3, snippets.LATEXML.encode())
    html.pages[FAILED] = (1, snippets.FAILED.encode())
    html.pages[FAILED_REAL] = (1, (PAGES / f"{FAILED_REAL}v1.excerpt.html").read_bytes())


def _state(conn, pid: str) -> dict:
    row = conn.execute("SELECT * FROM enrich_state WHERE paper_id = %s AND source = 'fulltext'", (pid,)).fetchone()
    conn.commit()
    return row


def test_fetch_stores_text_and_marks_papers_without_one(db_url, conn, html, tmp_path):
    _serve(html)
    _papers(conn, REAL, SNIPPET, MISSING, FAILED, FAILED_REAL)
    env = fulltext_env(html, db_url, tmp_path)
    first = run_cli(["fulltext"], env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "fetching the full text of 5 papers" in first.stdout and "fulltext: 5 done" in first.stdout

    real = store.load(conn, REAL)
    assert real.version == 1 and real.outline[0].title == "1 Introduction"
    assert "$D=\\{d^{n}\\}_{n=1}^{N}$" in real.markdown
    assert store.load(conn, SNIPPET).version == 3  # the version arXiv redirected to
    rows = {r["paper_id"]: r for r in conn.execute("SELECT * FROM fulltexts").fetchall()}
    assert rows[MISSING]["status"] == "none" and "no HTML version" in rows[MISSING]["reason"]
    assert rows[FAILED]["status"] == "none" and "conversion failed" in rows[FAILED]["reason"]
    assert rows[FAILED_REAL]["status"] == "none" and "conversion failed" in rows[FAILED_REAL]["reason"]
    assert _state(conn, MISSING)["note"].startswith("no full text: arXiv has no HTML version")
    assert 0 < rows[REAL]["chars"] and len(rows[REAL]["markdown"]) < rows[REAL]["chars"] / 2  # compressed

    line = enrichment_line(enrich.backlog(conn))  # `paperboy status`'s line (and /healthz's numbers)
    conn.commit()
    assert "fulltext" in line and enrich.backlog(conn)["fulltext"]["done"] == 5, line

    again = run_cli(["fulltext"], env)
    assert "nothing to fetch" in again.stdout and html.asked(MISSING) == 1
    conn.execute("UPDATE papers SET version = 2 WHERE id = %s", (MISSING,))  # a new version appeared
    conn.commit()
    html.pages[MISSING] = (2, snippets.LATEXML.encode())
    third = run_cli(["fulltext"], env)
    assert third.returncode == 0 and "fulltext: 1 done" in third.stdout, third.stdout + third.stderr
    assert html.asked(MISSING) == 2 and html.asked(REAL) == 1
    assert store.load(conn, MISSING).version == 2


def test_503_and_garbage_lose_nothing(db, db_url, conn, html, tmp_path):
    _serve(html)
    _papers(conn, SNIPPET)
    cfg = dataclasses.replace(config.load(), fetch=dataclasses.replace(
        config.load().fetch, arxiv_html_url=html.url, fulltext="library", arxiv_delay=0.01, retries=1, timeout=2))
    assert enrich.run(db, cfg, sources=["fulltext"]).done == {"fulltext": 1}
    kept = store.load(conn, SNIPPET)
    conn.commit()
    for bad in [(503, b"<html>busy</html>"), (200, b"\x00\xff garbage"), (200, b"<html><body>Proxy error</body></html>")]:
        html.faults[SNIPPET] = [bad, bad]  # the polite client's retry gets the same
        outcome = enrich.run(db, cfg, sources=["fulltext"], ids=[SNIPPET])
        assert outcome.failed == {"fulltext": 1} and not outcome.done, outcome
        st = _state(conn, SNIPPET)
        assert st["status"] == "pending" and st["attempts"] == 1 and st["last_error"]
        assert store.load(conn, SNIPPET) == kept  # the text stored before is untouched
        conn.commit()
    assert "not an arXiv HTML" in _state(conn, SNIPPET)["last_error"]
    conn.execute("UPDATE enrich_state SET next_attempt = now() WHERE paper_id = %s", (SNIPPET,))
    conn.commit()
    assert enrich.run(db, cfg, sources=["fulltext"]).done == {"fulltext": 1}  # and then it is fetched


def test_a_killed_fetch_resumes(db_url, conn, html, tmp_path):
    """`paperboy fulltext` killed (SIGKILL) while its second request is in flight: the first
    paper's text is stored, the next run starts at once and fetches only the rest."""
    _serve(html)
    html.pages[MISSING] = (1, snippets.LATEXML.encode())
    _papers(conn, REAL, SNIPPET, MISSING)
    html.faults[SNIPPET] = [("hold", 30)]  # due in id order: REAL, then SNIPPET (held)
    env = {**os.environ, **fulltext_env(html, db_url, tmp_path)}
    proc = subprocess.Popen([*paperboy_cmd(), "fulltext"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while html.asked(SNIPPET) < 1 and time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read()
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert store.load(conn, REAL) is not None and store.load(conn, SNIPPET) is None
    conn.commit()
    again = run_cli(["fulltext"], env)
    assert again.returncode == 0 and "fulltext: 2 done" in again.stdout, again.stdout + again.stderr
    assert html.asked(REAL) == 1 and store.load(conn, SNIPPET) and store.load(conn, MISSING)


def test_the_setting_chooses_the_papers(db, conn, html):
    _serve(html)
    _papers(conn, REAL)  # a Daily paper
    _papers(conn, SNIPPET, daily=False)  # an arXiv listing nobody saved
    member = conn.execute("INSERT INTO members (email, name) VALUES ('a@example.org', 'a') RETURNING id").fetchone()
    _papers(conn, FAILED, daily=False)
    conn.execute("INSERT INTO votes (paper_id, member_id) VALUES (%s, %s)", (FAILED, member["id"]))
    conn.commit()

    def queued(scope: str) -> set[str]:
        conn.execute("DELETE FROM enrich_state")
        cfg = dataclasses.replace(config.load(), fetch=dataclasses.replace(config.load().fetch, fulltext=scope))
        enrich.discover(conn, enrich.chosen(["fulltext"]), cfg=cfg)
        return {r["paper_id"] for r in conn.execute("SELECT paper_id FROM enrich_state")}

    assert queued("daily") == {REAL}
    assert queued("library") == {REAL, FAILED}
    assert queued("all") == {REAL, SNIPPET, FAILED}
    assert queued("off") == set()
    conn.commit()
    off = dataclasses.replace(config.load(), fetch=dataclasses.replace(
        config.load().fetch, fulltext="off", arxiv_html_url=html.url, arxiv_delay=0.01))
    assert enrich.run(db, off, sources=["fulltext"]).papers == 0 and not html.log  # off: nothing asked
    assert enrich.run(db, off, sources=["fulltext"], ids=[SNIPPET]).done == {"fulltext": 1}  # but --ids asks
