"""Locks as lease rows, for PAPERBOY_DB_POOLER=transaction (pooler.py): a session advisory
lock lives on one server connection, which a transaction-mode pooler hands to another client
after each transaction, so there the jobs' locks (locks.py) are rows of ``leases`` instead.

A lease is taken with one ``INSERT ... ON CONFLICT DO UPDATE ... WHERE expires < now``: the
row is written if nobody holds the key or its holder's lease ran out. The holder renews it
every third of its length (PAPERBOY_DB_LEASE_SECONDS, 60 by default) from a thread of its
process, and deletes it when done. A killed holder renews nothing: its lease expires and the
next taker gets it (a session lock ended with the session instead).

Each process keeps one connection of its own for leases (autocommit: a lease is never part of
the caller's transaction, which may roll back or stay open), and one renewing thread. Like a
session lock, a lease belongs to the connection that asked for it: two connections of one
process exclude each other, the same connection may take it again (counted), and a lease
whose connection was closed is given back at the next renewal.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
import weakref

import psycopg
from psycopg.conninfo import make_conninfo
from psycopg.rows import tuple_row

from paperboy.db import pooler

log = logging.getLogger(__name__)

# The table of migration 0029, created here too: the migration lock is a lease, taken before
# any migration runs.
CREATE = ("CREATE TABLE IF NOT EXISTS leases (name bigint PRIMARY KEY, holder text NOT NULL,"
          " expires timestamptz NOT NULL)")
_TAKE = ("INSERT INTO leases (name, holder, expires)"
         " VALUES (%s, %s, clock_timestamp() + make_interval(secs => %s))"
         " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires"
         " WHERE leases.expires < clock_timestamp() RETURNING name")
_RENEW = ("UPDATE leases SET expires = clock_timestamp() + make_interval(secs => %s)"
          " WHERE name = %s AND holder = %s")
WAIT_STEP = 0.2  # seconds between tries of a lease someone else holds


def seconds() -> float:
    """PAPERBOY_DB_LEASE_SECONDS: how long a lease lasts unless renewed (at least 1)."""
    try:
        return max(1.0, float(pooler.setting("PAPERBOY_DB_LEASE_SECONDS", "60") or 60))
    except ValueError:
        return 60.0


class _Leaser:
    """This process's leases on one database: its connection and renewing thread."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.guard = threading.Lock()
        self.conn: psycopg.Connection | None = None
        # (id(conn), key) -> [holder, count, weak reference to conn]
        self.mine: dict[tuple[int, int], list] = {}
        self.thread: threading.Thread | None = None

    def _run(self, sql: str, params: tuple) -> list[tuple]:
        """One statement on the lease connection (reopened once if it broke; the table made
        if it is missing)."""
        with self.guard:
            for attempt in range(3):
                try:
                    if self.conn is None or self.conn.closed:
                        self.conn = pooler.connect(self.url, autocommit=True, row_factory=tuple_row)
                    cur = self.conn.execute(sql, params)
                    return cur.fetchall() if cur.description else []
                except psycopg.errors.UndefinedTable:
                    try:
                        self.conn.execute(CREATE)
                    except psycopg.errors.UniqueViolation:  # another process created it meanwhile
                        pass
                except psycopg.OperationalError:
                    if attempt == 2:
                        raise
                    self.conn = None
            raise psycopg.OperationalError("the leases table cannot be created")

    def take(self, conn: psycopg.Connection, key: int) -> bool:
        owner = id(conn)
        entry = self.mine.get((owner, key))
        if entry and entry[2]() is conn and not conn.closed:
            entry[1] += 1
            return True
        if entry:  # a closed connection's, whose id this one now has
            self.give_back(owner, key, whole=True)
        holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        if not self._run(_TAKE, (key, holder, seconds())):
            return False
        self.mine[(owner, key)] = [holder, 1, weakref.ref(conn)]
        self._renewing()
        return True

    def give_back(self, owner: int, key: int, whole: bool = False) -> None:
        entry = self.mine.get((owner, key))
        if not entry:
            return
        entry[1] = 0 if whole else entry[1] - 1
        if entry[1] == 0:
            del self.mine[(owner, key)]
            self._run("DELETE FROM leases WHERE name = %s AND holder = %s", (key, entry[0]))

    def _renewing(self) -> None:
        if self.thread is None or not self.thread.is_alive():
            self.thread = threading.Thread(target=self._renew_forever, name="leases", daemon=True)
            self.thread.start()

    def _renew_forever(self) -> None:
        while True:
            time.sleep(seconds() / 3)
            for (owner, key), entry in list(self.mine.items()):
                conn = entry[2]()
                try:
                    if conn is None or conn.closed:  # as a session lock ends with its session
                        self.give_back(owner, key, whole=True)
                        continue
                    del conn
                    if not self._run(_RENEW + " RETURNING name", (seconds(), key, entry[0])):
                        log.warning("the lease of lock %d ran out before it was renewed", key)
                        self.mine.pop((owner, key), None)
                except psycopg.Error as e:
                    log.warning("cannot renew the lease of lock %d: %s", key, e)


_leasers: dict[tuple[int, str], _Leaser] = {}
_leasers_guard = threading.Lock()


def _leaser(conn: psycopg.Connection) -> _Leaser:
    """This process's leaser for the database ``conn`` is connected to."""
    url = make_conninfo(conn.info.dsn, password=conn.info.password or None)
    with _leasers_guard:
        key = (os.getpid(), url)  # a forked child starts its own
        if key not in _leasers:
            _leasers[key] = _Leaser(url)
        return _leasers[key]


def try_lock(conn: psycopg.Connection, key: int) -> bool:
    return _leaser(conn).take(conn, key)


def lock(conn: psycopg.Connection, key: int) -> None:
    leaser = _leaser(conn)
    while not leaser.take(conn, key):
        time.sleep(WAIT_STEP)


def unlock(conn: psycopg.Connection, key: int) -> None:
    _leaser(conn).give_back(id(conn), key)


def held(conn: psycopg.Connection) -> set[int]:
    """The keys whose lease has not run out (any process, any machine)."""
    with conn.cursor(row_factory=tuple_row) as cur:
        if not cur.execute("SELECT to_regclass('leases') IS NOT NULL").fetchone()[0]:
            return set()
        rows = cur.execute("SELECT name FROM leases WHERE expires > clock_timestamp()").fetchall()
    return {int(r[0]) for r in rows}
