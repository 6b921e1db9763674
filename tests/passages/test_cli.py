"""The command line end to end against a local arxiv.org/html (tests/fulltext/htmlserver.py)
serving the recorded real page: `paperboy fulltext` fetches and stores the text, then keeps the
budget and syncs the passage index; `paperboy search '… in:text'` finds a phrase of the body
and prints its section; `paperboy status` says what is stored; `paperboy reindex` rebuilds the passage index; a tiny
PAPERBOY_FULLTEXT_MAX_GB makes the next fetch evict the library-less text."""

from __future__ import annotations

from datetime import date

from paperboy.papers.record import Paper
from paperboy.papers.store import store_batch
from tests.fulltext.conftest import fulltext_env
from tests.fulltext.htmlserver import html_server
from tests.helpers import SHARED, run_cli

REAL = "2501.11120"


def test_fetch_syncs_passages_and_search_in_text_prints_the_section(db_url, conn, tmp_path):
    store_batch(conn, [Paper(title="Tell me about yourself", source="hf-daily", arxiv_id=REAL, version=1,
                             summary="We study behavioral self-awareness.", listed_on=date(2026, 1, 5))])
    conn.commit()
    with html_server() as html:
        html.pages[REAL] = (1, (SHARED / "arxiv-html-recorded" / f"{REAL}v1.html").read_bytes())
        env = fulltext_env(html, db_url, tmp_path / "home")
        fetched = run_cli(["fulltext"], env)
        assert fetched.returncode == 0, fetched.stdout + fetched.stderr
        status = run_cli(["status"], env).stdout
        assert "full texts: 1 stored" in status and "of the 10 GB budget" in status, status
        assert "passage index: up to date" in status
        folders = list((tmp_path / "home" / "passages").iterdir())
        assert len(folders) == 1 and (folders[0] / "meta.json").exists()

        found = run_cli(["search", '"reversal training" in:text', "--mode", "keyword"], env)
        assert found.returncode == 0, found.stdout + found.stderr
        assert "Tell me about yourself" in found.stdout and "§4" in found.stdout, found.stdout
        assert "reversal training" in found.stdout.split("§4", 1)[1]
        plain = run_cli(["search", '"reversal training"', "--mode", "keyword"], env)
        assert "no papers found" in plain.stdout  # not in its abstract

        again = run_cli(["reindex"], env)
        assert again.returncode == 0 and "passage index rebuilt" in again.stdout, again.stdout + again.stderr
        assert "§4" in run_cli(["search", '"reversal training" in:text', "--mode", "keyword"], env).stdout

        tiny = run_cli(["fulltext", "--ids", REAL], {**env, "PAPERBOY_FULLTEXT_MAX_GB": "0.000001"})
        assert tiny.returncode == 0 and "1 full texts evicted" in tiny.stdout, tiny.stdout + tiny.stderr
    assert conn.execute("SELECT status FROM fulltexts").fetchone()["status"] == "evicted"
    assert "full texts: 0 stored, 0.0 MB of the 10 GB budget (PAPERBOY_FULLTEXT_MAX_GB); 1 evicted" in \
        run_cli(["status"], env).stdout
    gone = run_cli(["search", '"reversal training" in:text', "--mode", "keyword"], env)
    assert "no papers found" in gone.stdout
