"""Behind PgBouncer in transaction mode (pgbouncer.py), with PAPERBOY_DB_POOLER=transaction:
why session advisory locks cannot work there, and that the lease rows replacing them
(src/paperboy/db/leases.py) exclude, renew and expire; migrations, the embedding command, a
fetch run's lock and the keyword sync all go through the pooler without an error.
(test_two_nodes.py runs its two serve nodes through PgBouncer too.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest

from paperboy.db import Database, locks, pooler
from paperboy.db import migrate as migrations
from paperboy.fetch import runs
from paperboy.fetch.client import FetchError
from paperboy.search.keyword import KeywordIndex
from tests.helpers import run_cli, shared
from tests.ops.nodes import assert_one_line, run_all
from tests.ops.pgbouncer import LEASE_SECONDS, PgBouncer
from tests.ops.pgserver import APP_PASSWORD


def test_a_session_lock_stays_behind_on_the_pooled_server_connection(pgbouncer: PgBouncer,
                                                                     external_db: str) -> None:
    """The reason for leases: a session lock taken by one client stays on the server
    connection PgBouncer then lends to another client, which finds the lock its own."""
    url = pgbouncer.url(external_db)
    with psycopg.connect(url, autocommit=True, prepare_threshold=None) as one, \
            psycopg.connect(url, autocommit=True, prepare_threshold=None) as two:
        one.execute("SELECT pg_advisory_lock(4242)")
        pid = one.execute("SELECT pg_backend_pid()").fetchone()[0]
        # `one` is idle: its server connection went back to the pool and `two` gets it
        assert two.execute("SELECT pg_backend_pid()").fetchone()[0] == pid
        assert two.execute("SELECT pg_try_advisory_lock(4242)").fetchone()[0] is True  # no exclusion


def _holder(url: str, key: int) -> subprocess.Popen:
    """Another process that takes the lease ``key`` and keeps it until killed."""
    code = ("import sys, time; from paperboy.db import locks, pooler\n"
            "conn = pooler.connect(sys.argv[1], autocommit=True)\n"
            "locks.lock(conn, int(sys.argv[2])); print('held', flush=True); time.sleep(600)\n")
    proc = subprocess.Popen([sys.executable, "-c", code, url, str(key)], stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_leases_exclude_renew_and_expire_through_pgbouncer(pooled_db: str) -> None:
    assert pooler.transaction_pooling()
    assert "0029_leases.sql" in migrations.migrate(pooled_db)
    key = locks.FETCH["arxiv"]
    with pooler.connect(pooled_db, autocommit=True) as one, pooler.connect(pooled_db, autocommit=True) as two:
        assert locks.try_lock(one, key)
        assert not locks.try_lock(two, key)  # another connection, even of this process
        assert key in locks.held(two)
        time.sleep(2 * float(LEASE_SECONDS))  # renewed meanwhile: still held
        assert not locks.try_lock(two, key)
        locks.unlock(one, key)
        assert key not in locks.held(two)
        assert locks.try_lock(two, key)
        locks.unlock(two, key)
        # A killed holder renews nothing: its lease runs out and the lock is free again.
        proc = _holder(pooled_db, key)
        assert not locks.try_lock(one, key)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert key in locks.held(one)  # until it expires
        started = time.monotonic()
        locks.lock(one, key)
        assert time.monotonic() - started < float(LEASE_SECONDS) + 2
        locks.unlock(one, key)
        # A connection closed while holding it gives it back at the next renewal (as a
        # session lock ends with its session), not forever renewed by its process.
        three = pooler.connect(pooled_db, autocommit=True)
        assert locks.try_lock(three, key)
        three.close()
        started = time.monotonic()
        locks.lock(one, key)
        assert time.monotonic() - started < float(LEASE_SECONDS) - 0.5  # before it would expire
        locks.unlock(one, key)
    with pooler.connect(pooled_db) as conn:  # every lease given back
        assert conn.execute("SELECT count(*) FROM leases").fetchone()[0] == 0


def test_the_jobs_run_through_pgbouncer(pooled_db: str, tmp_path) -> None:
    """Migrate and import (the CLI), `paperboy embed` waiting for the embedding lease a job
    holds, a fetch run's lock, and the keyword sync: all through PgBouncer, no error."""
    env = {"DATABASE_URL": pooled_db, "PAPERBOY_HOME": str(tmp_path / "home")}
    done = run_cli(["import", str(shared("hf-daily-papers-2024", "2024-11-08.json"))], env)
    assert done.returncode == 0, done.stderr
    db = Database(pooled_db).open()
    try:
        with db.connection() as holder:
            assert locks.try_lock(holder, locks.EMBED)  # as serve's job holds it for a batch
            holder.commit()
            proc = subprocess.Popen([sys.executable, "-m", "paperboy", "embed", "--limit", "3"],
                                    env={**os.environ, **env}, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
            time.sleep(5)
            assert proc.poll() is None, proc.communicate()
            assert holder.execute("SELECT count(*) AS n FROM embeddings").fetchone()["n"] == 0
            holder.commit()
            locks.unlock(holder, locks.EMBED)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        with db.connection() as conn:
            assert conn.execute("SELECT count(*) AS n FROM embeddings").fetchone()["n"] == 3
            run = runs.begin(conn, "hf", {"day": "2024-11-08"})
            assert runs.running_sources(conn) == {"hf"}
            with db.connection() as other, pytest.raises(FetchError, match="another"):
                runs.begin(other, "hf", {})
            run.finish("ok", 0)
            runs.release(conn, "hf")
            assert runs.running_sources(conn) == set()
            conn.commit()
            papers = conn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"]
            index = KeywordIndex(tmp_path / "index")
            assert index.sync(conn) == papers > 3
            assert index.size == papers and index.behind(conn) == 0
    finally:
        db.close()


def test_backup_and_restore_refuse_a_transaction_mode_pooler(pooled_db: str, tmp_path) -> None:
    """pg_dump and pg_restore would leave an empty search_path on a pooled server connection:
    refused with one line (they run against the server itself; test_external_server.py)."""
    env = {"DATABASE_URL": pooled_db, "PAPERBOY_HOME": str(tmp_path / "home")}
    assert run_cli(["migrate"], env).returncode == 0
    for command in (["backup", str(tmp_path / "b.dump")], ["restore", str(tmp_path / "b.dump")]):
        done = run_cli(command, env)
        assert done.returncode == 1, done.stdout + done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "need the server itself" in lines[0], done.stderr
    assert not (tmp_path / "b.dump").exists()


@pytest.mark.parametrize("mode", ["statement", "sometimes"])
def test_a_pool_mode_paperboy_cannot_work_in_is_refused_in_one_line(pooled_db: str, tmp_path, mode: str) -> None:
    done = run_cli(["migrate"], {"DATABASE_URL": pooled_db, "PAPERBOY_HOME": str(tmp_path),
                                 "PAPERBOY_DB_POOLER": mode})
    lines = done.stderr.strip().splitlines()
    assert done.returncode != 0 and len(lines) == 1 and "PAPERBOY_DB_POOLER" in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_a_wrong_password_at_the_pooler_is_one_line(pgbouncer: PgBouncer, pooled_db: str, tmp_path) -> None:
    """PgBouncer checks the password itself (its auth file) and says only "SASL authentication
    failed": paperboy adds what to check, as for a server."""
    url = pooled_db.replace(APP_PASSWORD, "not-the-password")
    results = run_all([["status"], ["migrate"], ["user", "list"], ["serve", "--no-embed", "--no-fetch"]],
                      url, tmp_path)
    assert_one_line(results, f"paperboy_app@127.0.0.1:{pgbouncer.port}/",
                    "SASL authentication failed", "check the user name and password in DATABASE_URL")
    assert all("not-the-password" not in out + err for _, _, out, err in results)
