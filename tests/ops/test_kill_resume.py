"""`paperboy serve` killed (SIGKILL) or stopped (SIGTERM, Ctrl+C) in the middle of its
background work, then started again: no paper lost or stored twice, every subscriber with
exactly one digest (issue 14, acceptance 3), and a graceful stop that lets the step in hand
finish — the request in flight, the page being fetched, the message inside DATA — and leaves
the rest for the next start.

Each case holds the work at a known point (the replay server holds one request, the SMTP sink
one message inside DATA) and signals serve there, so what happens is decided, not timed.
"""

from __future__ import annotations

import dataclasses
import signal
import socket
import uuid
from collections import Counter
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import psycopg
import pytest
from aiosmtpd.controller import Controller
from psycopg.conninfo import make_conninfo
from psycopg.types.json import Jsonb

from paperboy import config, fetch
from paperboy.db import Database
from tests.digest.conftest import active
from tests.fetch.replay import Replay, at
from tests.helpers import free_port, import_files, shared
from tests.ops.killing import (
    STOPPING,
    HoldingReplay,
    HoldingSink,
    Serve,
    papers,
    query,
    serve_gone,
    wait_until,
)

# The recorded Hugging Face days are in 2024, and a scheduled run reads the last few days
# before today; so each database starts with what an unfinished backfill of 1–10 November
# 2024 leaves behind (its cursor), which the schedule resumes: ten days, one page each.
DAYS = [date(2024, 11, d).isoformat() for d in range(1, 11)]
BACKFILL = {"from": DAYS[0], "to": DAYS[-1], "day": DAYS[0], "p": 0}
HELD = DAYS[3]  # the request in flight when serve is signalled


def plant_backfill(url: str) -> None:
    query(url, "INSERT INTO fetch_state (key, cursor) VALUES ('hf', %s)", (Jsonb(BACKFILL),))


def fetch_env(replay: Replay) -> dict[str, str]:
    return {"PAPERBOY_FETCH_EVERY": "1h", "PAPERBOY_FETCH_SOURCES": "hf", "PAPERBOY_HF_URL": replay.url,
            "PAPERBOY_HF_DELAY": "0.05", "PAPERBOY_FETCH_TIMEOUT": "60", "PAPERBOY_FETCH_RETRIES": "2"}


def fetch_runs(url: str) -> list[dict]:
    return query(url, "SELECT status, error, new, message FROM fetch_runs ORDER BY id")


def asked(replay: Replay) -> Counter:
    """How often each day was asked for."""
    return Counter(s.params["date"] for s in replay.requests_to("/api/daily_papers"))


