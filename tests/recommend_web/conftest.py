"""Two weeks of real HF daily lists (28 October – 10 November 2024), embedded once per test
session into a template database; each test gets its own copy (votes, marks and models stay
its own) through ``db_url``, so ``db``, ``conn`` and the community fixtures work as usual."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.conninfo import make_conninfo

from paperboy import embeddings, recommend
from paperboy.community import votes
from paperboy.db import Database
from paperboy.web.app import create_app
from tests.helpers import import_files, shared

DAYS = [f"2024-10-{d}" for d in range(28, 32)] + [f"2024-11-{d:02d}" for d in range(1, 11)]
# Papers about video generation, all in the corpus: a member who upvotes them has one topic.
VIDEO = ["2410.19355", "2410.20280", "2410.23277", "2411.00225", "2411.02397", "2411.02385"]
ALL_TIME = "1900-01-01"


@pytest.fixture(scope="session")
def foryou_template(pg_server: str) -> Iterator[str]:
    name = "fy_" + uuid.uuid4().hex[:10]
    with psycopg.connect(pg_server, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}" TEMPLATE pb_template')
    db = Database(make_conninfo(pg_server, dbname=name), max_size=2).open()
    with db.connection() as conn:
        import_files(conn, [shared("hf-daily-papers-2024", f"{d}.json") for d in DAYS])
        conn.commit()
        embeddings.embed_pending(conn)
        conn.commit()
    db.close()  # a template must have no connections when it is copied
    yield name
    with psycopg.connect(pg_server, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db_url(pg_server: str, foryou_template: str) -> Iterator[str]:
    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{foryou_template}"')
    yield make_conninfo(pg_server, dbname=name)
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def client(db) -> TestClient:
    """The app without response cache or per-client rate limit (tests change data between
    requests and send many)."""
    return TestClient(create_app(db, cache_seconds=0, rate_limit=0), raise_server_exceptions=False)


def upvote_all(conn, member_id: int, ids: list[str], fit: bool = True) -> None:
    """The member upvotes ``ids``; then (``fit``) every stale model is refitted, as the
    background job does."""
    for pid in ids:
        votes.upvote(conn, pid, member_id)
    conn.commit()
    if fit:
        recommend.refresh_stale(conn)
        conn.commit()
