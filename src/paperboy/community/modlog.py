"""The moderation log: every curator and admin action, who did it and to what.

Written in the same transaction as the action itself, so the log never claims what did not
happen nor misses what did. Curators (and admins) can read it.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from paperboy.community.members import Member


def record(conn: psycopg.Connection, actor: Member, action: str, target: str,
           detail: dict[str, Any] | None = None) -> None:
    """Log ``action`` (e.g. "hide-paper", "role") on ``target`` (a paper id, comment id or
    member name). Call inside the action's transaction."""
    conn.execute(
        "INSERT INTO moderation_log (actor_id, actor_name, action, target, detail) VALUES (%s, %s, %s, %s, %s)",
        (actor.id, actor.name, action, target, Jsonb(detail or {})),
    )


def recent(conn: psycopg.Connection, offset: int = 0, limit: int = 50) -> tuple[list[dict[str, Any]], int]:
    """A page of the log, newest first, and how many entries there are."""
    rows = conn.execute("SELECT id, at, actor_name, action, target, detail FROM moderation_log"
                        " ORDER BY id DESC OFFSET %s LIMIT %s", (offset, limit)).fetchall()
    total = conn.execute("SELECT count(*) AS n FROM moderation_log").fetchone()["n"]
    return rows, total
