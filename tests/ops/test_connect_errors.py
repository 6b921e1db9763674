"""Every paperboy command against a server it cannot use says why in one line, exit status 2,
no traceback, never the password: a wrong password, a port nobody listens on, a server
without pgvector, and a role that may not create pgvector where the server has it."""

from __future__ import annotations

import os
import subprocess

import pytest

from paperboy import config
from paperboy.db import DatabaseError, connect
from paperboy.demo import corpus_files
from tests.helpers import free_port, paperboy_cmd
from tests.ops.nodes import assert_one_line, run_all
from tests.ops.pgserver import APP_PASSWORD, PgServer

# Every verb that opens the database (arguments that would be valid against a good one).
COMMANDS = [
    ["status"],
    ["migrate"],
    ["import", str(corpus_files()[0][0])],
    ["search", "diffusion", "--mode", "keyword"],
    ["embed", "--limit", "1"],
    ["reindex"],
    ["serve", "--no-embed", "--no-fetch"],
    ["demo", "--no-serve"],
    ["digest", "send"],
    ["fetch", "hf"],
    ["user", "list"],
    ["library", "list", "someone@example.org"],
    ["recommend", "someone@example.org"],
]


def test_wrong_password(external_pg: PgServer, external_db: str, tmp_path) -> None:
    dump = tmp_path / "good.dump"  # a real backup, for `restore` to get as far as connecting
    for command in (["migrate"], ["backup", str(dump)]):
        made = run_all([command], external_db, tmp_path)
        assert made[0][1] == 0, made
    url = external_db.replace(APP_PASSWORD, "not-the-password")
    commands = [*COMMANDS, ["backup", str(tmp_path / "new.dump")], ["restore", str(dump)]]
    results = run_all(commands, url, tmp_path)
    assert_one_line(results, f"paperboy_app@127.0.0.1:{external_pg.port}/",
                    'password authentication failed for user "paperboy_app"',
                    "check the user name and password in DATABASE_URL")
    assert all("not-the-password" not in out + err for _, _, out, err in results)


def test_unreachable_port(external_pg: PgServer, tmp_path) -> None:
    port = free_port()  # nothing listens there
    url = f"postgresql://paperboy_app:{APP_PASSWORD}@127.0.0.1:{port}/paperboy"
    results = run_all([["status"], ["migrate"], ["user", "list"]], url, tmp_path)
    assert_one_line(results, f"cannot connect to PostgreSQL at paperboy_app@127.0.0.1:{port}/paperboy",
                    "Connection refused")


def test_unknown_database(external_pg: PgServer, tmp_path) -> None:
    results = run_all([["status"]], external_pg.url("no_such_db"), tmp_path)
    assert_one_line(results, 'database "no_such_db" does not exist')


def test_server_without_pgvector(external_pg_without_vector: PgServer, tmp_path) -> None:
    server = external_pg_without_vector
    url = server.create_database(vector=False)
    try:
        results = run_all([["status"], ["migrate"], ["serve"], ["search", "x"]], url, tmp_path)
        assert_one_line(results, f"the PostgreSQL server at 127.0.0.1:{server.port} does not have "
                        "the pgvector extension, which paperboy needs",
                        "apt install postgresql-18-pgvector", "CREATE EXTENSION vector")
        with server.admin(url.rsplit("/", 1)[1]) as conn:  # nothing half-made was left behind
            tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
            assert tables == (0,)
    finally:
        server.drop_database(url)


def test_role_may_not_create_pgvector(external_pg: PgServer, tmp_path) -> None:
    """The server has pgvector but the administrator has not created it in this database, and
    the application role (no superuser; pgvector is not trusted) may not: say who must."""
    url = external_pg.create_database(vector=False)
    name = url.rsplit("/", 1)[1]
    try:
        results = run_all([["status"], ["migrate"]], url, tmp_path)
        assert_one_line(results, f"pgvector is available on 127.0.0.1:{external_pg.port} but not "
                        f"created in database {name}, and role paperboy_app may not create it",
                        f"ask an administrator to run CREATE EXTENSION vector; in database {name}")
        with external_pg.admin(name) as conn:  # once the administrator has, all is well
            conn.execute("CREATE EXTENSION vector")
        ok = subprocess.run([*paperboy_cmd(), "status"], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "DATABASE_URL": url, "PAPERBOY_HOME": str(tmp_path)})
        assert ok.returncode == 0, ok.stderr
        assert "papers: 0" in ok.stdout
    finally:
        external_pg.drop_database(url)


def test_no_password_given(external_pg: PgServer, tmp_path) -> None:
    results = run_all([["status"]], external_pg.url("x", password=None), tmp_path)
    assert_one_line(results, "no password supplied", "DATABASE_URL needs the password")


def test_reachable_url_for_pg_tools(external_pg: PgServer, external_db: str, monkeypatch) -> None:
    """What commands that hand the URL to pg_dump/psql check first (connect.reachable_url)."""
    monkeypatch.setenv("DATABASE_URL", external_db)
    assert connect.reachable_url(config.load()) == external_db
    monkeypatch.setenv("DATABASE_URL", external_db.replace(APP_PASSWORD, "wrong"))
    with pytest.raises(DatabaseError) as refused:
        connect.reachable_url(config.load())
    assert "password authentication failed" in str(refused.value)
    assert "\n" not in str(refused.value)


def test_read_only_database(external_pg: PgServer, tmp_path) -> None:
    """A database an administrator made read-only (as some services do when its disk is full)."""
    url = external_pg.create_database()
    name = url.rsplit("/", 1)[1]
    try:
        with external_pg.admin() as conn:
            conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        results = run_all([["status"], ["migrate"]], url, tmp_path)
        assert_one_line(results, f"database {name} at 127.0.0.1:{external_pg.port} is read-only "
                        "(default_transaction_read_only is on)")
    finally:
        external_pg.drop_database(url)
