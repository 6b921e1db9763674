"""A database with 1,000 real arXiv papers and their vectors, copied per test from a
template built once per session."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg.conninfo import make_conninfo
from tests.recommend import topics

from paperboy.db import Database


@pytest.fixture(scope="session")
def topics_template(pg_server: str, tmp_path_factory) -> str:
    name = "pb_topics_" + uuid.uuid4().hex[:8]
    with psycopg.connect(pg_server, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}" TEMPLATE pb_template')
    db = Database(make_conninfo(pg_server, dbname=name), max_size=2).open()
    with db.connection() as conn:
        topics.store(conn, tmp_path_factory.mktemp("topics"))
    db.close()
    return name


@pytest.fixture
def tdb(pg_server: str, topics_template: str) -> Iterator[Database]:
    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_server, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}" TEMPLATE "{topics_template}"')
    db = Database(make_conninfo(pg_server, dbname=name), max_size=4).open()
    yield db
    db.close()
    with psycopg.connect(pg_server, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def tconn(tdb: Database) -> Iterator[psycopg.Connection]:
    with tdb.connection() as c:
        yield c
