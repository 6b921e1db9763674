"""A paper's code repository set by people: a member links one the paper lacks, a curator
(or admin) corrects any. The paper records who (``field_sources.github_repo``: "member" or
"curator"), the moderation log the curator's change, and the ``github`` source is queued
again for the paper so its stars follow the new repository.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from paperboy.community import modlog
from paperboy.community.members import Member
from paperboy.db import locks
from paperboy.enrich import github, state
from paperboy.enrich.code_links import repo_name, repo_url
from paperboy.errors import Refused


class CodeError(Refused):
    """A repository link refused: ``status`` (400, 403, 404, 409) and why."""


def parse(text: Any) -> str:
    """``owner/repo`` from a GitHub link or a bare ``owner/repo``; CodeError 400 otherwise."""
    if not isinstance(text, str) or not text.strip() or len(text) > 300:
        raise CodeError(400, "Give the repository as https://github.com/owner/repo.")
    text = text.strip()
    found = repo_name(text) or (repo_name(f"github.com/{text}") if "/" in text and ":" not in text else None)
    if found is None:
        raise CodeError(400, "Give the repository as https://github.com/owner/repo.")
    return found


def set_repo(conn: psycopg.Connection, paper_id: str, text: Any, member: Member) -> dict[str, Any]:
    """Set the paper's repository; answers ``{"id", "githubRepo", "githubRepoSource"}``.
    CodeError: 400 (not a GitHub repository), 404 (no such paper), 409 (a member, and the
    paper has a repository already: only a curator corrects it)."""
    name = parse(text)
    with conn.transaction():
        locks.xact_lock(conn, locks.STORE_WRITE)
        row = conn.execute("SELECT id, github_repo FROM papers WHERE id = %s FOR UPDATE", (paper_id,)).fetchone()
        if row is None:
            raise CodeError(404, f"no paper with id {paper_id[:80]!r}")
        if row["github_repo"] and not member.is_curator:
            raise CodeError(409, "This paper has a code repository already; a curator can correct it.")
        origin = "curator" if member.is_curator else "member"
        url = repo_url(name)
        # the stars were the old repository's: they go until GitHub is asked about the new one
        conn.execute(
            "UPDATE papers SET github_repo = %s, field_sources = field_sources || %s,"
            " extra = extra - 'github_stars' - 'github_stars_week' - 'github_stars_on', modified = now()"
            " WHERE id = %s", (url, Jsonb({"github_repo": origin}), row["id"]))
        if member.is_curator:
            modlog.record(conn, member, "set-code", row["id"], {"from": row["github_repo"], "to": url})
        state.requeue(conn, github.NAME, [row["id"]])
    return {"id": row["id"], "githubRepo": url, "githubRepoSource": origin}
