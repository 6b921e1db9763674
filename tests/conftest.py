"""Shared fixtures: one real PostgreSQL (embedded) per test session, a fresh database per test.

Each test gets its own database cloned from a migrated template, so tests never see each
other's papers and need no cleanup beyond dropping it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from paperboy.db import Database, embedded, migrate
from tests.helpers import database

# No test may reach the internet: the fetch schedule of `serve` is off unless a test
# points it at its local replay server.
os.environ["PAPERBOY_FETCH_EVERY"] = "off"
# Test clients (Starlette's TestClient) send Host "testserver": make it this instance's address,
# so the default trusted hosts admit it and absolute links start there, whatever the shell says.
os.environ["PAPERBOY_BASE_URL"] = "http://testserver"
os.environ.pop("PAPERBOY_TRUSTED_HOSTS", None)
os.environ.pop("PAPERBOY_CONFIG", None)  # a settings file of the shell's must not leak in
# `serve` subprocesses log a line per request at info; tests that read their output through a
# pipe nobody drains would fill it and stall the server. Tests that want the log ask for it.
os.environ["PAPERBOY_LOG_LEVEL"] = "warning"
# Each embedded server of the suite (one per xdist worker, plus tests' own homes) would size
# shared_buffers at 25% of this machine's memory: keep PostgreSQL's default for the suite.
os.environ["PAPERBOY_DB_SHARED_BUFFERS"] = "128MB"


@pytest.fixture(scope="session")
def pg_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("paperboy-home")


@pytest.fixture(scope="session")
def pg_server(pg_home: Path) -> str:
    """URL of the session's embedded server (its default database)."""
    url = embedded.start(pg_home)
    template = make_conninfo(url, dbname="pb_template")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS pb_template")
        conn.execute("CREATE DATABASE pb_template")
    migrate.migrate(template)
    return url


@pytest.fixture
def db_url(pg_server: str) -> Iterator[str]:
    with database(pg_server) as url:
        yield url


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url, max_size=4).open()
    yield database
    database.close()


@pytest.fixture
def conn(db: Database) -> Iterator[psycopg.Connection]:
    with db.connection() as c:
        yield c
