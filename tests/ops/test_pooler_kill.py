"""test_kill_resume.py's SIGKILL case behind PgBouncer in transaction mode: `paperboy serve`
killed in the middle of a scheduled fetch leaves its fetch lease behind (no session ends with
it there); the lease runs out (PAPERBOY_DB_LEASE_SECONDS, 3 s here), the run shows as running
until then, and the restarted serve marks it interrupted and resumes it: the same papers as an
uninterrupted run, none lost or stored twice, each day asked once more at most. And the
SIGKILL inside an SMTP DATA case: after the restart each reader has exactly one digest."""

from __future__ import annotations

import signal
import time
from collections import Counter

from psycopg.rows import dict_row

from paperboy.db import migrate, pooler
from paperboy.fetch import runs
from tests.ops.killing import Serve, query, wait_until
from tests.ops.pgbouncer import LEASE_SECONDS
from tests.ops.test_kill_resume import (  # noqa: F401 - reference and replay are fixtures
    AT,
    BACKFILL,
    DAYS,
    HELD,
    READERS,
    asked,
    assert_one_digest_each,
    assert_same_as_reference,
    fetch_env,
    fetch_runs,
    finish_after_restart,
    outbox,
    plant_backfill,
    readers_due_now,
    reference,
    replay,
    send_the_rest_after_restart,
    sink,
)


def running(url: str) -> set[str]:
    with pooler.connect(url) as conn:
        return runs.running_sources(conn)


def test_sigkill_during_a_scheduled_fetch_behind_pgbouncer_then_restart(
        pooled_db, tmp_path, reference, replay):  # noqa: F811 - fixtures
    migrate.migrate(pooled_db)
    plant_backfill(pooled_db)
    with Serve(pooled_db, tmp_path / "home", **fetch_env(replay)).start() as first:
        wait_until(replay.held.is_set, f"the fetch to reach {HELD}:\n{first.output()}")
        assert running(pooled_db) == {"hf"}  # its lease
        first.signal(signal.SIGKILL)  # in the middle of a request
        assert first.wait() == -signal.SIGKILL
        killed = time.monotonic()
    replay.release.set()
    assert running(pooled_db) == {"hf"}  # the lease outlives its holder a while
    wait_until(lambda: not running(pooled_db), "the killed serve's fetch lease to run out",
               timeout=float(LEASE_SECONDS) + 10)
    assert time.monotonic() - killed <= float(LEASE_SECONDS) + 2
    assert [r["status"] for r in fetch_runs(pooled_db)] == ["running"]
    cursor = query(pooled_db, "SELECT cursor FROM fetch_state WHERE key = 'hf'")[0]["cursor"]
    assert cursor == {**BACKFILL, "day": HELD}

    done = finish_after_restart(pooled_db, tmp_path / "home", replay)
    assert [(r["status"], r["error"]) for r in done] == [
        ("interrupted", "stopped before it finished (killed or crashed)"), ("ok", None)]
    assert "(resumed an unfinished run)" in done[1]["message"]
    assert asked(replay) == Counter(DAYS) + Counter([HELD])
    assert_same_as_reference(pooled_db, done, reference)


def test_sigkill_inside_DATA_behind_pgbouncer_then_restart_sends_each_reader_one_digest(
        pooled_db, tmp_path, sink):  # noqa: F811 - a fixture
    migrate.migrate(pooled_db)
    with pooler.connect(pooled_db, row_factory=dict_row) as conn:
        addresses = readers_due_now(conn, READERS)
        conn.commit()
    sink.kill_at = AT  # the sink kills serve while it receives message AT, before accepting it
    with Serve(pooled_db, tmp_path / "home", **sink.env).start() as first:
        sink.kill_pid = first.pid
        assert first.wait() == -signal.SIGKILL, first.output()
    assert len(sink.messages) == AT - 1
    assert Counter(r["status"] for r in outbox(pooled_db)) == {"sent": AT - 1, "pending": READERS - AT + 1}
    sink.kill_at = None
    send_the_rest_after_restart(pooled_db, tmp_path / "home", sink)  # after its leases ran out
    assert_one_digest_each(pooled_db, sink, addresses)
