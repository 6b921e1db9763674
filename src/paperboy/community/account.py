"""A member's own things: what the account page shows, the export of their data, and
deleting the account.

Deleting an account removes the member, their votes, sessions, API tokens, mentions of
them, unused sign-in links, pending requests for one and the emails carrying them, and the
digest subscription of the same address. Their comments and submissions stay, anonymous (shown as "deleted
member"; the schema sets member_id to NULL), as do pins they made; the moderation log keeps
their actions, shown as by "deleted member", and entries about them (the target of an admin
action, a hidden comment's author) say "deleted member" too (community/modlog.py). docs/community.md says the same.
"""

from __future__ import annotations

from typing import Any

import psycopg

from paperboy.community import members, modlog, tokens
from paperboy.community.members import Member
from paperboy.papers.view import DELETED_MEMBER

DELETED = DELETED_MEMBER
MEMBER_ACTIONS = ("invite", "role", "remove-member")  # moderation-log actions whose target is a member
LIMIT = 100  # of each list on the account page


def upvotes(conn: psycopg.Connection, member_id: int, limit: int = LIMIT) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT v.paper_id, p.title, v.created FROM votes v JOIN papers p ON p.id = v.paper_id"
        " WHERE v.member_id = %s ORDER BY v.created DESC LIMIT %s", (member_id, limit)).fetchall()


def submissions(conn: psycopg.Connection, member_id: int, limit: int = LIMIT) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT s.paper_id, p.title, s.day, s.created FROM submissions s JOIN papers p ON p.id = s.paper_id"
        " WHERE s.member_id = %s ORDER BY s.created DESC LIMIT %s", (member_id, limit)).fetchall()


def comments(conn: psycopg.Connection, member_id: int, limit: int = LIMIT) -> list[dict[str, Any]]:
    """The member's comments, newest first (deleted ones left out)."""
    return conn.execute(
        "SELECT c.id, c.paper_id, p.title, c.parent_id, c.body, c.html, c.created, c.edited, c.hidden"
        " FROM comments c JOIN papers p ON p.id = c.paper_id"
        " WHERE c.member_id = %s AND NOT c.deleted ORDER BY c.id DESC LIMIT %s", (member_id, limit)).fetchall()


def mentions(conn: psycopg.Connection, member_id: int, limit: int = LIMIT) -> list[dict[str, Any]]:
    """Comments that @mention the member, newest first (deleted and hidden ones left out)."""
    return conn.execute(
        "SELECT c.id, c.paper_id, p.title, c.html, c.created, coalesce(a.name, %s) AS author"
        " FROM mentions m JOIN comments c ON c.id = m.comment_id JOIN papers p ON p.id = c.paper_id"
        " LEFT JOIN members a ON a.id = c.member_id"
        " WHERE m.member_id = %s AND NOT c.deleted AND NOT c.hidden ORDER BY c.id DESC LIMIT %s",
        (DELETED, member_id, limit)).fetchall()


def page(conn: psycopg.Connection, member: Member) -> dict[str, Any]:
    """Everything the account page lists."""
    return {"upvotes": upvotes(conn, member.id), "submissions": submissions(conn, member.id),
            "comments": comments(conn, member.id), "mentions": mentions(conn, member.id),
            "tokens": tokens.list_for(conn, member.id)}


def _iso(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()} for r in rows]