@pytest.fixture(scope="module")
def reference(pg_server: str) -> dict:
    """What one uninterrupted scheduled run of the same recordings stores, in a database of
    its own."""
    replay = Replay(shared("hf-daily-papers-2024").parent).start()
    name = "ref_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_server, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}" TEMPLATE pb_template')
    url = make_conninfo(pg_server, dbname=name)
    try:
        plant_backfill(url)
        cfg = dataclasses.replace(config.load(), fetch=config.FetchSettings(
            every=3600.0, sources=("hf",), hf_url=replay.url, hf_delay=0.0, timeout=60.0, retries=2))
        with Database(url, max_size=2).open() as db:
            outcomes = fetch.run_due(db, cfg)
        assert [(o.source, o.ok) for o in outcomes] == [("hf", True)]
        assert asked(replay) == Counter(DAYS)
        stored = papers(url)
        assert stored["papers"] > 50  # a real run to cut short, not an empty one
        return {**stored, "new": outcomes[0].counts.new}
    finally:
        replay.stop()
        with psycopg.connect(pg_server, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def replay():
    server = HoldingReplay(shared("hf-daily-papers-2024").parent).start()
    server.hold = at("/api/daily_papers", date=HELD)
    yield server
    server.release.set()
    server.stop()


def finish_after_restart(db_url: str, home, replay: Replay) -> list[dict]:
    """Start serve again, let the schedule finish the fetch, stop it; the runs."""
    with Serve(db_url, home, **fetch_env(replay)).start() as again:
        wait_until(lambda: len(fetch_runs(db_url)) == 2 and fetch_runs(db_url)[-1]["status"] != "running",
                   f"the restarted serve to finish the fetch:\n{again.output()}")
        again.signal(signal.SIGTERM)
        assert again.wait() == 128 + signal.SIGTERM
    return fetch_runs(db_url)


def assert_same_as_reference(db_url: str, runs: list[dict], reference: dict) -> None:
    stored = papers(db_url)
    assert stored["papers"] == reference["papers"]
    assert stored["ids"] == reference["ids"]  # none lost, none extra (an id is stored once)
    assert stored["listings"] == reference["listings"]
    assert sum(r["new"] for r in runs) == reference["new"]  # no page counted twice


def test_sigkill_during_a_scheduled_fetch_then_restart(db_url, tmp_path, reference, replay):
    plant_backfill(db_url)
    with Serve(db_url, tmp_path / "home", **fetch_env(replay)).start() as first:
        wait_until(replay.held.is_set, f"the fetch to reach {HELD}:\n{first.output()}")
        assert not serve_gone(db_url)  # its sessions are known by name (so the wait below means something)
        first.signal(signal.SIGKILL)  # in the middle of a request
        assert first.wait() == -signal.SIGKILL
    replay.release.set()
    wait_until(lambda: serve_gone(db_url), "the killed serve's sessions (and its lock) to end")
    # Nobody recorded how it ended; the pages before the held one are stored with the cursor.
    assert [r["status"] for r in fetch_runs(db_url)] == ["running"]
    cursor = query(db_url, "SELECT cursor FROM fetch_state WHERE key = 'hf'")[0]["cursor"]
    assert cursor == {**BACKFILL, "day": HELD}

    runs = finish_after_restart(db_url, tmp_path / "home", replay)
    assert [(r["status"], r["error"]) for r in runs] == [
        ("interrupted", "stopped before it finished (killed or crashed)"), ("ok", None)]
    assert "(resumed an unfinished run)" in runs[1]["message"]
    # Resumed, not redone: each day asked once, the one killed in flight once more.
    assert asked(replay) == Counter(DAYS) + Counter([HELD])
    assert_same_as_reference(db_url, runs, reference)


def _request_in_flight(port: int) -> socket.socket:
    """A POST whose handler is running: uvicorn answered `Expect: 100-continue`, which it
    does only once the app asks for the body; the body is sent later."""
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    s.sendall(b"POST /subscribe HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
              b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n"
              b"Expect: 100-continue\r\n\r\n" % port)
    assert s.recv(1024).startswith(b"HTTP/1.1 100 "), "the app never asked for the body"
    return s


def _refused(port: int) -> bool:
    """True once serve takes no new connection: refused outright, or reset because the
    listening socket closed while the connection sat in its backlog."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    except (ConnectionRefusedError, ConnectionResetError):
        return True
    return False


def test_sigterm_during_a_scheduled_fetch_finishes_the_request_then_restart_resumes(
        db_url, tmp_path, reference, replay):
    plant_backfill(db_url)
    with Serve(db_url, tmp_path / "home", **fetch_env(replay)).start() as first:
        first.ready()
        wait_until(replay.held.is_set, f"the fetch to reach {HELD}:\n{first.output()}")
        request = _request_in_flight(first.port)
        first.signal(signal.SIGTERM)
        wait_until(lambda: _refused(first.port), "serve to stop taking new connections")
        # The request in flight holds the shutdown: the jobs are not told to stop before it ends.
        assert first.proc.poll() is None and not any(STOPPING in line for line in first.lines)
        request.sendall(b"email=x")
        answer = b""
        while chunk := request.recv(65536):
            answer += chunk
        request.close()
        assert answer.startswith(b"HTTP/1.1 ") and b"\r\n\r\n" in answer, answer[:200]
        first.logged(STOPPING)
        # The fetch is waiting for its request: serve waits with it.
        assert first.proc.poll() is None
        replay.release.set()
        assert first.wait() == 128 + signal.SIGTERM, first.output()
    # It stopped after its current request: that page stored, the next position saved, the
    # run marked interrupted, and nothing asked after it.
    runs = fetch_runs(db_url)
    assert [(r["status"], r["error"]) for r in runs] == [
        ("interrupted", "Hugging Face: stopped because paperboy is shutting down")]
    assert asked(replay) == Counter(DAYS[:4])
    cursor = query(db_url, "SELECT cursor FROM fetch_state WHERE key = 'hf'")[0]["cursor"]
    assert cursor == {**BACKFILL, "day": DAYS[4]}
    assert query(db_url, "SELECT count(*) AS n FROM listings WHERE day = %s", (HELD,))[0]["n"] > 0

    runs = finish_after_restart(db_url, tmp_path / "home", replay)
    assert [r["status"] for r in runs] == ["interrupted", "ok"]
    assert asked(replay) == Counter(DAYS)  # every day asked exactly once, across both runs
    assert_same_as_reference(db_url, runs, reference)


# -- digests -------------------------------------------------------------------------------

READERS = 12
AT = 5  # the message inside DATA when serve is signalled


@pytest.fixture
def sink(tmp_path):
    sink = HoldingSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    sink.env = {"PAPERBOY_SMTP_HOST": "127.0.0.1", "PAPERBOY_SMTP_PORT": str(port),
                "PAPERBOY_SMTP_SECURITY": "none", "PAPERBOY_MAIL_FROM": "paperboy <digest@paperboy.test>",
                "PAPERBOY_FETCH_EVERY": "off"}
    yield sink
    sink.release.set()
    controller.stop()


def readers_due_now(conn, n: int) -> list[str]:
    """A real week of papers, and ``n`` weekly readers whose digest is due now. Each lives
    where it is about noon (a fixed-offset zone), with today as their day and hour 0 as
    their time: due for hours either side of this test, whenever it runs."""
    import_files(conn, [shared("hf-daily-papers-2024", f"2024-11-0{d}.json") for d in range(4, 9)])
    conn.commit()
    now = datetime.now(UTC)
    offset = 12 - now.hour  # -11 … 12 hours
    zone = f"Etc/GMT{-offset:+d}"  # POSIX signs: Etc/GMT-3 is three hours ahead of UTC
    local = now.astimezone(ZoneInfo(zone))
    addresses = [f"reader{i}@example.org" for i in range(n)]
    for a in addresses:
        active(conn, a, frequency="weekly", weekday=local.weekday(), send_hour=0, timezone=zone,
               max_papers=3)
    return addresses


def outbox(url: str) -> list[dict]:
    return query(url, "SELECT recipient, status, attempts FROM outbox ORDER BY id")


def send_the_rest_after_restart(db_url: str, home, sink) -> None:
    with Serve(db_url, home, **sink.env).start() as again:
        wait_until(lambda: all(r["status"] == "sent" for r in outbox(db_url)),
                   f"the restarted serve to send the rest:\n{again.output()}")
        again.signal(signal.SIGTERM)
        assert again.wait() == 128 + signal.SIGTERM


def assert_one_digest_each(db_url: str, sink, addresses: list[str]) -> None:
    assert Counter(sink.recipients()) == Counter(addresses)  # each exactly once at the server
    rows = outbox(db_url)
    assert sorted(r["recipient"] for r in rows) == sorted(addresses)  # one digest composed each
    assert {(r["status"], r["attempts"]) for r in rows} == {("sent", 1)}  # each sent once


def test_sigkill_inside_DATA_then_restart_sends_each_reader_one_digest(db_url, conn, tmp_path, sink):
    addresses = readers_due_now(conn, READERS)
    sink.kill_at = AT  # the sink kills serve while it receives message AT, before accepting it
    with Serve(db_url, tmp_path / "home", **sink.env).start() as first:
        sink.kill_pid = first.pid
        assert first.wait() == -signal.SIGKILL, first.output()
    wait_until(lambda: serve_gone(db_url), "the killed serve's sessions to end")
    assert len(sink.messages) == AT - 1
    assert Counter(r["status"] for r in outbox(db_url)) == {"sent": AT - 1, "pending": READERS - AT + 1}
    sink.kill_at = None
    send_the_rest_after_restart(db_url, tmp_path / "home", sink)
    assert_one_digest_each(db_url, sink, addresses)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "ctrl-c"])
def test_stopping_inside_DATA_finishes_that_message_and_leaves_the_rest_queued(
        db_url, conn, tmp_path, sink, sig):
    addresses = readers_due_now(conn, READERS)
    sink.hold_at = AT
    with Serve(db_url, tmp_path / "home", **sink.env).start() as first:
        wait_until(sink.held.is_set, f"message {AT} to reach DATA:\n{first.output()}")
        first.signal(sig)
        first.logged(STOPPING)
        assert first.proc.poll() is None  # it waits for the message it is sending
        sink.release.set()
        # uvicorn ends a Ctrl+C quietly (exit 0); SIGTERM is re-raised, and exits 143
        assert first.wait() == (0 if sig == signal.SIGINT else 128 + sig), first.output()
    # The message inside DATA was accepted and recorded as sent; the rest stayed queued.
    assert len(sink.messages) == AT
    sent = [r["recipient"] for r in outbox(db_url) if r["status"] == "sent"]
    assert sorted(sent) == sorted(sink.recipients())
    assert Counter(r["status"] for r in outbox(db_url)) == {"sent": AT, "pending": READERS - AT}
    send_the_rest_after_restart(db_url, tmp_path / "home", sink)
    assert_one_digest_each(db_url, sink, addresses)


def test_the_mailer_stops_after_the_message_it_is_sending(db, conn, tmp_path, sink):
    """What requests queue is sent by web/app.py's Mailer thread: stopping it finishes the
    message inside DATA and leaves the rest queued (it used to send the whole queue first)."""
    from paperboy.digest import compose
    from paperboy.digest.outbox import Mailer
    from tests.digest.conftest import context

    readers_due_now(conn, 6)
    assert compose.compose_due(conn, context(conn, tmp_path, now=datetime.now(UTC))).composed == 6
    cfg = dataclasses.replace(config.load(), home=tmp_path, mail_from="paperboy <digest@paperboy.test>",
                              smtp=config.SMTPSettings("127.0.0.1", int(sink.env["PAPERBOY_SMTP_PORT"]), "none", None))
    mailer = Mailer(db, cfg)
    sink.hold_at = 2
    mailer.wake()
    wait_until(sink.held.is_set, "message 2 to reach DATA")
    mailer.halt()
    sink.release.set()
    assert mailer.join(60)
    assert len(sink.messages) == 2
    assert Counter(r["status"] for r in outbox(db.url)) == {"sent": 2, "pending": 4}
