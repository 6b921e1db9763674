"""Optional password sign-in, for instances without mail: argon2id hashes (argon2-cffi).

A member has no password until they set one on their account page (or an operator runs
`paperboy user password`). A wrong password and an unknown address get the same answer
after the same work: without a member (or a password) a dummy hash is verified instead.

Failed attempts are counted for an hour per client and per address (the table the
subscribe limits use, kind 'password'); past :data:`FAILURES_PER_CLIENT` or
:data:`FAILURES_PER_ADDRESS` no password is even checked until the hour has passed.
"""

from __future__ import annotations

from functools import cache

import psycopg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from paperboy.community import members
from paperboy.community.members import Member, MemberError
from paperboy.digest import throttle

MIN_LENGTH = 10
MAX_LENGTH = 1000
FAILURES_PER_CLIENT = 20
FAILURES_PER_ADDRESS = 10
KIND = "password"

_hasher = PasswordHasher()  # argon2id, RFC 9106's second recommended parameters


class Limited(Exception):
    """Too many failed attempts lately from this client or for this address."""


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
    digest = _hasher.hash(check_new(password))
    with conn.transaction():
        if not conn.execute("UPDATE members SET password_hash = %s WHERE id = %s",
                            (digest, member_id)).rowcount:
            raise MemberError("no such member")


def remove_password(conn: psycopg.Connection, member_id: int) -> None:
    """Back to signing in by emailed link only."""
    with conn.transaction():
        conn.execute("UPDATE members SET password_hash = NULL WHERE id = %s", (member_id,))


def _limited(conn: psycopg.Connection, req: throttle.Request) -> bool:
    n = conn.execute(
        "SELECT count(*) FILTER (WHERE client = %s) AS client, count(*) FILTER (WHERE mailbox = %s) AS mailbox"
        " FROM subscribe_requests WHERE kind = %s AND at > now() - %s",
        (req.client, req.mailbox, KIND, throttle.WINDOW)).fetchone()
    conn.commit()
    return n["client"] >= FAILURES_PER_CLIENT or n["mailbox"] >= FAILURES_PER_ADDRESS


def _failed(conn: psycopg.Connection, req: throttle.Request) -> None:
    with conn.transaction():
        conn.execute("INSERT INTO subscribe_requests (client, mailbox, domain, kind) VALUES (%s, %s, %s, %s)",
                     (req.client, req.mailbox, req.domain, KIND))


def check(conn: psycopg.Connection, client_host: str | None, email: str, password: str) -> Member | None:
    """The member whose address and password these are, or None (the same for an unknown
    address, a member without a password and a wrong password). Raises Limited."""
    address = email.strip().lower()[:320]
    req = throttle.describe(client_host, address)
    if _limited(conn, req):
        raise Limited()
    row = None
    if "@" in address:
        row = conn.execute("SELECT id, password_hash FROM members WHERE email = %s", (address,)).fetchone()
    conn.commit()
    stored = row["password_hash"] if row and row["password_hash"] else None
    try:
        ok = _hasher.verify(stored or _dummy(), password[:MAX_LENGTH])
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None or stored is None or len(password) > MAX_LENGTH:
        _failed(conn, req)
        return None
    if _hasher.check_needs_rehash(stored):
        set_password(conn, row["id"], password)
    return members.get(conn, row["id"])