def export(conn: psycopg.Connection, member_id: int) -> dict[str, Any]:
    """All the member's data as JSON-ready values: profile, votes, submissions, comments
    (deleted ones too: they are still stored), mentions, tokens (names and dates only, never
    their hashes), collections with their papers, the imported library (every entry, matched
    or not, without its vector) and the imports made, the "not interested" marks, and their
    digest subscription with its topics, if any."""
    profile = conn.execute("SELECT name, email, role, created, last_seen, password_hash IS NOT NULL AS has_password"
                           " FROM members WHERE id = %s", (member_id,)).fetchone()
    if profile is None:
        raise members.MemberError("no such member")
    subscription = conn.execute(
        "SELECT id, status, frequency, weekday, send_hour, timezone, max_papers, created, confirmed"
        " FROM subscribers WHERE email = %s", (profile["email"],)).fetchone()
    if subscription:
        subscription["topics"] = [r["query"] for r in conn.execute(
            "SELECT query FROM subscriber_topics WHERE subscriber_id = %s ORDER BY id", (subscription.pop("id"),))]
    everything = 1_000_000
    return {
        "profile": _iso([profile])[0],
        "votes": _iso(upvotes(conn, member_id, everything)),
        "submissions": _iso(submissions(conn, member_id, everything)),
        "comments": _iso(conn.execute(
            "SELECT id, paper_id, parent_id, body, created, edited, deleted, hidden FROM comments"
            " WHERE member_id = %s ORDER BY id", (member_id,)).fetchall()),
        "mentioned_in": [r["id"] for r in mentions(conn, member_id, everything)],
        "tokens": _iso(conn.execute(
            "SELECT name, hint, created, last_used, revoked FROM api_tokens WHERE member_id = %s ORDER BY id",
            (member_id,)).fetchall()),
        "collections": _collections(conn, member_id),
        "library": _iso(conn.execute(
            "SELECT id, paper_id, title, abstract, authors, year, arxiv_id, doi, url, cite_key, imported"
            " FROM library_entries WHERE member_id = %s ORDER BY id", (member_id,)).fetchall()),
        "library_imports": _iso(conn.execute(
            "SELECT filename, format, matched, library_only, duplicates, rejected, created"
            " FROM library_imports WHERE member_id = %s ORDER BY id", (member_id,)).fetchall()),
        "not_interested": _iso(conn.execute(
            "SELECT paper_id, created FROM not_interested WHERE member_id = %s ORDER BY created, paper_id",
            (member_id,)).fetchall()),
        "digest_subscription": _iso([subscription])[0] if subscription else None,
    }


def _collections(conn: psycopg.Connection, member_id: int) -> list[dict[str, Any]]:
    """The member's collections, each with its papers (id and when saved, the first saved first)."""
    lists = _iso(conn.execute("SELECT id, name, description, public, created, modified FROM collections"
                              " WHERE member_id = %s ORDER BY id", (member_id,)).fetchall())
    for c in lists:
        c["papers"] = _iso(conn.execute("SELECT paper_id, added FROM collection_papers WHERE collection_id = %s"
                                        " ORDER BY added, paper_id", (c["id"],)).fetchall())
    return lists


def delete(conn: psycopg.Connection, member_id: int) -> Member:
    """Delete the account (see the module's docstring for what goes and what stays); the
    member as they were. Raises MemberError when there is no such member."""
    with conn.transaction():
        member = members.get(conn, member_id)
        if member is None:
            raise members.MemberError("no such member")
        modlog.forget(conn, member_id)
        # entries written before the log stored members by id (0015) name them by name
        conn.execute("UPDATE moderation_log SET target = %s WHERE action = ANY(%s) AND target_member_id IS NULL"
                     " AND lower(target) = lower(%s)", (DELETED, list(MEMBER_ACTIONS), member.name))
        conn.execute("DELETE FROM signin_tokens WHERE email = %s", (member.email,))
        conn.execute("DELETE FROM signin_requests WHERE email = %s", (member.email,))
        conn.execute("DELETE FROM outbox WHERE kind IN ('signin', 'invite') AND recipient = %s", (member.email,))
        conn.execute("DELETE FROM subscribers WHERE email = %s", (member.email,))  # its outbox rows go too
        # votes, sessions, tokens and mentions cascade; comments, submissions, pins and the
        # log's actor_id are set to NULL by the schema
        conn.execute("DELETE FROM members WHERE id = %s", (member_id,))
    return member
