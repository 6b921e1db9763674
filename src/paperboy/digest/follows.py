"""The "New from authors and topics you follow" section of a digest: when the subscriber's
address is a member's who follows authors or topics (paperboy.follows), up to :data:`PAPERS` of
the period's papers by those authors or in those topics, newest first, each saying which
(absolute links: an email is read away from the site). Anyone else's digest has no such section.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg

from paperboy.community import members
from paperboy.follows import news
from paperboy.papers import picks, view

PAPERS = 10
TITLE = "New from authors and topics you follow"
NOTE = "Papers of this period by the authors and in the topics you follow (your account page lists them)."


def section(conn: psycopg.Connection, email: str, start: date, end: date, skip: set[str],
            base_url: str) -> dict[str, Any] | None:
    """The section for the subscriber ``email`` over ``start``…``end``, without the papers of
    ``skip`` (already in this digest, or sent before); None for no member or nothing new."""
    member = members.by_email(conn, email)
    if member is None:
        return None
    found = [n for n in news.papers(conn, member.id, start, end, PAPERS + len(skip)) if n.paper_id not in skip]
    why = {n.paper_id: n.follow for n in found}
    papers = [view.of(r) for r in picks.rows_in_order(conn, list(why))][:PAPERS]
    if not papers:
        return None
    return {
        "title": TITLE, "note": NOTE, "papers": papers,
        "because": {p.id: [{"before": "you follow", "after": "", "papers": [
            {"title": why[p.id].label, "href": base_url + why[p.id].href}]}] for p in papers},
        "because_text": {p.id: f"Because you follow “{why[p.id].label}”" for p in papers},
        # what makes this section differ from another reader's with the same papers
        "key": tuple((p.id, why[p.id].kind, why[p.id].key) for p in papers),
    }
