"""Delivering the outbox over SMTP (or into .eml files when no SMTP server is configured).

Each sender claims one pending message at a time with FOR UPDATE SKIP LOCKED, sends it, and
marks it sent in the same transaction: a second sender running at once skips it, a crash
before the commit releases the lock and leaves it pending for the next run. Transient
failures (4xx, lost connections) are retried with exponential backoff; permanent ones (5xx)
are recorded, and after PAUSE_AFTER in a row the subscription is paused.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import psycopg

from paperboy.config import SMTPSettings

MAX_ATTEMPTS = 8
PAUSE_AFTER = 3
BACKOFF_START = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=6)


@dataclass
class SendStats:
    sent: int = 0
    retry: int = 0
    failed: int = 0


class Transient(Exception):
    pass


class Permanent(Exception):
    pass


class SMTPDelivery:
    """One SMTP connection, reused across messages and reopened when it drops."""

    def __init__(self, settings: SMTPSettings, timeout: float = 30) -> None:
        self.s = settings
        self.timeout = timeout
        self.conn: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        ctx = ssl.create_default_context()
        if self.s.security == "ssl":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(self.s.host, self.s.port, timeout=self.timeout, context=ctx)
        else:
            conn = smtplib.SMTP(self.s.host, self.s.port, timeout=self.timeout)
            if self.s.security == "starttls":
                conn.starttls(context=ctx)
        if self.s.user:
            conn.login(self.s.user, self.s.password or "")
        return conn

    def deliver(self, sender: str, recipient: str, message: bytes) -> None:
        try:
            if self.conn is None:
                self.conn = self._open()
            self.conn.sendmail(sender, [recipient], message)
        except smtplib.SMTPRecipientsRefused as e:
            code, text = next(iter(e.recipients.values()))
            self._classify(code, text)
        except smtplib.SMTPResponseException as e:
            self.close()
            self._classify(e.smtp_code, e.smtp_error)
        except (TimeoutError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as e:
            self.close()
            raise Transient(f"connection: {e}") from None

    @staticmethod
    def _classify(code: int, text: bytes | str) -> None:
        detail = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        if 400 <= code < 500:
            raise Transient(f"{code} {detail}")
        raise Permanent(f"{code} {detail}")

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.conn = None


class FileDelivery:
    """No SMTP server configured: each message becomes a .eml file in a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def deliver(self, sender: str, recipient: str, message: bytes, name: str = "") -> None:
        (self.folder / f"{name}.eml").write_bytes(message)

    def close(self) -> None:
        pass


def _backoff(attempts: int) -> timedelta:
    return min(BACKOFF_START * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def _envelope_sender(header_from: str) -> str:
    from email.utils import parseaddr

    return parseaddr(header_from)[1] or "paperboy@localhost"


def deliver_pending(
    conn: psycopg.Connection,
    delivery: SMTPDelivery | FileDelivery,
    sender: str,
    *,
    only_ids: list[int] | None = None,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> SendStats:
    """Send due outbox messages until none is left (or ``limit``); return what happened."""
    stats = SendStats()
    envelope = _envelope_sender(sender)
    try:
        while limit is None or stats.sent + stats.retry + stats.failed < limit:
            with conn.transaction():
                row = conn.execute(
                    "SELECT o.id, o.subscriber_id, o.recipient, o.message, o.attempts,"
                    " coalesce(s.failures, 0) AS failures FROM outbox o"
                    " LEFT JOIN subscribers s ON s.id = o.subscriber_id"
                    " WHERE o.status = 'pending' AND o.next_attempt <= now()"
                    " AND (%(ids)s::bigint[] IS NULL OR o.id = ANY(%(ids)s))"
                    " ORDER BY o.id FOR UPDATE OF o SKIP LOCKED LIMIT 1",
                    {"ids": only_ids},
                ).fetchone()
                if row is None:
                    break
                try:
                    if isinstance(delivery, FileDelivery):
                        delivery.deliver(envelope, row["recipient"], bytes(row["message"]), name=str(row["id"]))
                    else:
                        delivery.deliver(envelope, row["recipient"], bytes(row["message"]))
                except Transient as e:
                    attempts = row["attempts"] + 1
                    give_up = attempts >= MAX_ATTEMPTS
                    conn.execute(
                        "UPDATE outbox SET attempts = %s, last_error = %s, next_attempt = now() + %s,"
                        " status = %s WHERE id = %s",
                        (attempts, str(e)[:500], _backoff(attempts), "failed" if give_up else "pending", row["id"]),
                    )
                    stats.retry += 1
                    if progress:
                        progress(1)
                    continue
                except Permanent as e:
                    conn.execute(
                        "UPDATE outbox SET attempts = attempts + 1, status = 'failed', last_error = %s"
                        " WHERE id = %s", (str(e)[:500], row["id"]))
                    if row["subscriber_id"]:
                        conn.execute(
                            "UPDATE subscribers SET failures = failures + 1,"
                            " status = CASE WHEN failures + 1 >= %s AND status = 'active' THEN 'paused'"
                            " ELSE status END WHERE id = %s",
                            (PAUSE_AFTER, row["subscriber_id"]))
                    stats.failed += 1
                    if progress:
                        progress(1)
                    continue
                conn.execute(
                    "UPDATE outbox SET status = 'sent', sent = now(), attempts = attempts + 1,"
                    " last_error = NULL WHERE id = %s", (row["id"],))
                if row["failures"]:
                    conn.execute("UPDATE subscribers SET failures = 0 WHERE id = %s", (row["subscriber_id"],))
                stats.sent += 1
            if progress:
                progress(1)
    finally:
        delivery.close()
    return stats


def delivery_for(smtp: SMTPSettings | None, home: Path) -> SMTPDelivery | FileDelivery:
    return SMTPDelivery(smtp) if smtp else FileDelivery(home / "outbox")
