"""The MCP tests' hub: two weeks of real HF daily lists (tests/fixtures/hub.py) with vectors
for some papers (similar_papers has neighbours), filled once per session; and, per test, two
members with API tokens, collections (one private to each, one public) and a few votes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from paperboy import collections, embeddings
from paperboy.community import members, tokens, votes
from tests.fixtures.hub import fill_hub
from tests.fixtures.templates import filled_template
from tests.helpers import database

EMBEDDED = 32  # papers given a vector in the template


def _fill(conn: psycopg.Connection, scratch: Path) -> None:
    fill_hub(conn, scratch)
    embeddings.embed_pending(conn, batch=16, limit=EMBEDDED)
    conn.commit()


@pytest.fixture(scope="session")
def mcp_template(pg_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    scratch = tmp_path_factory.mktemp("mcp-hub")
    with filled_template(pg_server, "mcp_", lambda conn: _fill(conn, scratch)) as name:
        yield name


@pytest.fixture
def db_url(pg_server: str, mcp_template: str) -> Iterator[str]:
    with database(pg_server, template=mcp_template) as url:
        yield url


@dataclass
class Filled:
    """What each test finds in its hub."""

    url: str
    ada_token: str  # a member with upvotes and collections
    bob_token: str  # another member, with a private collection of his own
    embedded: str  # a paper with a vector (and so neighbours)
    latest: list[str]  # the latest listed day's papers, most upvoted first
    ada_private: int
    ada_public: int
    bob_private: int


@pytest.fixture
def filled(db_url: str, conn: psycopg.Connection) -> Filled:
    ada = members.add(conn, "ada@lab.example.org")[0]
    bob = members.add(conn, "bob@lab.example.org")[0]
    latest = [r["id"] for r in conn.execute(
        "SELECT p.id FROM papers p JOIN listings l ON l.paper_id = p.id"
        " WHERE l.day = (SELECT max(day) FROM listings) ORDER BY p.upvotes DESC, p.id LIMIT 6")]
    embedded = conn.execute("SELECT paper_id FROM embeddings ORDER BY paper_id LIMIT 1").fetchone()["paper_id"]
    for pid in latest[:3]:
        votes.upvote(conn, pid, ada.id)
    ada_private = collections.create(conn, ada.id, "Reading", "for the journal club").id
    ada_public = collections.create(conn, ada.id, "Shared", "", True).id
    bob_private = collections.create(conn, bob.id, "Bob's secret").id
    collections.add_paper(conn, ada.id, ada_private, latest[0])
    collections.add_paper(conn, ada.id, ada_public, latest[1])
    collections.add_paper(conn, bob.id, bob_private, latest[2])
    filled = Filled(db_url, tokens.create(conn, ada.id, "agent"), tokens.create(conn, bob.id, "agent"),
                    embedded, latest, ada_private, ada_public, bob_private)
    conn.commit()
    return filled
