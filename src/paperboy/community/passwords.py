"""Optional password sign-in, for instances without mail: argon2id hashes (argon2-cffi).

A member has no password until they set one on their account page (or an operator runs
`paperboy user password`). A wrong password and an unknown address get the same answer
after the same work: without a member (or a password) a dummy hash is verified instead.

Attempts are counted for an hour BEFORE any password is checked, in one atomic statement
(signin_attempts: INSERT … ON CONFLICT DO UPDATE … RETURNING), so a burst of concurrent
attempts cannot all pass the limit: past :data:`FAILURES_PER_CLIENT` from one client, or
:data:`FAILURES_PER_ADDRESS` for one address from one client, no password is checked until
the hour has passed. A right password gives its attempt back. The limits hold the stranger,
not the member they aim at: wrong passwords for someone's address from one client do not
stop that member signing in from another.

Hashing costs 64 MB and tens of milliseconds: at most :data:`HASHING_AT_ONCE` run at once in
a process; a caller waits :data:`HASHING_WAIT` seconds at most for a turn, then gets Busy.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import cache

import psycopg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from paperboy.community import members
from paperboy.community.members import Member, MemberError
from paperboy.db import Database
from paperboy.ratelimit import client_key

MIN_LENGTH = 10
MAX_LENGTH = 1000
FAILURES_PER_CLIENT = 20  # attempts an hour from one client (IP address, IPv6 /64)
FAILURES_PER_ADDRESS = 10  # attempts an hour for one address from one client
WINDOW = timedelta(hours=1)
HASHING_AT_ONCE = 2  # argon2 hashes or verifications running at once in one process
HASHING_WAIT = 10.0  # seconds a caller waits for a turn before Busy

_hasher = PasswordHasher()  # argon2id, RFC 9106's second recommended parameters
_turns = threading.BoundedSemaphore(HASHING_AT_ONCE)


class Limited(Exception):
    """Too many attempts lately from this client, or for this address from this client."""


class Busy(Exception):
    """Too many passwords being checked at once in this process: try again in a moment."""


@contextmanager
def _hashing() -> Iterator[None]:
    """A turn to hash: argon2 in parallel would cost each worker 64 MB per request."""
    if not _turns.acquire(timeout=HASHING_WAIT):
        raise Busy()
    try:
        yield
    finally:
        _turns.release()


@cache
def _dummy() -> str:
    return _hasher.hash("not a password of anyone")


def check_new(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise MemberError(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise MemberError(f"a password has at most {MAX_LENGTH} characters")
    return password


def set_password(conn: psycopg.Connection, member_id: int, password: str) -> None:
    check_new(password)
    with _hashing():
        digest = _hasher.hash(password)
    with conn.transaction():
        if not conn.execute("UPDATE members SET password_hash = %s WHERE id = %s",
                            (digest, member_id)).rowcount:
            raise MemberError("no such member")


def remove_password(conn: psycopg.Connection, member_id: int) -> None:
    """Back to signing in by emailed link only."""
    with conn.transaction():
        conn.execute("UPDATE members SET password_hash = NULL WHERE id = %s", (member_id,))


def _limits(client_host: str | None, address: str) -> dict[str, int]:
    """The counters an attempt raises, and the most attempts each allows an hour."""
    client = client_key(client_host)
    return {f"address {client} {address}": FAILURES_PER_ADDRESS, f"client {client}": FAILURES_PER_CLIENT}


def _count(conn: psycopg.Connection, keys: list[str]) -> dict[str, int]:
    """Count one attempt under each key, atomically; each key's count in its hour, this one
    included."""
    keys = sorted(keys)  # every attempt takes its rows' locks in one order: no deadlock
    with conn.transaction():
        rows = conn.execute(
            "INSERT INTO signin_attempts AS a (key) SELECT unnest(%(keys)s::text[])"
            " ON CONFLICT (key) DO UPDATE SET"
            "  n = CASE WHEN a.since > now() - %(window)s THEN a.n + 1 ELSE 1 END,"
            "  since = CASE WHEN a.since > now() - %(window)s THEN a.since ELSE now() END"
            " RETURNING key, n", {"keys": keys, "window": WINDOW}).fetchall()
        # Tidy the hours gone by; rows another attempt holds are left for next time.
        conn.execute("DELETE FROM signin_attempts WHERE key IN (SELECT key FROM signin_attempts"
                     " WHERE since < now() - %s LIMIT 100 FOR UPDATE SKIP LOCKED)", (WINDOW,))
    return {r["key"]: r["n"] for r in rows}


def check(db: Database, client_host: str | None, email: str, password: str) -> Member | None:
    """The member whose address and password these are, or None (the same for an unknown
    address, a member without a password and a wrong password). Raises Limited (nothing was
    checked) or Busy (too many checks at once here; nothing was checked)."""
    address = email.strip().lower()[:320]
    limits = _limits(client_host, address)
    keys = list(limits)
    with db.connection() as conn:
        counts = _count(conn, keys)  # before any hashing: a burst is counted, not raced
        if any(counts[k] > limit for k, limit in limits.items()):
            raise Limited()
        row = None
        if "@" in address:
            row = conn.execute("SELECT id, password_hash FROM members WHERE email = %s", (address,)).fetchone()
        conn.commit()
    # No connection is held while hashing (or waiting for a turn): a burst cannot empty the pool.
    stored = row["password_hash"] if row and row["password_hash"] else None
    with _hashing():
        try:
            ok = _hasher.verify(stored or _dummy(), password[:MAX_LENGTH])
        except (VerificationError, InvalidHashError):
            ok = False
        rehash = ok and stored is not None and _hasher.check_needs_rehash(stored)
    if not ok or row is None or stored is None or len(password) > MAX_LENGTH:
        return None
    with db.connection() as conn:
        with conn.transaction():  # a right password was no failure: give its attempt back
            conn.execute("UPDATE signin_attempts SET n = n - 1 WHERE key = ANY(%s) AND n > 0", (keys,))
        if rehash:
            set_password(conn, row["id"], password)
        return members.get(conn, row["id"])
