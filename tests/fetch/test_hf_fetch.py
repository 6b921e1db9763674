"""`paperboy fetch hf` against HF-shaped daily lists built from the scraped 2024 files."""

from __future__ import annotations

from datetime import date

import pytest

from paperboy import fetch
from paperboy.fetch import runs
from tests.fetch.conftest import assert_spaced, fetch_env
from tests.fetch.replay import SYNTHETIC, Fault, at
from tests.helpers import run_cli

DAY = date(2024, 11, 8)  # a Friday with 18 papers: two pages of 10


def _expected(replay, day: date) -> dict[str, dict]:
    return {i["paper"]["id"]: i for i in replay.hf_items(day.isoformat())}


def _fetch(db, cfg, **kw):
    kw.setdefault("day", DAY)
    return fetch.run_hf(db, cfg, page_size=10, **kw)


def _listed(conn, day: date) -> set[str]:
    return {r["paper_id"] for r in conn.execute(
        "SELECT paper_id FROM listings WHERE day = %s AND source = 'hf-api'", (day,))}


def test_a_day_is_paged_with_link_headers_and_merged(db, conn, cfg, replay):
    outcome = _fetch(db, cfg)
    assert outcome.ok, outcome.error
    expected = _expected(replay, DAY)
    assert outcome.counts.new == len(expected) == 18
    seen = replay.requests_to("/api/daily_papers")
    assert [(s.params["date"], s.params["p"], s.params["limit"]) for s in seen] == [
        ("2024-11-08", "0", "10"), ("2024-11-08", "1", "10")]
    assert_spaced(seen)
    assert _listed(conn, DAY) == set(expected)
    rows = {r["id"]: r for r in conn.execute("SELECT * FROM papers")}
    for pid, item in expected.items():
        assert rows[pid]["upvotes"] == item["paper"]["upvotes"]
        assert rows[pid]["title"] == " ".join(item["paper"]["title"].split())
    first = rows[next(iter(expected))]
    assert first["github_repo"] == SYNTHETIC["githubRepo"]
    assert first["extra"]["github_stars"] == SYNTHETIC["githubStars"]
    assert first["extra"]["ai_keywords"] == SYNTHETIC["ai_keywords"]
    assert first["extra"]["submitted_by"] == SYNTHETIC["submitter"]


def test_refreshing_a_day_updates_upvotes_and_feeds_growth(db, conn, cfg, replay):
    _fetch(db, cfg)
    replay.upvote_bonus = 5
    again = _fetch(db, cfg)
    assert again.ok
    assert (again.counts.new, again.counts.updated) == (0, 18)
    expected = _expected(replay, DAY)
    for pid, item in expected.items():
        row = conn.execute("SELECT upvotes, upvote_growth FROM papers WHERE id = %s", (pid,)).fetchone()
        assert row == {"upvotes": item["paper"]["upvotes"], "upvote_growth": 5}
    n = conn.execute("SELECT count(*) AS n FROM upvote_history").fetchone()["n"]
    assert n == 36
    # The same counts a third time: nothing changes, no new observation.
    third = _fetch(db, cfg)
    assert (third.counts.updated, third.counts.unchanged) == (0, 18)
    assert "no new papers" in third.notes[0]


def test_empty_days_are_normal(db, conn, cfg, replay):
    outcome = _fetch(db, cfg, day=None, since=date(2024, 12, 24), until=date(2024, 12, 26))
    assert outcome.ok
    assert outcome.counts.new == 0
    note = outcome.notes[0]
    assert "no new papers" in note and "nothing listed on 2024-12-24, 2024-12-25, 2024-12-26" in note
    assert runs.latest(conn)[0]["status"] == "ok"


