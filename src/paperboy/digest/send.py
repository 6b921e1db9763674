"""Delivering the outbox over SMTP (or into .eml files when no SMTP server is configured).

Each sender claims one pending message at a time with FOR UPDATE SKIP LOCKED, sends it, and
marks it sent in the same transaction: a second sender running at once skips it, a crash
before the commit releases the lock and leaves it pending for the next run. Transient
failures (4xx, lost connections) are retried with exponential backoff; permanent ones (5xx)
are recorded, and after PAUSE_AFTER in a row the subscription is paused. Any other error while
sending one message (a bug, an address smtplib cannot write) fails that message alone, with
the error in last_error: one bad row must never hold up the queue behind it.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path

import psycopg

from paperboy.config import SMTPSettings
from paperboy.digest import parts
from paperboy.digest.addresses import wire_address

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


class Transient(Exception):
    pass


class Permanent(Exception):
    pass


def _plain(address: str) -> bool:
    """An address that goes into MAIL or RCPT as it is, between angle brackets."""
    return address.isascii() and not any(c in address for c in "<> \r\n")


class _FastData:
    """smtplib's SMTP, quicker for one message to one reader, which is what paperboy sends:

    - DATA's dot-stuffing is done by ``bytes.replace``: smtplib runs a multi-line regex over the
      whole message, a quarter of a millisecond for a 50 kB digest, which was a third of a
      sender's own CPU. The bytes sent are the same.
    - When the server offers PIPELINING (RFC 2920), MAIL, RCPT and DATA go in one write and
      their replies are read together: two round trips a message instead of four. Refusals
      raise what ``sendmail`` raises, and the session is reset as it does.
    """

    def _send_data(self, msg: bytes) -> tuple[int, bytes]:
        q = msg.replace(b"\n.", b"\n..")
        if q.startswith(b"."):
            q = b"." + q
        if not q.endswith(b"\r\n"):
            q += b"\r\n"
        self.send(q + b".\r\n")  # type: ignore[attr-defined]
        return self.getreply()  # type: ignore[attr-defined]

    def data(self, msg: bytes) -> tuple[int, bytes]:  # type: ignore[override]
        if not isinstance(msg, bytes):  # what smtplib does with text (we only send bytes)
            return super().data(msg)  # type: ignore[misc]
        self.putcmd("data")  # type: ignore[attr-defined]
        code, repl = self.getreply()  # type: ignore[attr-defined]
        if code != 354:
            raise smtplib.SMTPDataError(code, repl)
        return self._send_data(msg)

    def sendmail(self, from_addr: str, to_addrs: list[str], msg: bytes,  # type: ignore[override]
                 mail_options: list[str] = (), rcpt_options: list[str] = ()) -> dict:  # type: ignore[assignment]
        smtp: smtplib.SMTP = self  # type: ignore[assignment]
        pipelined = (isinstance(msg, bytes) and len(to_addrs) == 1 and not rcpt_options
                     and _plain(from_addr) and _plain(to_addrs[0]))
        if pipelined:
            smtp.ehlo_or_helo_if_needed()
            pipelined = smtp.does_esmtp and smtp.has_extn("pipelining")
        if not pipelined:
            return super().sendmail(from_addr, to_addrs, msg, mail_options, rcpt_options)  # type: ignore[misc]
        if any(o.lower() == "smtputf8" for o in mail_options):
            smtp.command_encoding = "utf-8"
        options = "".join(f" {o}" for o in mail_options)
        smtp.send(f"MAIL FROM:<{from_addr}>{options}\r\nRCPT TO:<{to_addrs[0]}>\r\nDATA\r\n")
        mail, rcpt, data = smtp.getreply(), smtp.getreply(), smtp.getreply()
        refused = mail[0] != 250 or rcpt[0] not in (250, 251)
        if refused and data[0] == 354:  # a server that opened DATA all the same: end it, empty
            smtp.send(".\r\n")
            smtp.getreply()
        if mail[0] != 250:
            smtp.close() if mail[0] == 421 else smtp._rset()  # type: ignore[attr-defined]
            raise smtplib.SMTPSenderRefused(mail[0], mail[1], from_addr)
        if rcpt[0] not in (250, 251):
            smtp.close() if rcpt[0] == 421 else smtp._rset()  # type: ignore[attr-defined]
            raise smtplib.SMTPRecipientsRefused({to_addrs[0]: rcpt})
        if data[0] != 354:
            raise smtplib.SMTPDataError(*data)
        code, reply = self._send_data(msg)
        if code != 250:
            smtp.close() if code == 421 else smtp._rset()  # type: ignore[attr-defined]
            raise smtplib.SMTPDataError(code, reply)
        return {}


class _SMTP(_FastData, smtplib.SMTP):
    pass


class _SMTP_SSL(_FastData, smtplib.SMTP_SSL):
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
            conn: smtplib.SMTP = _SMTP_SSL(self.s.host, self.s.port, timeout=self.timeout, context=ctx)
        else:
            conn = _SMTP(self.s.host, self.s.port, timeout=self.timeout)
            if self.s.security == "starttls":
                conn.starttls(context=ctx)
        if self.s.user:
            conn.login(self.s.user, self.s.password or "")
        return conn

    def deliver(self, sender: str, recipient: str, message: bytes) -> None:
        try:
            rcpt = wire_address(recipient)
        except ValueError as e:
            raise Permanent(str(e)) from None
        try:
            if self.conn is None:
                self.conn = self._open()
            options = self._utf8_options(self.conn, sender, rcpt)
            self.conn.sendmail(sender, [rcpt], message, mail_options=options)
        except smtplib.SMTPRecipientsRefused as e:
            code, text = next(iter(e.recipients.values()))
            self._classify(code, text)
        except smtplib.SMTPResponseException as e:
            self.close()
            self._classify(e.smtp_code, e.smtp_error)
        except (TimeoutError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as e:
            self.close()
            raise Transient(f"connection: {e}") from None
        except (Transient, Permanent):
            raise
        except Exception:
            # The session may be left mid-transaction (MAIL sent, no DATA): the next message
            # would be refused on it, so it starts on a fresh connection.
            self.close()
            raise

    @staticmethod
    def _utf8_options(conn: smtplib.SMTP, sender: str, rcpt: str) -> list[str]:
        """["SMTPUTF8"] when an address still holds non-ASCII (a local part: domains are
        punycode by now) and the server offers it; without it such a message cannot go."""
        if sender.isascii() and rcpt.isascii():
            return []
        conn.ehlo_or_helo_if_needed()
        if not conn.has_extn("smtputf8"):
            which = rcpt if not rcpt.isascii() else sender
            raise Permanent(f"{which!r} has non-ASCII characters before the @; sending to it needs "
                            "SMTPUTF8, which the SMTP server does not offer")
        return ["SMTPUTF8"]

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
        try:
            (self.folder / f"{name}.eml").write_bytes(message)
        except OSError as e:  # a full disk passes
            raise Transient(f"writing {name}.eml: {e}") from None

    def close(self) -> None:
        pass


def _backoff(attempts: int) -> timedelta:
    return min(BACKOFF_START * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def _envelope_sender(header_from: str) -> str:
    address = parseaddr(header_from)[1] or "paperboy@localhost"
    try:
        return wire_address(address)
    except ValueError:
        return address  # each message then fails with a clear reason


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

    Each outcome is also counted into ``into`` as it happens, so totals shared by several
    senders stay true even when one of them stops on a database error."""
    stats = SendStats()
    envelope = _envelope_sender(sender)
    cache = cache or parts.PartCache()
    # Claims go forward from the last one: the pending index keeps the rows just sent until
    # vacuum, so a claim from the start walked past every one of them (at 100,000 messages,
    # most of the database's CPU of a run). Once nothing is left ahead, one claim from the
    # start picks up what a sender that stopped let go, and what came due meanwhile.
    after = 0
    try:
        while limit is None or stats.sent + stats.retry + stats.failed < limit:
            if stop is not None and stop.is_set():
                break
            # binary: the message as it is, not hex. (psycopg's pipeline mode would save two
            # round trips of four, but measured at 10,000 messages it cost the sender 45% more
            # CPU than it saved.)
            with conn.transaction(), conn.cursor(binary=True) as cur:
                row = cur.execute(
                    "SELECT o.id, o.subscriber_id, o.recipient, o.message, o.part_ids, o.part_at, o.attempts,"
                    " coalesce(s.failures, 0) AS failures FROM outbox o"
                    " LEFT JOIN subscribers s ON s.id = o.subscriber_id"
                    " WHERE o.status = 'pending' AND o.next_attempt <= now() AND o.id > %s"
                    " ORDER BY o.id FOR UPDATE OF o SKIP LOCKED LIMIT 1", (after,)
                ).fetchone()
                if row is None and after:
                    after = 0
                    continue
                if row is None:
                    break
                after = row["id"]
                outcome = _deliver_one(conn, delivery, envelope, row, cache)
            # counted once committed: the totals say what the database says
            stats.add(outcome)
            if into is not None:
                into.add(outcome)
            if progress:
                progress(1)
    finally:
        delivery.close()
    return stats


