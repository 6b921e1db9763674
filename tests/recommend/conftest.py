"""A database with 1,000 real arXiv papers and their vectors, copied per test from a
template built once per session."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from tests.fixtures.templates import filled_template
from tests.helpers import database
from tests.recommend import topics

from paperboy.db import Database


@pytest.fixture(scope="session")
def topics_template(pg_server: str, tmp_path_factory) -> Iterator[str]:
    scratch = tmp_path_factory.mktemp("topics")
    with filled_template(pg_server, "pb_topics_", lambda conn: topics.store(conn, scratch)) as name:
        yield name


@pytest.fixture
def tdb(pg_server: str, topics_template: str) -> Iterator[Database]:
    with database(pg_server, template=topics_template) as url:
        db = Database(url, max_size=4).open()
        yield db
        db.close()


@pytest.fixture
def tconn(tdb: Database) -> Iterator[psycopg.Connection]:
    with tdb.connection() as c:
        yield c
