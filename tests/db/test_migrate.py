"""Migrations are numbered, recorded, and applied only once."""

import psycopg
from psycopg.conninfo import make_conninfo

from paperboy.db import migrate


def test_fresh_database_gets_every_migration_then_nothing(pg_server):
    url = make_conninfo(pg_server, dbname="mig_fresh")
    with psycopg.connect(pg_server, autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS mig_fresh")
        c.execute("CREATE DATABASE mig_fresh")
    shipped = [name for _, name, _ in migrate.available()]
    assert shipped and shipped[0].startswith("0001_")
    assert migrate.migrate(url) == shipped
    assert migrate.migrate(url) == []
    assert migrate.pending(url) == []
    with psycopg.connect(url) as c:
        versions = [r[0] for r in c.execute("SELECT version FROM schema_migrations ORDER BY 1")]
        assert versions == [v for v, _, _ in migrate.available()]
        assert c.execute("SELECT extname FROM pg_extension WHERE extname = 'vector'").fetchone()


def test_upgrade_applies_only_the_new_ones(pg_server, monkeypatch):
    url = make_conninfo(pg_server, dbname="mig_upgrade")
    with psycopg.connect(pg_server, autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS mig_upgrade")
        c.execute("CREATE DATABASE mig_upgrade")
    real = migrate.available()
    monkeypatch.setattr(migrate, "available", lambda: real[:1])
    migrate.migrate(url)
    extra = (9999, "9999_test_extra.sql", "CREATE TABLE upgrade_marker (x int);")
    monkeypatch.setattr(migrate, "available", lambda: [*real, extra])
    assert migrate.migrate(url) == [n for _, n, _ in real[1:]] + ["9999_test_extra.sql"]
    with psycopg.connect(url) as c:
        assert c.execute("SELECT to_regclass('upgrade_marker') IS NOT NULL").fetchone()[0]


def test_a_failing_migration_is_rolled_back_and_reported(pg_server, monkeypatch):
    url = make_conninfo(pg_server, dbname="mig_fail")
    with psycopg.connect(pg_server, autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS mig_fail")
        c.execute("CREATE DATABASE mig_fail")
    bad = (1, "0001_bad.sql", "CREATE TABLE half_done (x int); SELECT no_such_function();")
    monkeypatch.setattr(migrate, "available", lambda: [bad])
    try:
        migrate.migrate(url)
    except Exception as e:  # noqa: BLE001 - checking the message below
        assert "0001_bad.sql" in str(e)
    else:
        raise AssertionError("a broken migration must raise")
    with psycopg.connect(url) as c:
        assert not c.execute("SELECT to_regclass('half_done') IS NOT NULL").fetchone()[0]
        assert c.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == 0
