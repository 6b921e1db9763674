"""One embedded, indexed hub shared by the read-only search tests (embedding is slow on CPU)."""

from __future__ import annotations

import gzip
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.conninfo import make_conninfo

from paperboy import embeddings
from paperboy.db import Database
from paperboy.papers.importer import parse_file, store_result
from paperboy.search import Searcher
from paperboy.web.app import create_app
from tests.helpers import shared


@pytest.fixture(scope="session")
def search_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("search-home")


@pytest.fixture(scope="session")
def search_db(pg_server: str, search_home: Path, tmp_path_factory) -> Iterator[Database]:
    name = "s_" + uuid.uuid4().hex[:10]
    with psycopg.connect(pg_server, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}" TEMPLATE pb_template')
    db = Database(make_conninfo(pg_server, dbname=name), max_size=4).open()
    jsonl = tmp_path_factory.mktemp("jsonl") / "forty.jsonl"
    with gzip.open(shared("arxiv-cs-2025-2026.jsonl.gz"), "rt") as f:
        jsonl.write_text("".join(next(f) for _ in range(40)))
    files = [*sorted(shared("hf-papers-pages").glob("*.txt")),
             shared("hf-daily-papers-2024", "2024-11-08.json"), jsonl]
    with db.connection() as conn:
        for f in files:
            fmt, result = parse_file(f, "auto", date(2025, 10, 17))
            store_result(conn, str(f), fmt, result)
        # one paper with code, for the has-code filter
        conn.execute("UPDATE papers SET github_repo = 'https://github.com/THU-MIG/yoloe'"
                     " WHERE title LIKE 'YOLOE:%'")
        conn.commit()
        embeddings.embed_pending(conn)
        Searcher(search_home, conn).index.sync(conn)
    yield db
    db.close()
    with psycopg.connect(pg_server, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sconn(search_db: Database) -> Iterator[psycopg.Connection]:
    with search_db.connection() as c:
        yield c


@pytest.fixture
def searcher(search_db: Database, search_home: Path) -> Searcher:
    with search_db.connection() as conn:
        return Searcher(search_home, conn)


@pytest.fixture
def sclient(search_db: Database, search_home: Path) -> TestClient:
    return TestClient(create_app(search_db, cache_seconds=0, rate_limit=0, home=search_home),
                      raise_server_exceptions=False)
