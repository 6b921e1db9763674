"""Queuing messages and sending them: the glue between subscriptions, composing and delivery."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from paperboy.community import signin
from paperboy.config import Config
from paperboy.db import Database
from paperboy.digest import parts, render, send, transport
from paperboy.digest import senders as senders_
from paperboy.digest.subscriptions import CONFIRM_HOURS, Subscribed

log = logging.getLogger(__name__)

KEEP_DAYS = 14  # a sent message's text is kept this long (its row stays: see forget_sent_messages)
SENT_DAYS = 60  # a digest's papers are read this long (compose.recently_sent), then emptied
FORGET_BATCH = 5000
PROCESS_FROM = 2000  # messages expected from which sending_alongside sends from a process of its own


def queue_confirmation(conn: psycopg.Connection, cfg: Config, secret: str, sub: Subscribed) -> int:
    email = conn.execute("SELECT email FROM subscribers WHERE id = %s", (sub.subscriber_id,)).fetchone()["email"]
    ctx: dict[str, Any] = {"email": email, "confirm_url": f"{cfg.base_url}/confirm/{sub.token}",
                           "hours": CONFIRM_HOURS, "base_url": cfg.base_url}
    subject = "Confirm your paperboy subscription"
    msg = render.message(sender=cfg.mail_from, to=email, subject=subject,
                         text=render.render("confirm.txt", **ctx), html=render.render("confirm.html", **ctx))
    with conn.transaction():
        row = conn.execute(
            "INSERT INTO outbox (subscriber_id, kind, period, recipient, subject, message)"
            " VALUES (%s, 'confirm', %s, %s, %s, %s) RETURNING id",
            (sub.subscriber_id, (sub.token or "")[:16], email, subject, msg),
        ).fetchone()
    return row["id"]


def forget_sent_messages(conn: psycopg.Connection, days: int = KEEP_DAYS) -> int:
    """Empty the text of messages sent more than ``days`` ago; how many. The row stays, subject
    and all: it is what stops a period's digest from being composed and sent twice. Batches
    of FORGET_BATCH, each committed; rows another process is emptying are skipped. Then, when
    some were emptied, the shared parts that no message holds any more are deleted
    (digest/parts.py; that reads the whole outbox, so not at every one of serve's rounds), and so
    are the ``papers`` lists of digests older than SENT_DAYS, which no digest reads again: at
    100,000 daily readers they would otherwise grow by some 3 million paper ids a day."""
    done = 0
    while True:
        n = conn.execute(
            "UPDATE outbox SET message = ''::bytea, part_ids = NULL, part_at = NULL WHERE id IN (SELECT id FROM outbox"
            " WHERE status = 'sent' AND octet_length(message) > 0 AND sent < now() - make_interval(days => %s)"
            " LIMIT %s FOR UPDATE SKIP LOCKED)", (days, FORGET_BATCH)).rowcount
        conn.commit()
        done += n
        if n < FORGET_BATCH:
            break
    if done:
        parts.forget_unused(conn)
        while conn.execute(
            "UPDATE outbox SET papers = NULL WHERE id IN (SELECT id FROM outbox WHERE kind = 'digest'"
            " AND papers IS NOT NULL AND created < now() - make_interval(days => %s) LIMIT %s"
            " FOR UPDATE SKIP LOCKED)", (SENT_DAYS, FORGET_BATCH)).rowcount == FORGET_BATCH:
            conn.commit()
        conn.commit()
    return done


def send_now(db: Database, cfg: Config, senders: int = 1,
             progress: Callable[[int], None] | None = None,
             stop: threading.Event | None = None) -> send.SendStats:
    """Deliver due outbox messages over ``senders`` connections at once (each with its own
    database connection; SKIP LOCKED keeps them off each other's messages). A sender that
    stops on an error is re-raised here once all are done, after every delivery is counted.
    Once ``stop`` is set, each sender finishes the message it is sending and leaves the rest."""
    with db.connection() as conn:
        # Sign-in links asked for by requests, which record only the asking (so a member's
        # request takes as long as a stranger's): made and queued here, off the request.
        signin.send_requested(conn, cfg)
    total = send.SendStats()
    errors: list[Exception] = []
    cache = parts.PartCache()  # the senders' shared parts, read once for all of them

    def one() -> None:
        try:
            with db.connection() as conn:
                send.deliver_pending(conn, transport.delivery_for(cfg.smtp, cfg.home), cfg.mail_from,
                                     progress=progress, into=total, stop=stop, cache=cache)
        except BaseException as e:  # the thread would swallow it: hand it to the caller
            errors.append(send.ended(e))

    threads = [threading.Thread(target=one) for _ in range(max(1, senders))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return total


@contextmanager
def sending_alongside(db: Database, cfg: Config, senders: int = 4,
                      progress: Callable[[int], None] | None = None,
                      expected: int = 0) -> Iterator[send.SendStats]:
    """Deliver the outbox while the caller composes (chunks are committed as they are
    written); on leaving the block, drain what is left. Yields the running totals, true even
    when a sender stops on an error (which is raised on leaving, once the others are done).

    When ``expected`` (messages) reaches PROCESS_FROM, the senders run in a process of their
    own (digest/senders.py), so composing and sending each have a core (Python runs one
    thread of a process at a time): worth its second of start-up for thousands of messages."""
    if expected >= PROCESS_FROM:
        with senders_.alongside(db.url, cfg, senders, progress) as total:
            yield total
        return
    done = threading.Event()
    total = send.SendStats()
    errors: list[Exception] = []
    threads = senders_.start(db, cfg, senders, done, total, errors, progress)
    try:
        yield total
    finally:
        done.set()
        for t in threads:
            t.join()
    if errors:
        raise errors[0]


class Mailer:
    """Delivers the outbox on a thread of its own, woken when a request queues a message: no
    request waits on an SMTP server (a slow one would hold a page for its whole timeout).

    The thread starts on the first wake and ends after ``idle`` seconds with nothing to do;
    what a failure leaves queued is retried by the next wake, `serve`'s worker (once a
    minute) or `paperboy digest send`. Stopping finishes the message being sent and leaves
    the rest queued for the same."""

    def __init__(self, db: Database, cfg: Config, idle: float = 30.0) -> None:
        self.db, self.cfg, self.idle_after = db, cfg, idle
        self.woken = threading.Event()
        self.idle = threading.Event()
        self.idle.set()
        self.stopping = False
        self.halted = threading.Event()  # set by halt(): finish the current message, send no more
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def wake(self) -> None:
        with self.lock:
            if self.stopping:
                return
            self.idle.clear()
            self.woken.set()
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="paperboy-mailer", daemon=True)
                self.thread.start()

    def _run(self) -> None:
        while True:
            self.woken.clear()
            try:
                send_now(self.db, self.cfg, stop=self.halted)
            except Exception:  # keep the thread; the message stays queued for the next try
                log.exception("delivering the outbox failed")
            with self.lock:
                if self.woken.is_set() and not self.stopping:
                    continue  # queued meanwhile: go again
                self.idle.set()
                if self.stopping:
                    self.thread = None
                    return
            if self.woken.wait(self.idle_after):
                continue
            with self.lock:
                if self.woken.is_set() and not self.stopping:
                    continue  # woken just as it was about to end
                self.thread = None
                return

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Until everything woken for has been tried (for tests and shutdown)."""
        return self.idle.wait(timeout)

    def halt(self) -> None:
        """Ask the thread to end once the message it is sending is sent and recorded; what
        is still queued stays queued. Returns at once (``join`` waits)."""
        with self.lock:
            self.stopping = True
            self.halted.set()
            self.woken.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end; whether it did within ``timeout``."""
        thread = self.thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def stop(self, timeout: float = 30) -> bool:
        """halt, then join: whether the thread ended within ``timeout``."""
        self.halt()
        return self.join(timeout)