def test_a_range_of_days(db, conn, cfg, replay):
    outcome = _fetch(db, cfg, day=None, since=date(2024, 11, 4), until=date(2024, 11, 10))
    assert outcome.ok, outcome.error
    days = sorted({s.params["date"] for s in replay.requests_to("/api/daily_papers")})
    assert days == [f"2024-11-{d:02d}" for d in range(4, 11)]
    for d in range(4, 11):
        assert _listed(conn, date(2024, 11, d)) == set(_expected(replay, date(2024, 11, d)))
    assert runs.get_state(conn, "hf")["done_until"].date() == date(2024, 11, 10)
    # Backfilling an older day does not send the next scheduled run back there.
    assert _fetch(db, cfg, day=date(2024, 1, 2)).ok
    assert runs.get_state(conn, "hf")["done_until"].date() == date(2024, 11, 10)


FAULTS = {
    "timeout": Fault("timeout", at("/api/daily_papers", p=1), seconds=2.0),
    "connection reset": Fault("reset", at("/api/daily_papers", p=0)),
    "429 with Retry-After": Fault("status", at("/api/daily_papers", p=1), status=429, headers={"Retry-After": "1"}),
    "503": Fault("status", at("/api/daily_papers", p=0), status=503, times=2),
    "truncated body": Fault("truncate", at("/api/daily_papers", p=1)),
    "malformed JSON": Fault("malformed", at("/api/daily_papers", p=0)),
}


@pytest.mark.parametrize("name", list(FAULTS))
def test_each_fault_is_retried_and_the_day_completes(name, db, conn, cfg, replay):
    fault = FAULTS[name]
    replay.faults.append(fault)
    outcome = _fetch(db, cfg)
    assert outcome.ok, outcome.error
    assert fault.hits == fault.times
    assert _listed(conn, DAY) == set(_expected(replay, DAY))
    assert conn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"] == 18
    seen = replay.requests_to("/api/daily_papers")
    assert len(seen) == 2 + fault.times
    assert_spaced(seen)
    if name.startswith("429"):
        i = next(i for i, s in enumerate(seen) if s.fault)
        assert seen[i + 1].t - seen[i].t >= 1.0


def test_an_empty_page_in_the_middle_does_not_end_the_day(db, conn, cfg, replay):
    # Page 1 of three answers [] but its Link header still points on: the rest is read.
    replay.faults.append(Fault("empty", at("/api/daily_papers", p=1)))
    outcome = fetch.run_hf(db, cfg, day=DAY, page_size=6)
    assert outcome.ok
    pages = [s.params["p"] for s in replay.requests_to("/api/daily_papers")]
    assert pages == ["0", "1", "2"]
    assert len(_listed(conn, DAY)) == 12  # the six on the empty page were not served
    replay.faults.clear()
    again = fetch.run_hf(db, cfg, day=DAY, page_size=6)
    assert again.counts.new == 6
    assert _listed(conn, DAY) == set(_expected(replay, DAY))


def test_a_persistent_fault_stops_clearly_and_the_next_run_resumes(db, conn, cfg, replay):
    replay.faults.append(Fault("malformed", at("/api/daily_papers", date="2024-11-06"), times=99))
    failed = _fetch(db, cfg, day=None, since=date(2024, 11, 4), until=date(2024, 11, 7))
    assert not failed.ok
    assert "not valid JSON" in failed.error and "2024-11-06, page 0" in failed.error
    assert runs.get_state(conn, "hf")["cursor"] == {"from": "2024-11-04", "to": "2024-11-07",
                                                     "day": "2024-11-06", "p": 0}
    stored = conn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"]
    assert stored == len(_expected(replay, date(2024, 11, 4)) | _expected(replay, date(2024, 11, 5)))
    replay.faults.clear()
    before = len(replay.log)
    resumed = fetch.run_hf(db, cfg, page_size=10)  # no day or range: continue
    assert resumed.ok
    assert [s.params["date"] for s in replay.log[before:]][0] == "2024-11-06"
    assert {s.params["date"] for s in replay.log[before:]} == {"2024-11-06", "2024-11-07"}
    assert "resumed" in resumed.notes[0]
    for d in (4, 5, 6, 7):
        assert _listed(conn, date(2024, 11, d)) == set(_expected(replay, date(2024, 11, d)))


