"""A real SMTP server on loopback (aiosmtpd) and a small hub to send digests from."""

from __future__ import annotations

import email
import os
import signal
import threading
import time
from datetime import UTC, datetime
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from paperboy.digest import compose, subscriptions
from paperboy.search import Searcher
from tests.helpers import free_port, import_files, shared

NOW = datetime(2024, 11, 8, 9, 30, tzinfo=UTC)  # a Friday morning


class Sink:
    """Records every message; can refuse some (4xx/5xx) or kill a sender mid-delivery."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []  # (MAIL FROM, RCPT TOs) of each message
        self.lock = threading.Lock()
        self.refuse: dict[str, list[str]] = {}  # recipient -> replies to give, in order
        self.kill_at: int | None = None  # kill kill_pid while receiving message number kill_at
        self.kill_pid: int | None = None
        self.delay = 0.0
        self.gate: threading.Event | None = None  # when set up, DATA waits until it opens
        self.seen = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        replies = self.refuse.get(address)
        if replies:
            reply = replies.pop(0)
            if not reply.startswith("250"):
                return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.seen += 1
            if self.kill_at is not None and self.seen == self.kill_at and self.kill_pid:
                os.kill(self.kill_pid, signal.SIGKILL)  # dies before it hears back: never counted
                return "421 going away"
        if self.delay:
            time.sleep(self.delay)
        if self.gate is not None:
            self.gate.wait(30)
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(msg)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def recipients(self) -> list[str]:
        """Every envelope recipient (RCPT TO) the server accepted a message for."""
        with self.lock:
            return [r for _, rcpts in self.envelopes for r in rcpts]




@pytest.fixture
def smtp(monkeypatch, tmp_path):
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    env = {"PAPERBOY_SMTP_HOST": "127.0.0.1", "PAPERBOY_SMTP_PORT": str(port),
           "PAPERBOY_SMTP_SECURITY": "none", "PAPERBOY_BASE_URL": "http://testserver",
           "PAPERBOY_MAIL_FROM": "paperboy <digest@paperboy.test>", "PAPERBOY_HOME": str(tmp_path / "home")}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    sink.env = env
    yield sink
    controller.stop()


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