def _deliver_one(conn: psycopg.Connection, delivery: SMTPDelivery | FileDelivery, envelope: str,
                 row: dict, cache: parts.PartCache) -> str:
    """Send one claimed outbox row and record the outcome in its transaction: 'sent', 'retry'
    or 'failed'."""
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
        attempts = row["attempts"] + 1
        give_up = attempts >= MAX_ATTEMPTS
        conn.execute(
            "UPDATE outbox SET attempts = %s, last_error = %s, next_attempt = now() + %s,"
            " status = %s WHERE id = %s",
            (attempts, str(e)[:500], _backoff(attempts), "failed" if give_up else "pending", row["id"]),
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
    conn.execute(
        "UPDATE outbox SET status = 'sent', sent = now(), attempts = attempts + 1,"
        " last_error = NULL WHERE id = %s", (row["id"],))
    if row["failures"]:
        conn.execute("UPDATE subscribers SET failures = 0 WHERE id = %s", (row["subscriber_id"],))
    return "sent"


def _fail(conn: psycopg.Connection, outbox_id: int, reason: str) -> None:
    conn.execute("UPDATE outbox SET attempts = attempts + 1, status = 'failed', last_error = %s"
                 " WHERE id = %s", (reason[:500], outbox_id))


def delivery_for(smtp: SMTPSettings | None, home: Path) -> SMTPDelivery | FileDelivery:
    return SMTPDelivery(smtp) if smtp else FileDelivery(home / "outbox")
