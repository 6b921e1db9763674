"""The moderation log: every curator and admin action, who did it and to what.

Written in the same transaction as the action itself, so the log never claims what did not
happen nor misses what did. Curators (and admins) can read it.

Members are stored by id, never by name: the actor (``actor_id``), the member an admin
action is about (``target_member_id``), a hidden comment's author (``author_id`` in the
detail). Reading the log shows each one's current name, or "deleted member", so a rename
shows at once and a deleted member's name is nowhere. Only an actor who is no member (the
operator at the command line) has a stored name.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from paperboy.community.members import Member
from paperboy.papers.view import DELETED_MEMBER


def record(conn: psycopg.Connection, actor: Member, action: str, target: str | Member,
           detail: dict[str, Any] | None = None) -> None:
    """Log ``action`` (e.g. "hide-paper", "role") on ``target``: a paper id, a comment id, or
    the member an admin action is about. Call inside the action's transaction."""
    member_id = target.id if isinstance(target, Member) else None
    conn.execute(
        "INSERT INTO moderation_log (actor_id, actor_name, action, target, target_member_id, detail)"
        " VALUES (%s, %s, %s, %s, %s, %s)",
        (actor.id, None if actor.id is not None else actor.name, action,
         str(member_id) if member_id is not None else target, member_id, Jsonb(detail or {})),
    )


def forget(conn: psycopg.Connection, member_id: int) -> None:
    """Before a member's account is deleted: the entries about them say "deleted member" and
    keep no link to them (their own actions lose their actor_id through the schema)."""
    conn.execute("UPDATE moderation_log SET target = %s, target_member_id = NULL WHERE target_member_id = %s",
                 (DELETED_MEMBER, member_id))
    conn.execute("UPDATE moderation_log SET detail = jsonb_set(detail, '{author_id}', 'null')"
                 " WHERE detail->>'author_id' = %s", (str(member_id),))


_RECENT = """
SELECT l.id, l.at, coalesce(a.name, l.actor_name, %(deleted)s) AS actor_name, l.action,
       coalesce(t.name, l.target) AS target,
       CASE WHEN l.detail ? 'author_id'
            THEN (l.detail - 'author_id') || jsonb_build_object('author', coalesce(c.name, %(deleted)s))
            ELSE l.detail END AS detail
  FROM moderation_log l
  LEFT JOIN members a ON a.id = l.actor_id
  LEFT JOIN members t ON t.id = l.target_member_id
  LEFT JOIN members c ON c.id = (l.detail->>'author_id')::bigint
 ORDER BY l.id DESC OFFSET %(offset)s LIMIT %(limit)s
"""


def recent(conn: psycopg.Connection, offset: int = 0, limit: int = 50) -> tuple[list[dict[str, Any]], int]:
    """A page of the log, newest first, and how many entries there are; names as they are now."""
    rows = conn.execute(_RECENT, {"deleted": DELETED_MEMBER, "offset": offset, "limit": limit}).fetchall()
    total = conn.execute("SELECT count(*) AS n FROM moderation_log").fetchone()["n"]
    return rows, total
