"""Connections: one pool per process, opened on the configured or embedded server (with what
the pool mode of a connection pooler in between needs: pooler.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from paperboy.config import Config
from paperboy.db import check, pooler
from paperboy.db import migrate as migrations
from paperboy.db.errors import DatabaseError
from paperboy.db.vectors import ensure_vector

log = logging.getLogger(__name__)


def _configure(conn: psycopg.Connection) -> None:
    """Every pooled connection knows pgvector's types (registering costs a round trip)."""
    try:
        ensure_vector(conn)
    except psycopg.ProgrammingError:  # the extension is not created yet (before migrating)
        pass
    conn.rollback()


class Database:
    """A connection pool with the schema brought up to date."""

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 10) -> None:
        self.url = url
        self.pool = ConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            kwargs={"row_factory": dict_row, "autocommit": False, **pooler.connect_kwargs()},
            configure=_configure,
            open=False,
        )

    def open(self) -> Database:
        try:
            self.pool.open(wait=True, timeout=15)
        except PoolTimeout as e:
            raise DatabaseError(f"cannot connect to PostgreSQL at {check.server_name(self.url)}") from e
        return self

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        with self.pool.connection() as conn:
            yield conn

    def close(self) -> None:
        self.pool.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def database_url(cfg: Config) -> str:
    """The configured server, or the embedded one (started on demand)."""
    if cfg.database_url:
        return cfg.database_url
    from paperboy.db import embedded  # the server's wheel is needed only without DATABASE_URL

    return embedded.start(cfg.home)


def reachable_url(cfg: Config) -> str:
    """The server's URL once paperboy has logged in there (for commands that hand it to
    PostgreSQL's own tools); a one-line DatabaseError if it cannot (check.py)."""
    url = database_url(cfg)
    check.check(url, write=False)
    return url


def migrate_database(cfg: Config) -> list[str]:
    """Check the server (login, pgvector) and apply pending migrations; the names applied.
    Every failure is a DatabaseError of one line (check.py)."""
    url = database_url(cfg)
    check.check(url)
    return migrations.migrate(url)


def open_database(cfg: Config, *, migrate: bool = True, later: bool = False,
                  max_size: int = 10) -> Database:
    """The database, checked and migrated. ``later``: index builds that can run while the hub
    answers are left for migrations.migrate_later (serve)."""
    url = database_url(cfg)
    check.check(url, write=migrate)
    if migrate:
        migrations.migrate(url, later=later)
    return Database(url, max_size=max_size).open()
