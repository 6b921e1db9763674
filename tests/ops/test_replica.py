"""A managed service's read replica (a streaming hot standby of the external server): what
paperboy can and cannot do with it. It cannot run there (it writes, and its advisory locks
exist only on the server that grants them): every command says so in one line. A backup can
be taken from it."""

from __future__ import annotations

import psycopg

from paperboy.db import locks
from paperboy.demo import data_dir
from tests.helpers import run_cli
from tests.ops import nodes
from tests.ops.nodes import assert_one_line, run_all
from tests.ops.pgserver import APP_PASSWORD, PgServer


def test_replica_is_refused_and_its_locks_are_its_own(external_pg: PgServer, external_replica: PgServer,
                                                      tmp_path) -> None:
    url = external_pg.create_database()
    name = url.rsplit("/", 1)[1]
    replica_url = external_replica.url(name)
    try:
        env = {"DATABASE_URL": url, "PAPERBOY_HOME": str(tmp_path / "primary")}
        done = run_cli(["import", str(data_dir() / "hf-daily" / "2024-11-04.json")], env)
        assert done.returncode == 0, done.stderr
        papers = nodes.count(url, "SELECT count(*) FROM papers")

        def replicated() -> bool:
            try:
                return nodes.count(replica_url, "SELECT count(*) FROM papers") == papers
            except psycopg.Error:  # the database or its tables have not arrived yet
                return False
        nodes.wait_for(replicated, 20, "the papers reach the replica")

        results = run_all([["status"], ["migrate"], ["serve"], ["search", "diffusion"]],
                          replica_url, tmp_path / "replica")
        assert_one_line(results, f"the PostgreSQL server at 127.0.0.1:{external_replica.port} is a "
                        "read-only replica (hot standby)", "DATABASE_URL must name the primary")

        # Why the primary, even for coordination alone: an advisory lock held on the replica
        # does not exist on the primary (nor the other way round), so two nodes locking on
        # different servers would both run the same scheduled fetch.
        with psycopg.connect(replica_url, autocommit=True) as on_replica, \
                psycopg.connect(url, autocommit=True) as on_primary, \
                psycopg.connect(url, autocommit=True) as also_on_primary:
            assert locks.try_lock(on_replica, locks.FETCH["hf"])
            assert locks.try_lock(on_primary, locks.FETCH["hf"])  # not excluded by the replica's
            assert not locks.try_lock(also_on_primary, locks.FETCH["hf"])  # but by the primary's

        # A backup reads one snapshot: a replica serves it as well as the primary.
        dump = tmp_path / "from-replica.dump"
        done = run_cli(["backup", str(dump)], {"DATABASE_URL": replica_url,
                                               "PAPERBOY_HOME": str(tmp_path / "replica")})
        assert done.returncode == 0, done.stderr
        assert APP_PASSWORD not in done.stdout + done.stderr
        assert dump.stat().st_size > 10_000
    finally:
        external_pg.drop_database(url)
