"""Two weeks of real HF daily lists (28 October – 10 November 2024), embedded once per test
session into a template database; each test gets its own copy (votes, marks and models stay
its own) through ``db_url``, so ``db``, ``conn`` and the community fixtures work as usual."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from paperboy import embeddings, recommend
from paperboy.community import votes
from tests.fixtures.templates import filled_template
from tests.fixtures.web import app, client  # noqa: F401 - fixtures
from tests.helpers import database, import_files, shared

DAYS = [f"2024-10-{d}" for d in range(28, 32)] + [f"2024-11-{d:02d}" for d in range(1, 11)]
# Papers about video generation, all in the corpus: a member who upvotes them has one topic.
VIDEO = ["2410.19355", "2410.20280", "2410.23277", "2411.00225", "2411.02397", "2411.02385"]
ALL_TIME = "1900-01-01"


def fill(conn: psycopg.Connection) -> None:
    import_files(conn, [shared("hf-daily-papers-2024", f"{d}.json") for d in DAYS])
    conn.commit()
    embeddings.embed_pending(conn)


@pytest.fixture(scope="session")
def foryou_template(pg_server: str) -> Iterator[str]:
    with filled_template(pg_server, "fy_", fill) as name:
        yield name


@pytest.fixture
def db_url(pg_server: str, foryou_template: str) -> Iterator[str]:
    with database(pg_server, template=foryou_template) as url:
        yield url


def upvote_all(conn, member_id: int, ids: list[str], fit: bool = True) -> None:
    """The member upvotes ``ids``; then (``fit``) every stale model is refitted, as the
    background job does."""
    for pid in ids:
        votes.upvote(conn, pid, member_id)
    conn.commit()
    if fit:
        recommend.refresh_stale(conn)
        conn.commit()
