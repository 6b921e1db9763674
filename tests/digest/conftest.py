"""A real SMTP server on loopback (aiosmtpd) and a small hub to send digests from."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from paperboy.digest import compose, subscriptions
from paperboy.search import Searcher
from tests.fixtures.mail import Sink, smtp  # noqa: F401 - the SMTP server, for tests here and elsewhere
from tests.helpers import import_files, shared

NOW = datetime(2024, 11, 8, 9, 30, tzinfo=UTC)  # a Friday morning


@pytest.fixture
def week(conn):
    """A real week of HF daily papers (Mon 4 – Fri 8 November 2024)."""
    import_files(conn, [shared("hf-daily-papers-2024", f"2024-11-0{d}.json") for d in range(4, 9)])
    conn.commit()
    return conn


def active(conn, address: str, **prefs) -> int:
    sub = subscriptions.subscribe(conn, address)
    conn.execute("UPDATE email_tokens SET used = now() WHERE subscriber_id = %s", (sub.subscriber_id,))
    conn.execute("UPDATE subscribers SET status = 'active', confirmed = now() WHERE id = %s", (sub.subscriber_id,))
    topics = prefs.pop("topics", [])
    for k, v in prefs.items():
        conn.execute(f"UPDATE subscribers SET {k} = %s WHERE id = %s", (v, sub.subscriber_id))  # noqa: S608
    for t in topics:
        conn.execute("INSERT INTO subscriber_topics (subscriber_id, query) VALUES (%s, %s)", (sub.subscriber_id, t))
    conn.commit()
    return sub.subscriber_id


def context(conn, home: Path, now: datetime = NOW) -> compose.Context:
    searcher = Searcher(home, conn)
    searcher.index.sync(conn)
    return compose.Context(base_url="http://testserver", secret=subscriptions.secret_key(conn, None),
                           sender="paperboy <digest@paperboy.test>", now=now, searcher=searcher,
                           latest=compose.latest_day(conn))
