"""Comments on papers: write, edit, delete, and read a paper's thread.

A comment's Markdown is rendered to sanitised HTML once, when it is written or edited
(community/markdown.py); pages and the API show that HTML. There is one level of replies:
a reply to a reply joins the thread of the top-level comment it answers. Deleting is
soft (the row stays, marked deleted, so the replies under it keep their place): a deleted
or hidden comment with shown replies is shown as a placeholder, one without is left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from markupsafe import Markup

from paperboy import ratelimit
from paperboy.community import markdown
from paperboy.community.members import Member
from paperboy.errors import Refused
from paperboy.papers import limits, store
from paperboy.papers.view import DELETED_MEMBER
from paperboy.ratelimit.policies import COMMENTS

MAX_BODY = 10_000
MAX_MENTIONS = 50  # members one comment may @mention (each is listed on their account page)


class CommentError(Refused):
    """A comment request that cannot be done: ``status`` (400, 403, 404, 429) and why."""


def iso(t: datetime | None) -> str | None:
    """A time as the API writes it: ISO 8601 in UTC, e.g. 2024-11-08T09:30:00Z."""
    return t.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if t else None


@dataclass
class Comment:
    id: int
    paper_id: str
    parent_id: int | None
    author_id: int | None
    author: str | None  # None for a placeholder
    body: str
    html: Markup
    created: datetime
    edited: datetime | None = None
    deleted: bool = False
    hidden: bool = False
    replies: list[Comment] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return not (self.deleted or self.hidden)

    def api(self) -> dict[str, Any]:
        """The comment in the JSON API; a placeholder has no author and empty html."""
        return {"id": self.id, "author": self.author if self.shown else None,
                "html": str(self.html) if self.shown else "", "created": iso(self.created),
                "parent": self.parent_id, "edited": iso(self.edited),
                "deleted": self.deleted, "hidden": self.hidden}


_SELECT = ("SELECT c.id, c.paper_id, c.parent_id, c.member_id, m.name, c.body, c.html, c.created,"
           " c.edited, c.deleted, c.hidden FROM comments c LEFT JOIN members m ON m.id = c.member_id")


def _comment(r: Mapping[str, Any]) -> Comment:
    # The stored HTML was sanitised when written; cleaning it again as it is read costs
    # little (pages are cached) and protects against a row written by an older version.
    return Comment(id=r["id"], paper_id=r["paper_id"], parent_id=r["parent_id"], author_id=r["member_id"],
                   author=r["name"] or DELETED_MEMBER, body=r["body"],
                   html=Markup(markdown.clean(r["html"])),  # noqa: S704 - sanitised just now
                   created=r["created"], edited=r["edited"], deleted=r["deleted"], hidden=r["hidden"])


def get(conn: psycopg.Connection, comment_id: int, lock: bool = False) -> Comment | None:
    if not 0 < comment_id < 2**63:
        return None
    row = conn.execute(_SELECT + " WHERE c.id = %s" + (" FOR UPDATE OF c" if lock else ""),
                       (comment_id,)).fetchone()
    return _comment(row) if row else None


def check_body(body: str) -> str:
    """The body to store (line ends normalised, outer blank space trimmed), or 400."""
    body = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not body:
        raise CommentError(400, "A comment cannot be empty.")
    if len(body) > MAX_BODY:
        raise CommentError(400, f"A comment is at most {MAX_BODY:,} characters; this one has {len(body):,}.")
    if "\x00" in body:
        raise CommentError(400, "A comment cannot contain NUL characters.")
    if limits.forbidden(body):  # "\ud800" in JSON: no valid text, nor storable
        raise CommentError(400, "A comment cannot contain a lone surrogate (not valid Unicode).")
    return body


def _render(conn: psycopg.Connection, body: str) -> markdown.Rendered:
    """The comment rendered, every ``@name`` of a member a mention. All the names are looked
    up, in one indexed query (a body of MAX_BODY characters holds a few thousand at most);
    more than MAX_MENTIONS members mentioned is a 400 that says so."""
    names = sorted(markdown.mention_candidates(body))
    known = {r["name"].lower(): r["name"] for r in conn.execute(
        "SELECT name FROM members WHERE lower(name) = ANY(%s)", (names,))} if names else {}
    rendered = markdown.render(body, known)
    if len(rendered.mentioned) > MAX_MENTIONS:
        raise CommentError(400, f"A comment can mention at most {MAX_MENTIONS} members; this one mentions "
                                f"{len(rendered.mentioned)}.")
    return rendered


def _mention(conn: psycopg.Connection, comment_id: int, rendered: markdown.Rendered) -> None:
    conn.execute("DELETE FROM mentions WHERE comment_id = %s", (comment_id,))
    if rendered.mentioned:
        conn.execute("INSERT INTO mentions (comment_id, member_id) SELECT %s, id FROM members"
                     " WHERE lower(name) = ANY(%s) ON CONFLICT DO NOTHING",
                     (comment_id, [n.lower() for n in rendered.mentioned]))


def post(conn: psycopg.Connection, member: Member, paper_id: str, body: str,
         parent: int | None = None, per_hour: int = 30) -> Comment:
    """A new comment by ``member`` on the paper (or, through an alias, the paper it was
    merged into), or a reply to ``parent``. Raises CommentError: 404 no such paper; 400 an
    empty or too long body, a parent that is not a shown comment of this paper, or one whose
    thread began with a comment since deleted or hidden; 429 more
    than ``per_hour`` comments in the last hour (0: no limit)."""
    body = check_body(body)
    with conn.transaction():
        paper = store.get(conn, paper_id)
        if paper is None:
            raise CommentError(404, f"No paper with id {paper_id[:80]!r}.")
        # Counted in this transaction (the ``comments`` policy): concurrent comments of a
        # member queue on its row, and a comment refused below was never counted.
        if ratelimit.admit(conn, COMMENTS, member.id, per_hour, COMMENTS.window(None)):
            raise CommentError(429, f"At most {per_hour} comments an hour: try again later.", retry_after=3600)
        parent_id = None
        if parent is not None:
            # Locked (as the thread's first comment below): a delete or hide waits for this
            # reply, or this reply sees it and is refused.
            above = get(conn, parent, lock=True)
            if above is None or above.paper_id != paper["id"]:
                raise CommentError(400, f"parent: there is no comment {parent} on this paper.")
            if not above.shown:
                raise CommentError(400, "parent: that comment was deleted or hidden; it takes no replies.")
            parent_id = above.parent_id or above.id  # one level: a reply to a reply joins its thread
            # a reply to a reply lands under the thread's first comment: it must be shown too
            root = above if parent_id == above.id else get(conn, parent_id, lock=True)
            if root is None or not root.shown:
                raise CommentError(400, "parent: the comment that began this thread was deleted or hidden;"
                                        " the thread takes no more replies.")
        rendered = _render(conn, body)
        row = conn.execute(
            "INSERT INTO comments (paper_id, member_id, parent_id, body, html) VALUES (%s, %s, %s, %s, %s)"
            " RETURNING id", (paper["id"], member.id, parent_id, body, rendered.html)).fetchone()
        _mention(conn, row["id"], rendered)
        made = get(conn, row["id"])
    assert made is not None
    return made


def _own(conn: psycopg.Connection, member: Member, comment_id: int) -> Comment:
    comment = get(conn, comment_id, lock=True)
    if comment is None or comment.deleted:
        raise CommentError(404, f"No comment {comment_id}.")
    if comment.author_id != member.id:
        raise CommentError(403, "Only its author may change or delete a comment.")
    return comment


def edit(conn: psycopg.Connection, member: Member, comment_id: int, body: str) -> Comment:
    """The author's new text for their comment (marked edited). 404, 403 or 400."""
    body = check_body(body)
    with conn.transaction():
        _own(conn, member, comment_id)
        rendered = _render(conn, body)
        conn.execute("UPDATE comments SET body = %s, html = %s, edited = now() WHERE id = %s",
                     (body, rendered.html, comment_id))
        _mention(conn, comment_id, rendered)
        changed = get(conn, comment_id)
    assert changed is not None
    return changed


