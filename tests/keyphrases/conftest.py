"""The keyphrase tests' fixtures: the app and its client (tests/fixtures/web.py), and the
recorded HF day with three arXiv papers and their keyphrases computed, filled once per
session (computing them is seconds of encoding) and cloned for each test that asks for
``filled``; the other tests get the empty schema."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from paperboy.keyphrases import store as kstore
from tests.fixtures.templates import filled_template
from tests.fixtures.web import app, client  # noqa: F401 - fixtures
from tests.helpers import database, import_files, shared


def fill(conn: psycopg.Connection, scratch: Path) -> None:
    jsonl = scratch / "three.jsonl"
    with gzip.open(shared("arxiv-cs-2025-2026.jsonl.gz"), "rt") as f:
        jsonl.write_text("".join(next(f) for _ in range(3)))
    import_files(conn, [shared("hf-api-recorded", "daily_papers.2026-07-14.json"), jsonl])
    conn.commit()
    kstore.compute_pending(conn)


@pytest.fixture(scope="session")
def keyphrases_template(pg_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    scratch = tmp_path_factory.mktemp("keyphrases")
    with filled_template(pg_server, "kp_", lambda conn: fill(conn, scratch)) as name:
        yield name


@pytest.fixture
def db_url(request: pytest.FixtureRequest, pg_server: str) -> Iterator[str]:
    """A clone of the filled template for a test that asks for ``filled``, else of the schema."""
    template = (request.getfixturevalue("keyphrases_template") if "filled" in request.fixturenames
                else "pb_template")
    with database(pg_server, template=template) as url:
        yield url
