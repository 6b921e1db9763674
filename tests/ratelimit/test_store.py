"""The two shapes of limit, counted in PostgreSQL: exact at the edges, per key, and atomic
under concurrent calls from many connections."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import psycopg

from paperboy.ratelimit import BUCKET, Limits, Policy, admit, client_key
from paperboy.ratelimit.policies import VOTES

EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def _at(seconds: float) -> datetime:
    return EPOCH + timedelta(seconds=seconds)


def test_a_sliding_window_admits_the_limit_in_any_window(conn):
    w = [admit(conn, VOTES, 1, 3, MINUTE, _at(t)) for t in (0, 10, 20, 30)]
    assert w[:3] == [0, 0, 0] and w[3] == 30.0  # the call at 0 leaves the window at 60
    assert admit(conn, VOTES, 2, 3, MINUTE, _at(30)) == 0  # another key counts apart
    assert admit(conn, VOTES, 1, 3, MINUTE, _at(59.5)) == 0.5
    assert admit(conn, VOTES, 1, 3, MINUTE, _at(60)) == 0  # the first call has left the window
    assert admit(conn, VOTES, 1, 3, MINUTE, _at(61)) == 9.0  # refused calls were not counted
    assert admit(conn, VOTES, 1, 0, MINUTE, _at(61)) == 0  # 0: no limit


def test_a_bucket_refills_at_its_rate(conn):
    bucket = Policy("test-bucket", per=timedelta(seconds=1.5), limit=3, kind=BUCKET)  # 2 a second
    assert [admit(conn, bucket, "a", 3, bucket.per, _at(0)) for _ in range(3)] == [0, 0, 0]
    assert admit(conn, bucket, "a", 3, bucket.per, _at(0)) == 0.5
    assert admit(conn, bucket, "b", 3, bucket.per, _at(0)) == 0
    assert admit(conn, bucket, "a", 3, bucket.per, _at(0.6)) == 0


def test_concurrent_calls_on_many_connections_admit_exactly_the_limit(db_url, db):
    admitted = []
    gate = threading.Barrier(8)

    def calls() -> None:
        with psycopg.connect(db_url, autocommit=True, row_factory=psycopg.rows.dict_row) as c:
            gate.wait()
            for _ in range(5):
                admitted.append(admit(c, VOTES, 7, 10, MINUTE) == 0)

    threads = [threading.Thread(target=calls) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(admitted) == 40 and sum(admitted) == 10


def test_a_refusal_is_remembered_in_the_process(db, conn):
    import dataclasses

    from paperboy import config
    cfg = config.load()
    cfg = dataclasses.replace(cfg, community=dataclasses.replace(cfg.community, votes_per_minute=2))
    limits = Limits(db, cfg)
    assert [limits.check(VOTES, 5) for _ in range(2)] == [0, 0]
    assert 59 < limits.check(VOTES, 5) <= 60
    conn.execute("DELETE FROM rate_limits")
    conn.commit()
    assert 59 < limits.check(VOTES, 5) <= 60  # known here: no query asked
    assert limits.check(VOTES, 6) == 0


def test_ipv6_clients_are_their_64():
    assert client_key("2001:db8:0:1::5") == client_key("2001:db8:0:1:ffff::1") == "2001:db8:0:1::/64"
    assert client_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert client_key(None) == "?"
