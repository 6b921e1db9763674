"""The `paperboy import` command as a user runs it: summaries, bad input, kills, sharing."""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import psycopg
import pytest

from paperboy.papers.record import clean_authors
from tests.helpers import paperboy_cmd, run_cli, shared


def n_papers(url: str) -> int:
    with psycopg.connect(url) as c:
        return c.execute("SELECT count(*) FROM papers").fetchone()[0]


def test_help_explains_every_command():
    top = run_cli(["--help"], {})
    assert top.returncode == 0
    for cmd in ("import", "demo", "serve", "status", "migrate"):
        assert cmd in top.stdout
        sub = run_cli([cmd, "--help"], {})
        assert sub.returncode == 0, sub.stderr
        assert len(sub.stdout.split()) > 12, f"{cmd} --help says too little"
    assert "arxiv-jsonl" in run_cli(["import", "--help"], {}).stdout


def test_import_pages_prints_summary(db_url):
    pages = shared("hf-papers-pages")
    r = run_cli(["import", str(pages), "--reference-date", "2025-10-17"], {"DATABASE_URL": db_url})
    assert r.returncode == 0, r.stderr
    n = n_papers(db_url)
    assert n == 199  # 220 entries on three pages, 21 of them on two pages (tests/papers/test_store.py)
    assert "new" in r.stdout and str(n) in r.stdout
    again = run_cli(["import", str(pages), "--reference-date", "2025-10-17"], {"DATABASE_URL": db_url})
    assert again.returncode == 0
    assert n_papers(db_url) == n
    with psycopg.connect(db_url) as c:
        last = c.execute(
            "SELECT sum(new), sum(updated), sum(unchanged) FROM imports WHERE id > 3").fetchone()
    assert last == (0, 0, 220)  # the second run: every entry of every page unchanged
    assert f"papers in the hub: {n}" in again.stdout


