"""The "For you" section of a digest: when the subscriber's address is a member's, with a
fitted model and at least 3 signals, up to :data:`PAPERS` of the period's papers picked for
them, each with its because line (absolute links: an email is read away from the site).
Anyone else's digest has no such section.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg

from paperboy.community import members
from paperboy.papers import picks
from paperboy.papers.limits import safe_url
from paperboy.recommend import Because

PAPERS = 5
TITLE = "For you"
NOTE = "Picked from this period's papers for what you upvoted, saved or keep in your library."


def _href(base_url: str, b: Because) -> str | None:
    return f"{base_url}/papers/{b.id}" if b.id else safe_url(b.url)


def section(conn: psycopg.Connection, email: str, start: date, end: date, skip: set[str],
            base_url: str) -> dict[str, Any] | None:
    """The section for the subscriber ``email`` over ``start``…``end``, without the papers
    of ``skip`` (already in this digest, or sent before); None for no member, a cold start,
    or no pick left."""
    member = members.by_email(conn, email)
    if member is None:
        return None
    found = picks.for_you(conn, member.id, since=start, until=end, limit=min(PAPERS + len(skip), 100))
    if found.cold_start or found.fitted is None:
        return None
    # trending papers filling the page are no picks (the digest has its own trending section)
    chosen = [s for s in found.items if s.paper.id not in skip and not s.trending][:PAPERS]
    if not chosen:
        return None
    because = {
        s.paper.id: [{"before": r.before, "after": r.after,
                      "papers": [{"title": b.title, "href": _href(base_url, b)} for b in r.papers]}
                     for r in s.reasons]
        for s in chosen}
    return {
        "title": TITLE, "note": NOTE, "papers": [s.paper for s in chosen],
        "because": because, "because_text": {s.paper.id: s.because_text for s in chosen},
        # what makes this section differ from another reader's with the same papers
        "key": tuple((s.paper.id, tuple((b.id, b.title, b.kind, b.url) for b in s.because)) for s in chosen),
    }
