"""Connections: one pool per process, opened on the configured or embedded server."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from paperboy.config import Config
from paperboy.db import migrate as migrations
from paperboy.db.errors import DatabaseError
from paperboy.db.vectors import ensure_vector

log = logging.getLogger(__name__)


def _redact(url: str) -> str:
    """The URL without its password, fit for messages and logs."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "<unparseable DATABASE_URL>"
    info.pop("password", None)
    host = info.get("host", "")
    return f"{info.get('user', '')}@{host}:{info.get('port', '5432')}/{info.get('dbname', '')}"


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
            kwargs={"row_factory": dict_row, "autocommit": False},
            configure=_configure,
            open=False,
        )

    def open(self) -> Database:
        try:
            self.pool.open(wait=True, timeout=15)
        except PoolTimeout as e:
            raise DatabaseError(f"cannot connect to PostgreSQL at {_redact(self.url)}") from e
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


def open_database(cfg: Config, *, migrate: bool = True, max_size: int = 10) -> Database:
    url = database_url(cfg)
    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise DatabaseError(f"cannot connect to PostgreSQL at {_redact(url)}: {first}") from e
    if migrate:
        migrations.migrate(url)
    return Database(url, max_size=max_size).open()
