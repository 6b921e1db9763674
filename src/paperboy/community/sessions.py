"""Sessions: a random key in a signed, HttpOnly cookie; the database keeps only its hash.

Signing out deletes one row; "sign out everywhere" deletes all of a member's rows. The
cookie's signature (and its age, checked against PAPERBOY_SESSION_DAYS) is verified before
the database is asked, so a forged or stale cookie costs no query.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

import psycopg
from itsdangerous import BadSignature, TimestampSigner

from paperboy.community import members
from paperboy.community.members import Member

COOKIE = "paperboy_session"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _signer(secret: str) -> TimestampSigner:
    return TimestampSigner(secret, salt="paperboy-session")


def start(conn: psycopg.Connection, secret: str, member_id: int, days: float) -> str:
    """A new session for the member: the cookie value to set."""
    key = secrets.token_urlsafe(32)
    with conn.transaction():
        conn.execute("DELETE FROM sessions WHERE expires < now()")  # tidy as we go
        conn.execute("INSERT INTO sessions (key_hash, member_id, expires) VALUES (%s, %s, now() + %s)",
                     (_hash(key), member_id, timedelta(days=days)))
    return _signer(secret).sign(key).decode()


def key_of(secret: str, cookie: str | None, days: float) -> str | None:
    """The session key a cookie carries, if its signature is good and it is not too old."""
    if not cookie or len(cookie) > 200:
        return None
    try:
        return _signer(secret).unsign(cookie, max_age=int(days * 86400)).decode()
    except (BadSignature, UnicodeDecodeError):
        return None


def member_of(conn: psycopg.Connection, key: str) -> Member | None:
    """The member a live session key belongs to, or None."""
    row = conn.execute("SELECT member_id FROM sessions WHERE key_hash = %s AND expires > now()",
                       (_hash(key),)).fetchone()
    if row is None:
        return None
    return members.seen(conn, row["member_id"])  # a browser came by: seen now (written once a minute)


def end(conn: psycopg.Connection, key: str) -> None:
    with conn.transaction():
        conn.execute("DELETE FROM sessions WHERE key_hash = %s", (_hash(key),))


def end_all(conn: psycopg.Connection, member_id: int) -> int:
    """Sign the member out on every browser; how many sessions ended."""
    with conn.transaction():
        return conn.execute("DELETE FROM sessions WHERE member_id = %s", (member_id,)).rowcount


def csrf_token(secret: str, key: str) -> str:
    """The form token of one session: forms and fetch() calls of a signed-in member carry it,
    and a page of another site cannot read it."""
    return hmac.new(secret.encode(), b"csrf:" + _hash(key).encode(), hashlib.sha256).hexdigest()[:40]
