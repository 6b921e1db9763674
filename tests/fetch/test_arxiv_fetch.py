"""`paperboy fetch arxiv` against a replay of real arXiv API responses, with faults."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import subprocess
import time
from datetime import date

import pytest

from paperboy import fetch
from paperboy.fetch import runs
from tests.fetch.conftest import DELAY, FAST, assert_spaced, fetch_env
from tests.fetch.replay import Fault, at
from tests.helpers import paperboy_cmd, run_cli

SINCE = date(2000, 1, 1)
ALL = 60  # results the replay serves, in six pages of ten


def _papers(conn) -> list[dict]:
    return conn.execute("SELECT * FROM papers ORDER BY id").fetchall()


def _fetch(db, cfg, **kw):
    kw.setdefault("since", SINCE)
    return fetch.run_arxiv(db, cfg, ["cs.CL"], page_size=10, **kw)


def _assert_polite(replay, delay: float = DELAY) -> None:
    seen = replay.requests_to("/api/query")
    assert len(seen) >= 2
    assert_spaced(seen, delay)


def _assert_complete(conn) -> None:
    rows = _papers(conn)
    assert len(rows) == ALL
    assert len({r["arxiv_id"] for r in rows}) == ALL
    assert all(r["title"] and r["summary"] and r["authors"] and r["version"] for r in rows)


def test_pages_through_a_category_politely_and_asks_arxiv_the_right_question(db, conn, cfg, replay):
    outcome = _fetch(db, cfg)
    assert outcome.ok, outcome.error
    assert (outcome.counts.new, outcome.counts.updated) == (ALL, 0)
    _assert_complete(conn)
    seen = replay.requests_to("/api/query")
    assert [int(s.params["start"]) for s in seen] == [0, 10, 20, 30, 40, 50]
    q = seen[0].params
    assert q["search_query"].startswith("cat:cs.CL AND lastUpdatedDate:[200001010000 TO ")
    assert (q["sortBy"], q["sortOrder"], q["max_results"]) == ("lastUpdatedDate", "ascending", "10")
    _assert_polite(replay)
    # New submissions in the window are listed on their submission day: on New (the
    # firehose), never on a Daily list (those are chosen by people).
    listed = conn.execute("SELECT count(DISTINCT paper_id) AS n FROM new_listings WHERE source = 'arxiv-atom'").fetchone()
    assert listed["n"] == ALL
    assert conn.execute("SELECT count(*) AS n FROM listings").fetchone()["n"] == 0
    run = runs.latest(conn)[0]
    assert (run["status"], run["source"], run["new"], run["requests"]) == ("ok", "arxiv", ALL, 6)
    assert "60 new" in run["message"]


def test_a_second_run_adds_no_duplicates_and_says_no_new_papers(db, conn, cfg, replay):
    _fetch(db, cfg)
    again = _fetch(db, cfg)
    assert again.ok
    assert (again.counts.new, again.counts.updated, again.counts.unchanged) == (0, 0, ALL)
    assert "no new papers" in again.notes[0]
    _assert_complete(conn)


FAULTS = {
    "timeout": Fault("timeout", at("/api/query", start=20), seconds=2.0),
    "connection reset": Fault("reset", at("/api/query", start=10)),
    "429 with Retry-After": Fault("status", at("/api/query", start=30), status=429, headers={"Retry-After": "1"}),
    "503": Fault("status", at("/api/query", start=20), status=503, times=2),
    "truncated body": Fault("truncate", at("/api/query", start=40)),
    "malformed XML": Fault("malformed", at("/api/query", start=10)),
    "empty page mid-paging": Fault("empty", at("/api/query", start=30)),
}


@pytest.mark.parametrize("name", list(FAULTS))
def test_each_fault_is_retried_and_the_run_completes(name, db, conn, cfg, replay):
    fault = FAULTS[name]
    replay.faults.append(fault)
    outcome = _fetch(db, cfg)
    assert outcome.ok, outcome.error
    assert fault.hits == fault.times
    _assert_complete(conn)
    seen = replay.requests_to("/api/query")
    assert len(seen) == 6 + fault.times  # each fault cost one more request, no more
    _assert_polite(replay)
    if name.startswith("429"):
        i = next(i for i, s in enumerate(seen) if s.fault)
        assert seen[i + 1].t - seen[i].t >= 1.0  # waited as long as Retry-After said


PERSISTENT = {
    "503": Fault("status", at("/api/query", start=30), status=503, times=99),
    "timeout": Fault("timeout", at("/api/query", start=30), seconds=1.5, times=99),
    "connection reset": Fault("reset", at("/api/query", start=30), times=99),
    "malformed XML": Fault("malformed", at("/api/query", start=30), times=99),
    "empty page": Fault("empty", at("/api/query", start=30), times=99),
}
MESSAGES = {"503": "HTTP 503", "timeout": "no answer within 1 s", "connection reset": "connection",
            "malformed XML": "malformed or truncated XML", "empty page": "empty page at result 30 of 60"}


@pytest.mark.parametrize("name", list(PERSISTENT))
def test_a_fault_that_persists_stops_with_a_clear_message_and_the_next_run_resumes(name, db, conn, cfg, replay):
    # no spacing is checked here: a shorter pause makes the backoff (pause x 2, 4, 8) short too
    cfg = dataclasses.replace(cfg, fetch=dataclasses.replace(cfg.fetch, arxiv_delay=FAST))
    replay.faults.append(PERSISTENT[name])
    failed = _fetch(db, cfg)
    assert not failed.ok
    assert MESSAGES[name] in failed.error and "gave up after 4 attempts" in failed.error
    assert "results from 30" in failed.error
    # Whole pages only: the three pages before the fault, every paper complete.
    rows = _papers(conn)
    assert len(rows) == 30
    assert all(r["title"] and r["summary"] and r["authors"] for r in rows)
    state = runs.get_state(conn, "arxiv:cs.CL")
    assert state["cursor"]["start"] == 30 and state["done_until"] is None
    assert runs.latest(conn)[0]["status"] == "failed"

    replay.faults.clear()
    before = len(replay.log)
    resumed = fetch.run_arxiv(db, cfg, ["cs.CL"], page_size=10)  # no --since: continue
    assert resumed.ok, resumed.error
    assert [int(s.params["start"]) for s in replay.log[before:]] == [30, 40, 50]
    assert "resumed at result 30" in resumed.notes[0]
    _assert_complete(conn)
    state = runs.get_state(conn, "arxiv:cs.CL")
    assert state["cursor"] is None and state["done_until"] is not None


def test_an_api_error_is_not_retried(db, conn, cfg, replay, tmp_path):
    error_body = json.loads(
        (replay.shared / "arxiv-api-recorded/current/id_abc_s0_m100_b79c8dcf6bc3.json").read_text())["body"]
    replay.arxiv_pages[0] = error_body
    outcome = _fetch(db, cfg)
    assert not outcome.ok
    assert outcome.error.startswith("cs.CL: arXiv API error:")
    assert len(replay.requests_to("/api/query")) == 1
    assert _papers(conn) == []


def test_new_versions_update_the_paper_and_withdrawn_papers_are_marked(db, conn, cfg, replay):
    _fetch(db, cfg)
    page = replay.arxiv_pages[0]
    ids = re.findall(r"<id>http://arxiv.org/abs/([^<]+)</id>", page)
    first, second = ids[0], ids[1]
    base1, v1 = first.rsplit("v", 1)
    base2, v2 = second.rsplit("v", 1)
    revised = page.replace(f"abs/{first}<", f"abs/{base1}v{int(v1) + 1}<", 1)
    title_start = revised.index("<title>", revised.index(f"abs/{base1}v{int(v1) + 1}<"))
    title_end = revised.index("</title>", title_start)
    revised = revised[:title_start] + "<title>A Revised Title" + revised[title_end:]
    withdrawn_at = revised.index(f"abs/{second}<")
    entry_end = revised.index("</entry>", withdrawn_at)
    entry = re.sub(r"<arxiv:comment[^>]*>.*?</arxiv:comment>", "", revised[withdrawn_at:entry_end], flags=re.S)
    revised = (revised[:withdrawn_at] + entry
               + "<arxiv:comment xmlns:arxiv=\"http://arxiv.org/schemas/atom\">This paper has been "
               "withdrawn by the authors due to an error in the main proof</arxiv:comment>"
               + revised[entry_end:])
    revised = revised.replace(f"abs/{second}<", f"abs/{base2}v{int(v2) + 1}<", 1)
    replay.arxiv_pages[0] = revised

    again = _fetch(db, cfg)
    assert again.ok
    assert (again.counts.new, again.counts.updated) == (0, 2)
    p1 = conn.execute("SELECT * FROM papers WHERE id = %s", (base1,)).fetchone()
    assert (p1["title"], p1["version"], p1["withdrawn"]) == ("A Revised Title", int(v1) + 1, False)
    p2 = conn.execute("SELECT * FROM papers WHERE id = %s", (base2,)).fetchone()
    assert p2["withdrawn"] and p2["version"] == int(v2) + 1
    assert conn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"] == ALL


def test_two_runs_at_once_do_not_overlap(db, conn, cfg, replay):
    import threading

    replay.faults.append(Fault("slow", at("/api/query", start=0), seconds=1.5))
    first: list = []
    t = threading.Thread(target=lambda: first.append(_fetch(db, cfg)))
    t.start()
    deadline = time.monotonic() + 10
    while not replay.log and time.monotonic() < deadline:
        time.sleep(0.05)
    with pytest.raises(fetch.FetchError, match="another arXiv fetch is running"):
        _fetch(db, cfg)
    t.join()
    assert first[0].ok
    _assert_complete(conn)


def test_cli_reports_and_fails_clearly(db_url, replay, tmp_path):
    env = fetch_env(replay, db_url, PAPERBOY_HOME=str(tmp_path))
    replay.faults.append(Fault("status", at("/api/query", start=20), status=503, times=99))
    r = run_cli(["fetch", "arxiv", "-c", "cs.CL", "--since", "2000-01-01", "--page-size", "10"], env)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert "HTTP 503" in r.stderr and "run the same command again" in r.stderr
    replay.faults.clear()
    r = run_cli(["fetch", "arxiv", "-c", "cs.CL", "--page-size", "10"], env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "40 new" in r.stdout and "resumed at result 20" in r.stdout
    r = run_cli(["fetch", "arxiv", "-c", "not a category"], env)
    assert r.returncode == 2 and "is not an arXiv category" in r.stderr
    r = run_cli(["status"], env)
    assert r.returncode == 0
    assert "failed" in r.stdout and "ok" in r.stdout


def test_resumes_after_sigkill_mid_run(db_url, conn, replay, tmp_path):
    env = {**os.environ, "COLUMNS": "200", **fetch_env(replay, db_url, PAPERBOY_HOME=str(tmp_path))}
    # The answer to the fourth page takes a while: the process is killed waiting for it.
    replay.faults.append(Fault("slow", at("/api/query", start=30), seconds=3.0))
    args = [*paperboy_cmd(), "fetch", "arxiv", "-c", "cs.CL", "--since", "2000-01-01", "--page-size", "10"]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not any(s.params.get("start") == "30" for s in replay.log):
        assert time.monotonic() < deadline and proc.poll() is None, "the fetch never reached page 4"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    rows = _papers(conn)
    assert len(rows) == 30  # three whole pages
    conn.commit()
    assert runs.latest(conn)[0]["status"] == "interrupted"  # its lock went with it
    assert runs.get_state(conn, "arxiv:cs.CL")["cursor"]["start"] == 30
    conn.commit()

    before = len(replay.log)
    r = run_cli(["fetch", "arxiv", "-c", "cs.CL", "--page-size", "10"], fetch_env(replay, db_url, PAPERBOY_HOME=str(tmp_path)))
    assert r.returncode == 0, r.stderr
    assert [int(s.params["start"]) for s in replay.log[before:]] == [30, 40, 50]
    _assert_complete(conn)
    statuses = [r["status"] for r in conn.execute("SELECT status FROM fetch_runs ORDER BY id")]
    assert statuses == ["interrupted", "ok"]


def test_plan_windows():
    from datetime import UTC, datetime, timedelta

    from paperboy.fetch.arxiv import FIRST_RUN, LOOKBACK, plan

    now = datetime(2026, 11, 21, 15, 30, 12, tzinfo=UTC)
    first, resumed = plan(None, None, None, now)
    assert (first.start, first.end, first.offset, resumed) == (
        now.replace(second=0) - FIRST_RUN, now.replace(second=0), 0, False)
    done = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    nxt, _ = plan({"done_until": done, "cursor": None}, None, None, now)
    assert nxt.start == done - LOOKBACK  # overlaps: papers reach the API days after their time
    cursor = {"from": "2026-11-01T00:00:00+00:00", "to": "2026-11-02T00:00:00+00:00", "start": 400}
    again, resumed = plan({"done_until": done, "cursor": cursor}, None, None, now)
    assert (again.start.day, again.end.day, again.offset, resumed) == (1, 2, 400, True)
    fresh, resumed = plan({"done_until": done, "cursor": cursor}, date(2026, 10, 1), date(2026, 10, 3), now)
    assert (fresh.start, fresh.end, fresh.offset, resumed) == (
        datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 4, tzinfo=UTC), 0, False)
    future, _ = plan(None, date(2026, 12, 1), None, now)
    assert future.start >= future.end  # fetch_category says "nothing to fetch"
    assert timedelta(0) < LOOKBACK