def test_cli_fetch_hf(db_url, replay, tmp_path):
    env = fetch_env(replay, db_url, PAPERBOY_HOME=str(tmp_path))
    r = run_cli(["fetch", "hf", "--date", "2024-11-08"], env)
    assert r.returncode == 0, r.stderr
    assert "2024-11-08: 18 new, 0 updated" in r.stdout
    r = run_cli(["fetch", "hf", "--date", "2024-11-08", "--since", "2024-11-01"], env)
    assert r.returncode == 2 and "not both" in r.stderr
    r = run_cli(["fetch", "hf", "--date", "yesterday"], env)
    assert r.returncode == 2 and "is not a date" in r.stderr and "Traceback" not in r.stderr
    r = run_cli(["fetch", "hf", "--date", "2024-11-08"], {**env, "PAPERBOY_FETCH_RETRIES": "many"})
    assert r.returncode == 2 and "PAPERBOY_FETCH_RETRIES='many' is not a whole number" in r.stderr
    r = run_cli(["status"], env)
    assert "Hugging Face" in r.stdout and "18 new" in r.stdout



def test_resumes_after_sigkill_mid_run(db_url, conn, replay, tmp_path):
    import os
    import signal
    import subprocess
    import time

    from tests.helpers import paperboy_cmd

    env = {**os.environ, **fetch_env(replay, db_url, PAPERBOY_HOME=str(tmp_path))}
    replay.faults.append(Fault("slow", at("/api/daily_papers", date="2024-11-06"), seconds=3.0))
    args = ["fetch", "hf", "--since", "2024-11-04", "--until", "2024-11-07"]
    proc = subprocess.Popen([*paperboy_cmd(), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not any(s.params.get("date") == "2024-11-06" for s in replay.log):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert runs.get_state(conn, "hf")["cursor"]["day"] == "2024-11-06"
    conn.commit()
    before = len(replay.log)
    r = run_cli(["fetch", "hf"], fetch_env(replay, db_url, PAPERBOY_HOME=str(tmp_path)))
    assert r.returncode == 0, r.stderr
    assert sorted({s.params["date"] for s in replay.log[before:]}) == ["2024-11-06", "2024-11-07"]
    for d in (4, 5, 6, 7):
        assert _listed(conn, date(2024, 11, d)) == set(_expected(replay, date(2024, 11, d)))
    assert [r["status"] for r in conn.execute("SELECT status FROM fetch_runs ORDER BY id")] == ["interrupted", "ok"]


def test_hf_extras_show_on_the_paper_page_and_in_the_api(db, conn, cfg, replay):
    from fastapi.testclient import TestClient

    from paperboy.web.app import create_app

    _fetch(db, cfg)
    pid = next(iter(_expected(replay, DAY)))
    client = TestClient(create_app(db, cache_seconds=0, rate_limit=0))
    page = client.get(f"/papers/{pid}").text
    assert f"Submitted to Daily Papers by {SYNTHETIC['submitter']}" in page
    assert f"★ {SYNTHETIC['githubStars']} GitHub stars" in page
    assert all(f'<span class="tag">{k}</span>' in page for k in SYNTHETIC["ai_keywords"])
    item = next(i for i in client.get("/api/daily_papers", params={"date": DAY.isoformat()}).json()
                if i["paper"]["id"] == pid)
    by = item["submittedBy"]
    assert (by["name"], by["fullname"], by["type"]) == (SYNTHETIC["submitter"], SYNTHETIC["submitter"], "user")
    assert item["paper"]["submittedOnDailyBy"] == by
    assert (item["paper"]["githubStars"], item["paper"]["ai_keywords"]) == (
        SYNTHETIC["githubStars"], SYNTHETIC["ai_keywords"])