def _bad_files(tmp: Path) -> dict[str, Path]:
    daily = shared("hf-daily-papers-2024", "2024-01-02.json").read_bytes()
    error_rec = next(
        f for f in shared("arxiv-api-recorded", "current").glob("*.json")
        if json.loads(f.read_text())["status_code"] == 400
    )
    files = {
        "empty": b"",
        "binary": bytes(range(256)) * 8,
        "truncated": daily[: len(daily) // 2],
        "prose": b"Dear colleagues,\nplease find attached the minutes of our meeting.\n",
        "atom-error": json.loads(error_rec.read_text())["body"].encode(),
        "broken-gzip": gzip.compress(daily)[:40],
    }
    out = {}
    for name, data in files.items():
        p = tmp / f"{name}.dat"
        p.write_bytes(data)
        out[name] = p
    return out


@pytest.mark.parametrize("kind", ["empty", "binary", "truncated", "prose", "atom-error", "broken-gzip"])
def test_bad_file_gives_one_line_error_and_writes_nothing(kind, db_url, tmp_path):
    path = _bad_files(tmp_path)[kind]
    r = run_cli(["import", str(path)], {"DATABASE_URL": db_url})
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, r.stderr
    assert str(path) in errors[0]
    assert n_papers(db_url) == 0


def test_messages_say_what_is_wrong(db_url, tmp_path):
    files = _bad_files(tmp_path)
    said = {k: run_cli(["import", str(p)], {"DATABASE_URL": db_url}).stderr.lower() for k, p in files.items()}
    assert "empty" in said["empty"]
    assert "binary" in said["binary"]
    assert "json" in said["truncated"]
    assert "arxiv api error" in said["atom-error"]
    assert "gzip" in said["broken-gzip"]


def test_good_and_bad_files_together_import_the_good_one(db_url, tmp_path):
    bad = _bad_files(tmp_path)["truncated"]
    good = shared("hf-daily-papers-2024", "2024-01-02.json")
    r = run_cli(["import", str(bad), str(good)], {"DATABASE_URL": db_url})
    assert r.returncode == 1
    assert n_papers(db_url) == len(json.loads(good.read_text())["papers"])


def test_some_bad_records_import_the_rest_and_name_the_bad_lines(db_url, tmp_path):
    with gzip.open(shared("arxiv-cs-2025-2026.jsonl.gz"), "rt") as f:
        lines = [next(f) for _ in range(20)]
    lines[4] = '{"id": "2503.00001", "title": '  # cut mid-record
    lines[9] = json.dumps({"id": "2503.00002", "abstract": "no title"}) + "\n"
    p = tmp_path / "some-bad.jsonl"
    p.write_text("".join(x if x.endswith("\n") else x + "\n" for x in lines))
    r = run_cli(["import", str(p)], {"DATABASE_URL": db_url})
    assert r.returncode == 0, r.stderr
    assert n_papers(db_url) == 18
    rejected = [line for line in r.stderr.splitlines() if line.startswith("rejected:")]
    assert len(rejected) == 2
    assert "line 5" in rejected[0] and "line 10" in rejected[1]
    # arXiv's announcements are the firehose: listed on New on their day, not on Daily
    with psycopg.connect(db_url) as c:
        new = c.execute("SELECT count(DISTINCT paper_id), min(source), max(source) FROM new_listings").fetchone()
        daily = c.execute("SELECT count(*) FROM listings").fetchone()[0]
    assert new == (18, "arxiv-jsonl", "arxiv-jsonl") and daily == 0


def test_user_mistakes_get_clear_errors(db_url, tmp_path):
    r = run_cli(["import", str(tmp_path / "nope.json")], {"DATABASE_URL": db_url})
    assert r.returncode == 2 and "no such file" in r.stderr and "Traceback" not in r.stderr
    r = run_cli(["import", "--format", "csv", str(tmp_path)], {"DATABASE_URL": db_url})
    assert r.returncode == 2 and "unknown format" in r.stderr
    r = run_cli(["import", "--reference-date", "13/10", str(tmp_path)], {"DATABASE_URL": db_url})
    assert r.returncode == 2 and "reference-date" in r.stderr
    bad_url = "postgresql://paperboy:s3cret-pw@127.0.0.1:1/nothing"
    r = run_cli(["status"], {"DATABASE_URL": bad_url})
    assert r.returncode == 2
    assert "cannot connect" in r.stderr and "s3cret-pw" not in r.stderr and "Traceback" not in r.stderr


def test_import_killed_midway_leaves_whole_papers_and_rerun_completes(db_url, tmp_path):
    src = shared("arxiv-cs-2025-2026.jsonl.gz")
    with gzip.open(src, "rt") as f:
        lines = [next(f) for _ in range(8000)]  # eight batches: the kill lands after two
    part = tmp_path / "part.jsonl.gz"
    with gzip.open(part, "wt") as f:
        f.writelines(lines)
    expected = {json.loads(x)["id"]: json.loads(x) for x in lines}

    env = {**os.environ, "DATABASE_URL": db_url}
    proc = subprocess.Popen([*paperboy_cmd(), "import", str(part)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while n_papers(db_url) < 2000 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stored = n_papers(db_url)
    assert 0 < stored < len(expected), "the kill must land mid-import"
    assert stored % 1000 == 0, "batches are all-or-nothing"
    with psycopg.connect(db_url) as c:
        rows = c.execute("SELECT id, title, authors, categories FROM papers").fetchall()
    for pid, title, authors, cats in rows:
        assert title == " ".join(expected[pid]["title"].split())
        assert authors == list(clean_authors(expected[pid]["authors"]))  # a stray "and" dropped
        assert cats == expected[pid]["categories"]

    r = run_cli(["import", str(part)], {"DATABASE_URL": db_url})
    assert r.returncode == 0, r.stderr
    assert n_papers(db_url) == len(expected)


def test_two_processes_share_one_embedded_server(tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, "PAPERBOY_HOME": str(home)}
    env.pop("DATABASE_URL", None)
    files = [shared("hf-daily-papers-2024", f"2024-02-{d:02d}.json") for d in (1, 2)]
    procs = [subprocess.Popen([*paperboy_cmd(), "import", str(f)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for f in files]
    outs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    ids = {e["url"].rsplit("/", 1)[-1] for f in files for e in json.loads(f.read_text())["papers"]}
    status = run_cli(["status"], {"PAPERBOY_HOME": str(home)})
    assert status.returncode == 0, status.stderr
    assert f"papers: {len(ids)}" in status.stdout
    assert f"embedded: 0 of {len(ids)}" in status.stdout
    assert "up to date" in status.stdout  # each import waited its turn to index its papers
    # the last process to leave stops the server cleanly
    assert not (home / "pgdata" / "postmaster.pid").exists()


def test_arxiv_recordings_import_and_the_error_one_is_refused(db_url):
    rec_dir = shared("arxiv-api-recorded", "current")
    recs = sorted(rec_dir.glob("*.json"))
    assert len(recs) == 20
    r = run_cli(["import", str(rec_dir)], {"DATABASE_URL": db_url})
    assert r.returncode == 1  # one file is an API error
    errors = [x for x in r.stderr.splitlines() if x.startswith("error:")]
    assert len(errors) == 1 and "arXiv API error" in errors[0]
    ids = set()
    for f in recs:
        body = json.loads(f.read_text())["body"]
        ids |= {m.split("/abs/")[-1].rsplit("v", 1)[0]
                for m in re.findall(r"<id>(http://arxiv\.org/abs/[^<]+)</id>", body)}
    with psycopg.connect(db_url) as c:
        stored = {row[0] for row in c.execute("SELECT id FROM papers")}
    assert stored == ids
    assert "astro-ph/0601001" in stored


def test_demo_loads_the_shipped_corpus_into_a_fresh_embedded_home(tmp_path):
    home = tmp_path / "demo-home"
    r = run_cli(["demo", "--no-serve"], {"PAPERBOY_HOME": str(home)})
    assert r.returncode == 0, r.stderr
    first = int(r.stdout.split("papers in the hub:")[1].split()[0])
    assert first > 500
    again = run_cli(["demo", "--no-serve"], {"PAPERBOY_HOME": str(home)})
    assert again.returncode == 0
    assert f"papers in the hub: {first}" in again.stdout
    assert (home / "pgdata" / "PG_VERSION").exists()
