"""One paper's page and its twins, built once: the HTML page (``/papers/{id}``), its JSON
(``GET /api/papers/{id}``) and its Markdown (``/papers/{id}.md``) all read :func:`load`
and only choose how to write it, so what they say about a paper cannot drift apart (the
model is datasette's ``data()``: one function gathers, each format renders).

A paper merged into another by a curator is found under its old id: the page says it moved
(``moved``), the HTML answers with a redirect, the twins answer for the kept paper.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import psycopg

from paperboy.community import comments as community_comments
from paperboy.community import curation
from paperboy.community.comments import Comment
from paperboy.fulltext import asks
from paperboy.fulltext import store as fulltexts
from paperboy.fulltext.store import FullText
from paperboy.papers import as_markdown, listing, store, view
from paperboy.papers.view import PaperView
from paperboy.search import similar as nearest

SIMILAR_ON_PAGE = 6


@dataclass
class PaperPage:
    """What a paper's page shows: the paper, the days it was listed, the readers' comments,
    its pins and (when asked for) the papers nearest to it."""

    row: dict[str, Any]
    paper: PaperView
    moved: bool
    days: list[dict[str, Any]]
    comments: list[Comment]
    pins: list[date]
    similar: list[PaperView] = field(default_factory=list)
    fulltext: FullText | None = None  # the paper's text, when asked for and known
    text_status: dict[str, Any] | None = None  # {"status": "text"|"none", "version", "reason"} (the HTML page)

    @property
    def id(self) -> str:
        return self.row["id"]

    def api(self) -> dict[str, Any]:
        """The JSON twin: Hugging Face's paper object, plus the days it was listed here."""
        return {**self.paper.hf_paper(), "listedOn": [d["day"].isoformat() for d in self.days]}

    def markdown(self, base_url: str = "") -> str:
        """The Markdown twin (what ``hf papers read`` asks for)."""
        return as_markdown.render(self.paper, self.comments, base_url, self.fulltext)


def load(conn: psycopg.Connection, paper_id: str, *, with_similar: bool = False,
         with_thread: bool = True, with_fulltext: bool = False, with_text_status: bool = False) -> PaperPage | None:
    """The page of paper ``paper_id`` (or of the paper it was merged into), or None when the
    hub has no such paper. ``with_similar`` adds the nearest papers (the HTML page shows
    them; the twins link to ``/api/papers/{id}/similar`` instead); without ``with_thread``
    comments and pins are left out (the JSON twin, like HF's paper object, has neither);
    ``with_fulltext`` adds the paper's full text when one is stored (the Markdown twin),
    ``with_text_status`` whether one is (the HTML page)."""
    row = store.get(conn, paper_id)
    if row is None:
        return None
    pid = row["id"]
    near = [view.of(r) for r in nearest(conn, pid, limit=SIMILAR_ON_PAGE)] if with_similar else []
    return PaperPage(row=row, paper=view.of(row), moved=pid != paper_id, days=listing.listing_days(conn, pid),
                     comments=community_comments.thread(conn, pid) if with_thread else [],
                     pins=curation.pins_of(conn, pid) if with_thread else [], similar=near,
                     fulltext=fulltexts.load(conn, pid) if with_fulltext else None,
                     text_status=asks.status(conn, pid) if with_text_status else None)
