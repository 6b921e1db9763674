"""The probes' town: one instance with members (world.py) per test module, the app over it,
a browser per person, and a ledger of the probes sent (printed at the end of the run, the
counts the issue's closing note quotes)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from paperboy import config
from paperboy.community import sessions
from paperboy.db import Database
from paperboy.web.app import create_app
from tests.security.world import Person, World, database, fill, person

LEDGER: Counter = Counter()  # (kind of probe, role) -> requests sent
LIMITS = {"PAPERBOY_VOTES_PER_MINUTE": "1000000", "PAPERBOY_COMMENTS_PER_HOUR": "1000000",
          "PAPERBOY_SUBMIT_PER_DAY": "1000000", "PAPERBOY_ARXIV_URL": "http://127.0.0.1:9/api/query",
          "PAPERBOY_ARXIV_DELAY": "0"}
# Tables members change, and the columns a mere read may touch (last seen, last used).
TABLES = ["members", "sessions", "api_tokens", "collections", "collection_papers", "comments", "mentions",
          "votes", "library_entries", "library_imports", "not_interested", "subscribers", "subscriber_topics",
          "submissions", "pins", "paper_aliases", "moderation_log", "signin_tokens", "outbox"]
READ_TOUCHES = {"last_seen", "last_used"}


@dataclass
class Town:
    db: Database
    app: FastAPI
    world: World
    newcomers: int = 0

    def browser(self, who: Person | None = None) -> TestClient:
        """A browser signed in by session cookie as ``who`` (no one: None)."""
        client = TestClient(self.app, raise_server_exceptions=False, follow_redirects=False)
        if who is not None:
            client.cookies.set(sessions.COOKIE, who.cookie)
        return client

    def fresh_session(self, who: Person) -> tuple[TestClient, str]:
        """A browser with a new session of ``who`` (as signing in again makes), and its
        form token: for a probe that may end the sessions it started with."""
        with self.db.connection() as conn:
            cookie = sessions.start(conn, self.world.secret, who.id, days=30)
            conn.commit()
        client = TestClient(self.app, raise_server_exceptions=False, follow_redirects=False)
        client.cookies.set(sessions.COOKIE, cookie)
        return client, sessions.csrf_token(self.world.secret, sessions.key_of(self.world.secret, cookie, 30))

    def newcomer(self, role: str = "member") -> Person:
        """A new member with a token and a session (for a probe that ends them)."""
        self.newcomers += 1
        with self.db.connection() as conn:
            return person(conn, self.world.secret, f"new{self.newcomers}@example.org", role, f"new{self.newcomers}")

    def csrf(self, who: Person) -> str:
        """The form token of ``who``'s session (the X-CSRF-Token header or ``csrf`` field)."""
        return sessions.csrf_token(self.world.secret, sessions.key_of(self.world.secret, who.cookie, 30))

    def snapshot(self) -> dict[str, list[str]]:
        """Every row of the tables members change (timestamps of mere reads left out). Of the
        outbox, which messages exist: the app's mailer thread delivers what an earlier
        (allowed) request queued at its own pace, changing their state, not their number."""
        self.app.state.mailer.wait_idle(timeout=10)
        with self.db.connection() as conn:
            out = {}
            for t in TABLES:
                columns = "id, kind, recipient" if t == "outbox" else "*"
                rows = conn.execute(f"SELECT {columns} FROM {t}").fetchall()  # noqa: S608 - our own names
                out[t] = sorted(repr(sorted((k, v) for k, v in r.items() if k not in READ_TOUCHES))
                                 for r in rows)
            out["papers"] = sorted(repr((r["id"], r["hidden"])) for r in conn.execute("SELECT id, hidden FROM papers"))
            return out

    def conn(self) -> psycopg.Connection:
        return self.db.connection()


def changed(before: dict, after: dict) -> list[str]:
    return [t for t in before if before[t] != after[t]]


@pytest.fixture(scope="module")
def town(pg_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Town]:
    with database(pg_server, "sec") as url:
        db = Database(url, max_size=4).open()
        try:
            with db.connection() as conn:
                world = fill(conn)
            with pytest.MonkeyPatch.context() as mp:
                for k, v in LIMITS.items():
                    mp.setenv(k, v)
                cfg = config.load()
            app = create_app(db, cache_seconds=0, rate_limit=0, home=tmp_path_factory.mktemp("sec-home"),
                             cfg=cfg)
            yield Town(db, app, world)
        finally:
            db.close()


def count(kind: str, role: str, n: int = 1) -> None:
    LEDGER[(kind, role)] += n


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ARG001 - pytest's names
    if not LEDGER:
        return
    tr = terminalreporter
    tr.section("hostile-input probes sent (tests/security)")
    kinds = sorted({k for k, _ in LEDGER})
    for kind in kinds:
        roles = {r: n for (k, r), n in LEDGER.items() if k == kind}
        tr.write_line(f"{kind:<28} {sum(roles.values()):>6}  " + ", ".join(f"{r} {n}" for r, n in sorted(roles.items())))
    tr.write_line(f"{'all':<28} {sum(LEDGER.values()):>6}")


