"""Personal API tokens, as Hugging Face has: ``Authorization: Bearer pb_…``.

A token is shown once when made; only its SHA-256 is stored (a token is random and long, so
a fast hash is enough: there is nothing to guess). Revoked tokens stop working at once.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import psycopg

from paperboy.community import members
from paperboy.community.members import Member, MemberError

PREFIX = "pb_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(conn: psycopg.Connection, member_id: int, name: str = "token") -> str:
    """A new token for the member: the only time its value is known."""
    name = " ".join(name.replace("\x00", " ").split())[:100] or "token"  # (text columns hold no NUL)
    token = PREFIX + secrets.token_urlsafe(30)
    with conn.transaction():
        conn.execute("INSERT INTO api_tokens (member_id, name, token_hash, hint) VALUES (%s, %s, %s, %s)",
                     (member_id, name, _hash(token), token[:7]))
    return token


def member_of(conn: psycopg.Connection, token: str) -> Member | None:
    """The member a live token belongs to (noting when it was last used, written at most once a
    minute as the account page shows it to the minute), or None."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    with conn.transaction():
        row = conn.execute(
            "WITH live AS (SELECT id, member_id, last_used FROM api_tokens"
            "  WHERE token_hash = %s AND revoked IS NULL),"
            " used AS (UPDATE api_tokens t SET last_used = now() FROM live WHERE t.id = live.id"
            "  AND (live.last_used IS NULL OR live.last_used < now() - interval '1 minute'))"
            " SELECT member_id FROM live", (_hash(token),)).fetchone()
    if row is None:
        return None
    return members.seen(conn, row["member_id"])


def describe(conn: psycopg.Connection, token: str) -> dict[str, Any] | None:
    """A live token's name and when it was made (``{"name", "created"}``), or None."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    return conn.execute("SELECT name, created FROM api_tokens WHERE token_hash = %s AND revoked IS NULL",
                        (_hash(token),)).fetchone()


def list_for(conn: psycopg.Connection, member_id: int) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT id, name, hint, created, last_used, revoked FROM api_tokens"
        " WHERE member_id = %s ORDER BY revoked IS NOT NULL, id DESC", (member_id,)).fetchall()


def revoke(conn: psycopg.Connection, member_id: int, token_id: int) -> None:
    with conn.transaction():
        n = conn.execute("UPDATE api_tokens SET revoked = coalesce(revoked, now())"
                         " WHERE id = %s AND member_id = %s", (token_id, member_id)).rowcount
    if not n:
        raise MemberError("no such token")
