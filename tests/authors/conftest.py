"""The author tests' fixtures: a hub of real arXiv papers by a few people spelled several
ways (corpus.py), filled once per session and cloned per test; the app and two browsers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.authors import corpus
from tests.fixtures.templates import filled_template
from tests.fixtures.web import app, client, other  # noqa: F401 - fixtures
from tests.helpers import database


@pytest.fixture(scope="session")
def authors_template(pg_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    scratch = tmp_path_factory.mktemp("authors")
    with filled_template(pg_server, "authors_", lambda conn: corpus.store(conn, scratch)) as name:
        yield name


@pytest.fixture
def db_url(pg_server: str, authors_template: str) -> Iterator[str]:
    with database(pg_server, template=authors_template) as url:
        yield url
