"""Delivering the outbox over SMTP (or into .eml files when no SMTP server is configured).

Each sender claims one pending message at a time with FOR UPDATE SKIP LOCKED, marking it
sent, and sends it in the same transaction: a second sender running at once skips it, a crash
before the commit releases the lock and leaves it pending for the next run. Transient
failures (4xx, lost connections) are retried with exponential backoff; permanent ones (5xx)
are recorded, and after PAUSE_AFTER in a row the subscription is paused. Any other error while
sending one message (a bug, an address smtplib cannot write) fails that message alone, with
the error in last_error: one bad row must never hold up the queue behind it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parseaddr

import psycopg

from paperboy.digest import parts
from paperboy.digest.addresses import wire_address
from paperboy.digest.transport import FileDelivery, Permanent, SMTPDelivery, Transient

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
PAUSE_AFTER = 3
BACKOFF_START = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=6)


@dataclass
class SendStats:
    sent: int = 0
    retry: int = 0
    failed: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, outcome: str) -> None:
        """Count one message ('sent', 'retry' or 'failed'); senders on several threads share one."""
        with self._lock:
            setattr(self, outcome, getattr(self, outcome) + 1)


def ended(e: BaseException) -> Exception:
    """What a sender thread that ended on ``e`` hands to the caller: the error itself, or for a
    BaseException such as SystemExit, which would end the thread unseen (the run then
    reporting fewer sent, and succeeding), an error that says so."""
    return e if isinstance(e, Exception) else RuntimeError(f"a sender ended on {type(e).__name__}: {e}")


def _backoff(attempts: int) -> timedelta:
    return min(BACKOFF_START * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def _envelope_sender(header_from: str) -> str:
    address = parseaddr(header_from)[1] or "paperboy@localhost"
    try:
        return wire_address(address)
    except ValueError:
        return address  # each message then fails with a clear reason


CLAIM = "SELECT * FROM outbox_claim(%s)"  # migration 35
# A message's COMMIT does not wait for its WAL to reach the disk. The wait was 100 µs of
# PostgreSQL's CPU a message with the sender idle meanwhile: 100,000 digests took 70.8 s, now
# 56.4 s. The risk is the one a sender's crash already has, a message sent twice, never one lost:
# after a crash of PostgreSQL or its machine, the last claims (three wal_writer_delay, 0.6 s by
# default) are undone and go out again. SET LOCAL ends with the transaction: a pooled
# connection is handed back as it came.
ASYNC_COMMIT = "SET LOCAL synchronous_commit = off"


def deliver_pending(
    conn: psycopg.Connection,
    delivery: SMTPDelivery | FileDelivery,
    sender: str,
    *,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
    into: SendStats | None = None,
    stop: threading.Event | None = None,
    cache: parts.PartCache | None = None,
) -> SendStats:
    """Send due outbox messages until none is left (or ``limit``, or ``stop`` is set: the
    message being sent is finished and recorded, the rest stay queued); return what happened.
    The connection is handed back as it came.

    Each message has a transaction of its own, open while the SMTP server answers: the claim
    marks it sent, a refusal rewrites it, and a crash before the COMMIT leaves it pending.
    That COMMIT (asynchronous: see ASYNC_COMMIT) goes with the BEGIN and claim of the next
    message in one round trip (simple protocol, so the connection is in autocommit and the
    transactions are written out): 0.09 ms of the sender's CPU a message, 0.21 ms as four
    round trips. (In an open transaction, each message is a savepoint of it instead.)

    Each outcome is also counted into ``into`` once committed, so totals shared by several
    senders stay true even when one of them stops on a database error."""
    stats = SendStats()
    envelope = _envelope_sender(sender)
    cache = cache or parts.PartCache()
    idle = psycopg.pq.TransactionStatus.IDLE
    nested = conn.info.transaction_status != idle
    begin, end = ("SAVEPOINT outbox_send", "RELEASE outbox_send") if nested else (f"BEGIN; {ASYNC_COMMIT}", "COMMIT")
    # Claims go forward from the last one: the pending index keeps the rows just sent until
    # vacuum, so a claim from the start walked past every one of them (at 100,000 messages,
    # most of the database's CPU of a run). Once nothing is left ahead, one claim from the
    # start picks up what a sender that stopped let go, and what came due meanwhile.
    after = 0
    is_open = False  # a message's transaction (or savepoint) is open
    uncommitted: str | None = None  # the outcome of the message in it
    was_autocommit = conn.autocommit
    if not nested:
        conn.autocommit = True
    cur = psycopg.ClientCursor(conn)

    def committed() -> None:
        nonlocal uncommitted
        if uncommitted is not None:  # counted once committed: the totals say what the database says
            stats.add(uncommitted)
            if into is not None:
                into.add(uncommitted)
            if progress:
                progress(1)
            uncommitted = None

    try:
        while True:
            handled = stats.sent + stats.retry + stats.failed + (uncommitted is not None)
            if (stop is not None and stop.is_set()) or (limit is not None and handled >= limit):
                break
            sql = f"{end + '; ' if is_open else ''}{begin}; {CLAIM}"
            is_open = True  # (a rollback of nothing is harmless)
            try:
                cur.execute(sql, (after,))
            except psycopg.Error:
                if not nested and conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR:
                    committed()  # the claim failed after the COMMIT went through
                raise
            committed()
            while cur.description is None and cur.nextset():
                pass
            row = cur.fetchone()
            if row is None and after:
                after = 0
                continue
            if row is None:
                break
            after = row["id"]
            uncommitted = _deliver_one(conn, delivery, envelope, row, cache)
        if is_open:
            cur.execute(end)
            is_open = False
            committed()
    except BaseException:
        if is_open and not conn.closed:
            try:
                cur.execute("ROLLBACK TO outbox_send; RELEASE outbox_send" if nested else "ROLLBACK")
            except psycopg.Error:
                pass
        raise
    finally:
        cur.close()
        delivery.close()
        if not nested and not conn.closed and conn.info.transaction_status == idle:
            conn.autocommit = was_autocommit
    return stats


def _deliver_one(conn: psycopg.Connection, delivery: SMTPDelivery | FileDelivery, envelope: str,
                 row: dict, cache: parts.PartCache) -> str:
    """Send one claimed outbox row (already marked sent, its attempt counted, by the claim)
    and record any other outcome in its transaction: 'sent', 'retry' or 'failed'."""
    try:
        message = parts.assemble(conn, row, cache)
    except parts.MissingPart as e:  # cannot be sent whole, now or later; not the address's fault
        log.error("outbox message %s: %s", row["id"], e)
        _fail(conn, row["id"], str(e))
        return "failed"
    try:
        if isinstance(delivery, FileDelivery):
            delivery.deliver(envelope, row["recipient"], message, name=str(row["id"]))
        else:
            delivery.deliver(envelope, row["recipient"], message)
    except Transient as e:
        attempts = row["attempts"]  # this one included
        give_up = attempts >= MAX_ATTEMPTS
        conn.execute(
            "UPDATE outbox SET sent = NULL, last_error = %s, next_attempt = now() + %s,"
            " status = %s WHERE id = %s",
            (str(e)[:500], _backoff(attempts), "failed" if give_up else "pending", row["id"]),
        )
        return "retry"
    except Permanent as e:
        _fail(conn, row["id"], str(e))
        if row["subscriber_id"]:
            conn.execute(
                "UPDATE subscribers SET failures = failures + 1,"
                " status = CASE WHEN failures + 1 >= %s AND status = 'active' THEN 'paused'"
                " ELSE status END WHERE id = %s",
                (PAUSE_AFTER, row["subscriber_id"]))
        return "failed"
    except Exception as e:
        # Not the address's fault as far as we know (so the subscription is not counted
        # against), but retrying would only fail again and keep the row first in line.
        log.exception("sending outbox message %s failed unexpectedly", row["id"])
        _fail(conn, row["id"], f"unexpected error: {type(e).__name__}: {e}")
        return "failed"
    if row["failures"]:
        conn.execute("UPDATE subscribers SET failures = 0 WHERE id = %s", (row["subscriber_id"],))
    return "sent"


def _fail(conn: psycopg.Connection, outbox_id: int, reason: str) -> None:
    """A claimed message failed for good (the claim counted the attempt)."""
    conn.execute("UPDATE outbox SET sent = NULL, status = 'failed', last_error = %s WHERE id = %s",
                 (reason[:500], outbox_id))
