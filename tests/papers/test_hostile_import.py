"""Hostile and unlucky files through the real `paperboy import` command (issue 10, findings
1, 2 and 4 and the importer's low findings): every bad record is a named rejection, every
other record is stored, and nothing a file holds can break search, feeds or later imports."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from tests.helpers import paperboy_cmd, run_cli

HOSTILE_URLS = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)",
                "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>", "//evil.example/x"]


def _env(db_url: str, tmp_path: Path, **more: str) -> dict[str, str]:
    return {"DATABASE_URL": db_url, "PAPERBOY_HOME": str(tmp_path / "home"), **more}


def _rows(db_url: str, sql: str, *params):
    with psycopg.connect(db_url) as c:
        return c.execute(sql, params).fetchall()


def _api_item(n: int, **paper) -> dict:
    return {"paper": {"id": f"2401.{n:05d}", "title": f"Paper number {n}",
                      "summary": f"Abstract of paper {n}.", "authors": [{"name": "A. Author"}],
                      "publishedAt": "2024-01-02T00:00:00.000Z", "upvotes": n, **paper},
            "publishedAt": "2024-01-03T09:00:00.000Z"}


def test_only_http_links_are_stored(db_url, tmp_path):
    """Finding 1: javascript:, data: and scheme-relative links from HF JSON and arXiv Atom are
    dropped at import (the paper is kept); an https link is kept as given."""
    items = [_api_item(i + 1, githubRepo=u, projectPage=u) for i, u in enumerate(HOSTILE_URLS)]
    items.append(_api_item(99, githubRepo="https://github.com/a/b", projectPage="http://x.org/p"))
    hf = tmp_path / "daily.json"
    hf.write_text(json.dumps(items))
    daily = tmp_path / "2024-01-05.json"
    daily.write_text(json.dumps({"date": "2024-01-05", "papers": [
        {"title": f"Scraped {i}", "url": f"https://huggingface.co/papers/2402.{i:05d}",
         "authors": ["X"], "pdf_url": u, "abstract": "An abstract.", "upvotes": 1}
        for i, u in enumerate(HOSTILE_URLS)]}))
    atom = tmp_path / "feed.xml"
    atom.write_text(
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry>'
        "<id>http://arxiv.org/abs/2403.00001v1</id><title>An Atom paper</title>"
        "<summary>Text.</summary><published>2024-03-01T00:00:00Z</published>"
        '<link href="JaVaScRiPt:alert(1)" rel="related" title="pdf"/>'
        "<author><name>B</name></author></entry></feed>")
    r = run_cli(["import", str(hf), str(daily), str(atom)], _env(db_url, tmp_path))
    assert r.returncode == 0, r.stderr
    rows = _rows(db_url, "SELECT id, github_repo, project_page, pdf_url FROM papers ORDER BY id")
    assert len(rows) == len(HOSTILE_URLS) * 2 + 2  # every paper kept
    links = {v for row in rows for v in row[1:] if v is not None}
    assert links == {"https://github.com/a/b", "http://x.org/p"}


@pytest.mark.parametrize("fmt", ["hf-api", "atom", "page", "jsonl"])
def test_an_implausible_date_is_a_rejection_and_search_keeps_working(db_url, tmp_path, fmt):
    """Finding 2: a paper dated 0001-01-01 or 9999-12-31 (each source's own date field) is
    rejected by name; the others are stored, indexed and found, and the next import works."""
    f = tmp_path / "bad"
    if fmt == "hf-api":
        f.write_text(json.dumps([_api_item(1, publishedAt="0001-01-01T00:00:00Z", title="Quantum 1"),
                                 _api_item(2, title="Quantum paper 2")]))
    elif fmt == "atom":
        entry = ("<entry><id>http://arxiv.org/abs/2403.0000{n}v1</id><title>Quantum paper {n}</title>"
                 "<summary>Quantum text.</summary><published>{d}T00:00:00Z</published></entry>")
        f.write_text('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">'
                     + entry.format(n=1, d="9999-12-31") + entry.format(n=2, d="2024-03-01")
                     + "</feed>")
    elif fmt == "page":
        block = "Quantum paper {n}\n\n{abstract}\n  • 3 authors\n·\n{d}\n\n"
        text = "Daily Papers\n\nbyAK and the research community\n\n" + "".join(
            block.format(n=n, d=d, abstract="Quantum abstract words " * 10)
            for n, d in ((1, "Jan 1, 1000"), (2, "Apr 1, 2024 3")))
        f.write_text(text)
    else:
        f.write_text("\n".join(json.dumps({"id": f"2503.0000{n}", "title": f"Quantum paper {n}",
                                           "abstract": "Quantum text.", "listed_on": d})
                               for n, d in ((1, "9999-12-31"), (2, "2025-03-18"))))
    r = run_cli(["import", str(f), "--reference-date", "2025-10-17"], _env(db_url, tmp_path))
    assert r.returncode == 0, r.stderr
    assert "not a plausible date" in r.stderr and "Traceback" not in r.stderr
    assert len(_rows(db_url, "SELECT 1 FROM papers")) == 1
    assert _rows(db_url, "SELECT rejected FROM imports") == [(1,)]
    found = run_cli(["search", "quantum", "--mode", "keyword"], _env(db_url, tmp_path))
    assert found.returncode == 0, found.stderr
    assert "paper" in found.stdout.lower() and "no papers found" not in found.stdout
    again = run_cli(["import", str(f), "--reference-date", "2025-10-17"], _env(db_url, tmp_path))
    assert again.returncode == 0, again.stderr


def test_index_sync_survives_a_date_stored_before_the_checks(db_url, tmp_path):
    """Finding 2, defence in depth: a paper already stored with a date tantivy cannot hold
    (written by an older paperboy straight into the table) no longer stops the index."""
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"id": "2503.00002", "title": "Graph networks", "abstract": "Graphs.",
                                "listed_on": "2025-03-18"}))
    assert run_cli(["import", str(good)], _env(db_url, tmp_path)).returncode == 0
    with psycopg.connect(db_url) as c:
        c.execute("INSERT INTO papers (id, title, title_key, published_at)"
                  " VALUES ('t-ancient', 'Ancient graph scroll', 'ancient graph scroll', '0001-01-01')")
    for args in (["reindex"], ["search", "graph", "--mode", "keyword"]):
        r = run_cli(args, _env(db_url, tmp_path))
        assert r.returncode == 0, r.stderr
    assert "Ancient graph scroll" in r.stdout and "Graph networks" in r.stdout


BAD_RECORDS = {
    "nul": {"title": "Bad\u0000title"},
    "surrogate": {"title": "Bad \ud800 title"},
    "upvotes-int32": {"upvotes": 2**31},
    "upvotes-negative": {"upvotes": -5},
    "huge-title": {"title": "x" * 10_000_000},
    "version": {"id": "2401.01501v99999999999"},
    "date": {"publishedAt": "9999-12-31T00:00:00Z"},
}


@pytest.mark.parametrize("kind", list(BAD_RECORDS))
def test_one_bad_record_in_2500_loses_nothing_else(db_url, tmp_path, kind):
    """Finding 4: a 2,500-record file whose record #1501 is bad stores the other 2,499, names
    the bad one, and its import row says so."""
    items = [_api_item(n) for n in range(1, 2501)]
    items[1500]["paper"].update(BAD_RECORDS[kind])
    f = tmp_path / "big.json"
    f.write_text(json.dumps(items))
    r = run_cli(["import", str(f)], _env(db_url, tmp_path))
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Traceback" not in r.stderr
    assert "record 1501" in r.stderr
    assert len(_rows(db_url, "SELECT 1 FROM papers")) == 2499
    assert _rows(db_url, "SELECT new, rejected, finished IS NOT NULL FROM imports") == [(2499, 1, True)]


def test_raw_nul_after_the_first_8k_of_a_page(db_url, tmp_path):
    """Finding 4: a raw NUL byte deep in a saved page (format detection reads the first 8 KB)
    rejects that paper only."""
    block = "Paper {n} about transformers\n\n" + "Transformers are studied here in depth. " * 8 + "\n\n"
    text = "Daily Papers\n\n" + "".join(block.format(n=n) for n in range(60))
    at = text.index("Paper 50 about")
    text = text[:at] + "Paper 50\x00 about" + text[at + len("Paper 50 about"):]
    assert at > 8192
    f = tmp_path / "page.txt"
    f.write_text(text)
    r = run_cli(["import", str(f), "--reference-date", "2025-10-17"], _env(db_url, tmp_path))
    assert r.returncode == 0, r.stderr
    assert "NUL character" in r.stderr
    assert len(_rows(db_url, "SELECT 1 FROM papers")) == 59


# Runs one command and prints the peak memory (KB) of that command alone: a fresh parent whose
# only child it is (the test process's own children figure includes every earlier one).
_PEAK = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True); "
         "sys.stderr.buffer.write(r.stderr); "
         "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def _peak_kb(args: list[str], env: dict[str, str]) -> tuple[int, int, str]:
    r = subprocess.run([sys.executable, "-c", _PEAK, *paperboy_cmd(), *args],
                       env={**os.environ, **env}, capture_output=True, text=True, timeout=300)
    code, kb = r.stdout.split()
    return int(code), int(kb), r.stderr


def test_gzip_bomb_is_refused_without_filling_memory(db_url, tmp_path):
    """Low finding: a small .gz that decompresses to 512 MB stops at PAPERBOY_IMPORT_MAX_MB
    with a clear error; the import's memory stays far below the bomb's size."""
    bomb = tmp_path / "bomb.jsonl.gz"
    chunk = b"\n" * (16 * 2**20)
    with gzip.open(bomb, "wb", compresslevel=9) as g:
        for _ in range(32):
            g.write(chunk)
    assert bomb.stat().st_size < 2 * 2**20
    small = tmp_path / "small.jsonl"
    small.write_text(json.dumps({"id": "2501.00001", "title": "A paper", "abstract": "Text."}))
    env = _env(db_url, tmp_path, PAPERBOY_IMPORT_MAX_MB="32")
    code, baseline_kb, _ = _peak_kb(["import", str(small)], env)
    assert code == 0
    code, peak_kb, stderr = _peak_kb(["import", str(bomb)], env)
    assert code == 1
    assert "decompresses to more than 32 MB" in stderr and "Traceback" not in stderr
    grew = (peak_kb - baseline_kb) // 1024
    assert grew < 200, f"importing the bomb took {grew} MB more than importing one paper"


def test_a_fifo_is_refused_not_waited_on(db_url, tmp_path):
    """Low finding: importing a named pipe used to hang for ever waiting for a writer."""
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    r = run_cli(["import", str(fifo)], _env(db_url, tmp_path), timeout=60)
    assert r.returncode == 1
    assert "not a regular file" in r.stderr


def test_a_killed_import_says_how_far_it_got(db_url, tmp_path):
    """Low finding: after kill -9 mid-import, the import's row counts exactly the papers its
    committed batches stored (it used to read new=0)."""
    f = tmp_path / "many.jsonl"
    f.write_text("\n".join(json.dumps({"id": f"2504.{n:05d}", "title": f"Paper {n} on things",
                                       "abstract": "Words " * 30, "listed_on": "2025-04-01"})
                           for n in range(1, 40_001)))
    env = {**os.environ, **_env(db_url, tmp_path)}
    proc = subprocess.Popen([*paperboy_cmd(), "import", str(f)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        stored = _rows(db_url, "SELECT count(*) FROM papers")[0][0]
        if stored >= 2000:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert 0 < stored, "the import stored nothing before the kill"
    (papers,), = _rows(db_url, "SELECT count(*) FROM papers")
    assert papers < 40_000, "the import finished before it could be killed"
    assert _rows(db_url, "SELECT new, finished FROM imports") == [(papers, None)]


def test_a_stored_copy_breaking_todays_rules_rejects_only_that_paper(db_url, tmp_path):
    """A paper stored before the checks (here: a 3,000-character comment written straight
    into the table) cannot be merged; importing it again rejects it by name, not the batch."""
    with psycopg.connect(db_url) as c:
        c.execute("INSERT INTO papers (id, arxiv_id, title, title_key, comment) VALUES"
                  " ('2401.00002', '2401.00002', 'Paper number 2', 'paper number 2', %s)",
                  ("c" * 3000,))
    f = tmp_path / "three.json"
    f.write_text(json.dumps([_api_item(n) for n in (1, 2, 3)]))
    r = run_cli(["import", str(f)], _env(db_url, tmp_path))
    assert r.returncode == 0, r.stderr
    assert "paper 2401.00002: could not be stored" in r.stderr
    assert _rows(db_url, "SELECT new, rejected FROM imports") == [(2, 1)]
    assert len(_rows(db_url, "SELECT 1 FROM papers")) == 3
