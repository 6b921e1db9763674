"""The outbox's senders: threads, each on its own connection (:func:`start`), and for big
runs the same threads in a process of their own (:func:`alongside`) while this one composes.

Python runs one thread of a process at a time: with composing and four senders in one
process, at 100,000 digests the senders got a third of the messages out while composing went
on, and composing itself slowed by a quarter. In a child process each has a core.

The child is started with ``spawn`` (a fork would copy the parent's pool and threads). It
counts outcomes into shared memory, which a thread here turns into the caller's running
totals and progress. It stops when told to and nothing is left. When this process is gone (a
killed parent), it sends what is already queued and stops: it never waits on for more. An
error in the child is raised here on leaving, as the threads' would be.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from paperboy.config import Config
from paperboy.db import Database
from paperboy.digest import parts, send, transport

OUTCOMES = ("sent", "retry", "failed")


def start(db: Database, cfg: Config, senders: int, done: Any, total: Any, errors: list[Exception],
          progress: Callable[[int], None] | None = None,
          stop: Callable[[], bool] = lambda: False) -> list[threading.Thread]:
    """``senders`` threads delivering the outbox, each on its own connection, until ``done``
    (a threading or multiprocessing Event) is set, or ``stop()`` says so, and nothing is left;
    outcomes are counted into ``total``, errors appended to ``errors``."""
    cache = parts.PartCache()  # the senders' shared parts, read once for all of them

    def sender() -> None:
        try:
            with db.connection() as conn:
                while True:
                    finishing = done.is_set() or stop()
                    r = send.deliver_pending(conn, transport.delivery_for(cfg.smtp, cfg.home), cfg.mail_from,
                                             progress=progress, into=total, cache=cache)
                    if finishing and not (r.sent or r.retry or r.failed):
                        return
                    if not (r.sent or r.retry or r.failed):
                        done.wait(0.2)
        except BaseException as e:
            errors.append(send.ended(e))

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(max(1, senders))]
    for t in threads:
        t.start()
    return threads


class _SharedStats:
    """SendStats.add for the child: counts in shared memory the parent reads."""

    def __init__(self, counts: Any) -> None:
        self.counts = counts

    def add(self, outcome: str) -> None:
        with self.counts.get_lock():
            self.counts[OUTCOMES.index(outcome)] += 1


def _run(url: str, cfg: Config, senders: int, done: Any, counts: Any, errors: Any, parent: int) -> None:
    """The child: senders as outbox.sending_alongside's threads, until done and drained."""
    db = Database(url, min_size=1, max_size=senders + 1).open()
    found: list[Exception] = []
    try:
        threads = start(db, cfg, senders, done, _SharedStats(counts), found,
                        stop=lambda: os.getppid() != parent)
        for t in threads:
            t.join()
    finally:
        db.close()
    if found:
        try:
            errors.put(found[0])
        except Exception:  # not picklable: its text will do
            errors.put(RuntimeError(f"{type(found[0]).__name__}: {found[0]}"))
        errors.close()
        errors.join_thread()  # sent before the exit code says to look
        raise SystemExit(3)


@contextmanager
def alongside(url: str, cfg: Config, senders: int,
              progress: Callable[[int], None] | None = None) -> Iterator[send.SendStats]:
    """outbox.sending_alongside with the senders in a child process."""
    ctx = multiprocessing.get_context("spawn")
    done, counts, errors = ctx.Event(), ctx.Array("q", len(OUTCOMES)), ctx.Queue()
    child = ctx.Process(target=_run, args=(url, cfg, senders, done, counts, errors, os.getpid()),
                        name="paperboy-senders", daemon=True)
    total = send.SendStats()
    seen = [0, 0, 0]
    polling = threading.Event()

    def poll() -> None:
        while True:
            finished = polling.wait(0.2)
            with counts.get_lock():
                now = list(counts)
            with total._lock:
                total.sent, total.retry, total.failed = now
            if progress and sum(now) > sum(seen):
                progress(sum(now) - sum(seen))
            seen[:] = now
            if finished:
                return

    child.start()
    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    try:
        yield total
    finally:
        done.set()
        child.join()
        polling.set()
        poller.join()
    if child.exitcode == 3:  # a sender stopped on an error
        raise errors.get(timeout=10)
    if child.exitcode:
        raise RuntimeError(f"the sending process ended with code {child.exitcode}")
