"""An instance with members and their things, for the probes (tests/security) and the
schema-driven API run (tests/api_schema): demo papers, two members (ada and bob) who each
have a private and a public collection, a comment, an upvote, a library entry, a "not
interested", an API token, a session and a digest subscription; a curator and an admin.

Built with the feature functions (no SQL but the reads), as members would make it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from psycopg.conninfo import make_conninfo

from paperboy import collections, demo, recommend
from paperboy.community import comments, members, sessions, tokens, votes
from paperboy.community.members import Member
from paperboy.digest import subscriptions
from paperboy.digest.subscriptions import secret_key
from paperboy.library import importer
from tests.helpers import import_files

BIB = """@article{{k{n},
  title = {{A library-only entry of {name}}},
  author = {{Lovelace, Ada}},
  year = {{2020}}
}}
"""


@dataclass
class Person:
    member: Member
    token: str  # API token (Authorization: Bearer …)
    token_id: int
    cookie: str  # session cookie (paperboy_session)
    private: int = 0  # collection ids
    public: int = 0
    comment: int = 0
    entry: int = 0  # library entry id
    subscriber: int = 0  # digest subscription id
    upvoted: str = ""
    not_interested: str = ""

    @property
    def id(self) -> int:
        return self.member.id

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class World:
    secret: str
    papers: list[str]
    ada: Person
    bob: Person
    curator: Person
    admin: Person


def person(conn: psycopg.Connection, secret: str, email: str, role: str, name: str) -> Person:
    member, _ = members.add(conn, email, role)
    member = members.rename(conn, member.id, name)
    token = tokens.create(conn, member.id, f"{name}'s token")
    token_id = tokens.list_for(conn, member.id)[0]["id"]  # the newest first
    cookie = sessions.start(conn, secret, member.id, days=30)
    conn.commit()
    return Person(member=member, token=token, token_id=token_id, cookie=cookie)


def _belongings(conn: psycopg.Connection, p: Person, papers: list[str], n: int) -> None:
    name = p.member.name
    p.private = collections.create(conn, p.id, f"{name} private", f"{name}'s secret list").id
    p.public = collections.create(conn, p.id, f"{name} public", "", True).id
    collections.add_paper(conn, p.id, p.private, papers[n])
    collections.add_paper(conn, p.id, p.public, papers[n + 1])
    p.comment = comments.post(conn, p.member, papers[n], f"{name} thinks this is fine.").id
    p.upvoted = papers[n + 2]
    votes.upvote(conn, p.upvoted, p.id)
    importer.import_library(conn, p.id, BIB.format(n=n, name=name), "mine.bib")
    p.entry = importer.library(conn, p.id, 0, 10).entries[0]["id"]
    p.not_interested = recommend.not_interested(conn, p.id, papers[n + 3])
    p.subscriber = subscriptions.subscribe(conn, p.member.email).subscriber_id
    conn.commit()


def fill(conn: psycopg.Connection, days: int = 2) -> World:
    """Demo papers (``days`` demo days) and the people above, in the database of ``conn``."""
    files = [f for f, _ in demo.corpus_files() if f.suffix == ".json"][:days]
    import_files(conn, files)
    conn.commit()
    papers = [r["id"] for r in conn.execute("SELECT id FROM papers ORDER BY id")]
    secret = secret_key(conn, None)
    world = World(
        secret=secret, papers=papers,
        ada=person(conn, secret, "ada@example.org", "member", "ada"),
        bob=person(conn, secret, "bob@example.org", "member", "bob"),
        curator=person(conn, secret, "cora@example.org", "curator", "cora"),
        admin=person(conn, secret, "root@example.org", "admin", "root"),
    )
    _belongings(conn, world.ada, papers, 0)
    _belongings(conn, world.bob, papers, 10)
    return world


@contextmanager
def database(pg_server: str, prefix: str) -> Iterator[str]:
    """A fresh migrated database on the session's server (dropped afterwards); its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_server, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}" TEMPLATE pb_template')
    try:
        yield make_conninfo(pg_server, dbname=name)
    finally:
        with psycopg.connect(pg_server, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