def delete(conn: psycopg.Connection, member: Member, comment_id: int) -> Comment:
    """The author deletes their comment (soft: it leaves every page). 404 or 403."""
    with conn.transaction():
        comment = _own(conn, member, comment_id)
        conn.execute("UPDATE comments SET deleted = true WHERE id = %s", (comment_id,))
    comment.deleted = True
    return comment


def thread(conn: psycopg.Connection, paper_id: str) -> list[Comment]:
    """The paper's comments as shown: top-level ones oldest first, each with its shown
    replies; a deleted or hidden top-level comment only as a placeholder for its replies."""
    rows = conn.execute(_SELECT + " WHERE c.paper_id = %s ORDER BY c.id", (paper_id,)).fetchall()
    top: list[Comment] = []
    by_id: dict[int, Comment] = {}
    for r in rows:
        c = _comment(r)
        if c.parent_id is None:
            top.append(c)
            by_id[c.id] = c
        elif c.shown and c.parent_id in by_id:
            by_id[c.parent_id].replies.append(c)
    return [c for c in top if c.shown or c.replies]


def flat(comments: list[Comment]) -> list[Comment]:
    """A thread in reading order: each top-level comment, then its replies."""
    return [x for c in comments for x in (c, *c.replies)]


def by_author(conn: psycopg.Connection, member_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """A member's shown comments, newest first, with the papers' titles (their public page)."""
    rows = conn.execute(
        "SELECT c.id, c.paper_id, p.title, c.html, c.created FROM comments c JOIN papers p ON p.id = c.paper_id"
        " WHERE c.member_id = %s AND NOT c.deleted AND NOT c.hidden ORDER BY c.id DESC LIMIT %s",
        (member_id, limit)).fetchall()
    return [{**r, "html": Markup(markdown.clean(r["html"]))} for r in rows]  # noqa: S704 - sanitised
