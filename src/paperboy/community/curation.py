"""What curators (and admins) do: hide a paper, pin one to the top of a day, hide a
comment, merge two papers that are one.

Each action is one transaction that also writes its moderation-log entry (modlog.record)
and bumps the data version (cached pages change at once). An action that changes nothing
(hiding a hidden paper) succeeds and logs nothing. Who may act is the web layer's check
(auth.writer_with("curator")); these functions trust the ``actor`` they are given.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg

from paperboy.community import comments, merging, modlog, submissions
from paperboy.community.comments import Comment
from paperboy.community.members import Member
from paperboy.db import locks
from paperboy.errors import Refused
from paperboy.papers import store
from paperboy.papers.view import DELETED_MEMBER

CURATOR_SOURCE = "curator"  # the listing a pin adds when the paper was not on that day's list
# A pin's day lies between arXiv's first day and today (UTC, the day submissions use): a
# later day would become the hub's latest Daily day, emptying the front page and Trending.
FIRST_PIN_DAY = date(1991, 8, 14)


class CurationError(Refused):
    """A curator request that cannot be done: ``status`` (400, 404) and why."""


def _paper(conn: psycopg.Connection, paper_id: str) -> dict[str, Any]:
    row = store.get(conn, paper_id)
    if row is None:
        raise CurationError(404, f"No paper with id {paper_id[:80]!r}.")
    return row


def hide_paper(conn: psycopg.Connection, actor: Member, paper_id: str, hidden: bool = True) -> dict[str, Any]:
    """Hide the paper from every list (Daily, New, trending, search, feeds, digests) or show
    it again; its page stays reachable and says it is hidden."""
    with conn.transaction():
        locks.xact_lock(conn, locks.STORE_WRITE)  # the row change moves the keyword index's counter
        paper = _paper(conn, paper_id)
        if paper["hidden"] != hidden:
            conn.execute("UPDATE papers SET hidden = %s, modified = now() WHERE id = %s", (hidden, paper["id"]))
            modlog.record(conn, actor, "hide-paper" if hidden else "unhide-paper", paper["id"],
                          {"title": paper["title"][:200]})
    return {"id": paper["id"], "hidden": hidden}


def pins_of(conn: psycopg.Connection, paper_id: str) -> list[date]:
    return [r["day"] for r in conn.execute("SELECT day FROM pins WHERE paper_id = %s ORDER BY day", (paper_id,))]


def pin(conn: psycopg.Connection, actor: Member, paper_id: str, day: date | None = None) -> dict[str, Any]:
    """Pin the paper to the top of ``day``'s Daily list (default: the latest day it is on).
    A day it is not listed on gets it listed (source "curator"). 400 for a day after today
    (UTC) or before arXiv's first day (FIRST_PIN_DAY)."""
    if day is not None and not FIRST_PIN_DAY <= day <= submissions.today():
        raise CurationError(400, f"day must be between {FIRST_PIN_DAY.isoformat()} (arXiv's first day) and "
                                 f"today, {submissions.today().isoformat()} (UTC); {day.isoformat()} is not.")
    with conn.transaction():
        paper = _paper(conn, paper_id)
        pid = paper["id"]
        if day is None:
            day = conn.execute("SELECT max(day) AS day FROM listings WHERE paper_id = %s", (pid,)).fetchone()["day"]
            if day is None:
                raise CurationError(400, "This paper is on no Daily list: say which day to pin it to (day).")
        added = conn.execute("INSERT INTO pins (day, paper_id, member_id) VALUES (%s, %s, %s)"
                             " ON CONFLICT DO NOTHING", (day, pid, actor.id)).rowcount
        if added:
            listed = conn.execute("INSERT INTO listings (paper_id, day, source) SELECT %(p)s, %(d)s, %(s)s"
                                  " WHERE NOT EXISTS (SELECT 1 FROM listings WHERE paper_id = %(p)s AND day = %(d)s)",
                                  {"p": pid, "d": day, "s": CURATOR_SOURCE}).rowcount
            modlog.record(conn, actor, "pin", pid, {"day": day.isoformat(), "listed": bool(listed)})
        days = pins_of(conn, pid)
    return {"id": pid, "pinned": [d.isoformat() for d in days]}


