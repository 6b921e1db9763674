"""A member asks for one paper's full text (the paper page's form, ``POST
/api/papers/{id}/fulltext``): the paper is queued for the enrichment source "fulltext" at once,
whatever PAPERBOY_FULLTEXT's choice of papers, and serve's next enrichment round (or
`paperboy fulltext`) fetches it. Counted per member by the rate-limit policy "fulltext_asks"
(the route)."""

from __future__ import annotations

from typing import Any

import psycopg

from paperboy.enrich import state
from paperboy.errors import Refused
from paperboy.fulltext.source import NAME
from paperboy.papers import store as papers


def ask(conn: psycopg.Connection, paper_id: str, cfg: Any) -> dict[str, Any]:
    """Queue the paper's full text; ``{"id", "status"}``: "queued", or "known" when its text of
    the latest known version is stored already. Refused: no such paper (404), no arXiv id or
    full texts off on this hub (409)."""
    row = papers.get(conn, paper_id)
    if row is None:
        raise Refused(404, f"No paper with id {paper_id[:80]!r} in this hub.")
    if cfg.fetch.fulltext == "off":
        raise Refused(409, "This hub fetches no full texts (PAPERBOY_FULLTEXT=off).")
    if not row["arxiv_id"]:
        raise Refused(409, "This paper has no arXiv id: there is no arXiv HTML version to fetch.")
    known = conn.execute("SELECT version FROM fulltexts WHERE paper_id = %s AND markdown IS NOT NULL",
                         (row["id"],)).fetchone()
    if known and (row["version"] or 0) <= (known["version"] or 0):
        return {"id": row["id"], "status": "known"}
    state.requeue(conn, NAME, [row["id"]])
    return {"id": row["id"], "status": "queued"}


def status(conn: psycopg.Connection, paper_id: str) -> dict[str, Any] | None:
    """What the paper page says of the paper's full text: ``{"status": "text"|"none", "version",
    "reason"}``, or None when none was asked for yet."""
    return conn.execute("SELECT status, version, reason FROM fulltexts WHERE paper_id = %s",
                        (paper_id,)).fetchone()