def unpin(conn: psycopg.Connection, actor: Member, paper_id: str, day: date | None = None) -> dict[str, Any]:
    """Unpin the paper from ``day`` (default: from every day). A listing the pin added goes too."""
    with conn.transaction():
        paper = _paper(conn, paper_id)
        pid = paper["id"]
        gone = [r["day"] for r in conn.execute(
            "DELETE FROM pins WHERE paper_id = %s AND (%s::date IS NULL OR day = %s) RETURNING day", (pid, day, day))]
        if gone:
            conn.execute("DELETE FROM listings WHERE paper_id = %s AND source = %s AND day = ANY(%s)",
                         (pid, CURATOR_SOURCE, gone))
            modlog.record(conn, actor, "unpin", pid, {"days": sorted(d.isoformat() for d in gone)})
        days = pins_of(conn, pid)
    return {"id": pid, "pinned": [d.isoformat() for d in days]}


def merge(conn: psycopg.Connection, actor: Member, paper_id: str, into_id: str) -> dict[str, Any]:
    """Merge the paper ``paper_id`` into ``into_id`` (which is kept): every row naming it
    moves to the kept paper (votes, comments, listings, submissions, pins, sent digests,
    collections, library entries, "not interested" marks: see merging.MOVES); the merged
    paper is deleted and its id becomes an alias, so its address shows the kept paper."""
    if not isinstance(into_id, str) or not into_id.strip():
        raise CurationError(400, "into: give the id of the paper to keep.")
    with conn.transaction():
        locks.xact_lock(conn, locks.STORE_WRITE)
        old, into = _paper(conn, paper_id), _paper(conn, into_id.strip())
        if old["id"] == into["id"]:
            raise CurationError(400, "A paper cannot be merged into itself.")
        params = {"old": old["id"], "into": into["id"]}
        counts = {t: conn.execute(f"SELECT count(*) AS n FROM {t} WHERE paper_id = %(old)s",  # noqa: S608 - fixed names
                                  params).fetchone()["n"] for t in ("votes", "comments")}
        merging.merge_paper(conn, old["id"], into["id"])
        modlog.record(conn, actor, "merge", old["id"],
                      {"into": into["id"], "title": old["title"][:200], **counts})
    return {"id": into["id"], "merged": old["id"]}


def hide_comment(conn: psycopg.Connection, actor: Member, comment_id: int, hidden: bool = True) -> Comment:
    """Hide a comment from every page and the API (a placeholder stays if it has replies)."""
    with conn.transaction():
        comment = comments.get(conn, comment_id, lock=True)
        if comment is None or comment.deleted:
            raise CurationError(404, f"No comment {comment_id}.")
        if comment.hidden != hidden:
            conn.execute("UPDATE comments SET hidden = %s WHERE id = %s", (hidden, comment_id))
            modlog.record(conn, actor, "hide-comment" if hidden else "unhide-comment", str(comment_id),
                          {"paper": comment.paper_id, "author_id": comment.author_id})
    comment.hidden = hidden
    return comment


def hidden_now(conn: psycopg.Connection, limit: int = 100) -> dict[str, list[dict[str, Any]]]:
    """What curators hid and pinned, for the moderation page (each list newest first)."""
    return {
        "papers": conn.execute("SELECT id, title FROM papers WHERE hidden ORDER BY modified DESC LIMIT %s",
                               (limit,)).fetchall(),
        "comments": conn.execute(
            "SELECT c.id, c.paper_id, left(c.body, 200) AS excerpt, coalesce(m.name, %s) AS author"
            " FROM comments c LEFT JOIN members m ON m.id = c.member_id"
            " WHERE c.hidden AND NOT c.deleted ORDER BY c.id DESC LIMIT %s",
            (DELETED_MEMBER, limit)).fetchall(),
        "pins": conn.execute(
            "SELECT n.day, n.paper_id, p.title FROM pins n JOIN papers p ON p.id = n.paper_id"
            " ORDER BY n.day DESC, n.created DESC LIMIT %s", (limit,)).fetchall(),
    }
