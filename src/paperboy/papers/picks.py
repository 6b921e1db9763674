"""For you as readers see it: the recommender's picks (paper ids, from paperboy.recommend)
joined with their stored papers, in the recommender's order, and each pick's reasons ("because
you upvoted …") grouped for a sentence. The page, the API, the terminal and the digest all
read a member's picks through :func:`for_you`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg

from paperboy import recommend
from paperboy.papers import store, view
from paperboy.recommend import Because

# How each kind of reason reads: (words before the titles, words after them).
PHRASES = {
    "upvoted": ("you upvoted", ""),
    "saved": ("you saved", ""),
    "library": ("it is like", " in your library"),
    "follow": ("you follow", ""),
}


@dataclass(frozen=True)
class Reason:
    """One part of a because line: ``before`` the papers' titles, then ``after`` them
    ("you upvoted" A and B; "it is like" C " in your library"; after a first part, "you "
    is not said again: "you upvoted A and saved B")."""

    before: str
    papers: tuple[Because, ...]
    after: str


def reasons(because: Sequence[Because]) -> list[Reason]:
    """The reasons of a pick grouped by kind, in the order the recommender gave them.

    >>> b = [Because("1", "A", "upvoted", "/papers/1"), Because(None, "C", "library", None)]
    >>> [(r.before, [p.title for p in r.papers], r.after) for r in reasons(b)]
    [('you upvoted', ['A'], ''), ('it is like', ['C'], ' in your library')]
    """
    kinds: dict[str, list[Because]] = {}
    for b in because:
        kinds.setdefault(b.kind if b.kind in PHRASES else "saved", []).append(b)
    out = []
    for k, papers in kinds.items():
        before, after = PHRASES[k]
        if out and before.startswith("you "):  # "you upvoted A and saved B"
            before = before.removeprefix("you ")
        out.append(Reason(before, tuple(papers), after))
    return out


def because_text(because: Sequence[Because]) -> str:
    """The because line in plain words (the terminal, the text email); "" without reasons.

    >>> because_text([Because("1", "A", "upvoted", None), Because("2", "B", "saved", None)])
    'Because you upvoted “A” and saved “B”'
    """
    parts = [f"{r.before} {' and '.join(f'“{p.title}”' for p in r.papers)}{r.after}" for r in reasons(because)]
    return ("Because " + " and ".join(parts)) if parts else ""


@dataclass(frozen=True)
class Shown:
    """One pick as readers see it."""

    paper: view.PaperView
    score: float
    because: tuple[Because, ...]
    trending: bool = False  # a trending paper filling the page, not a pick (no because)

    @property
    def reasons(self) -> list[Reason]:
        return reasons(self.because)

    @property
    def because_text(self) -> str:
        return because_text(self.because)

    def hf_item(self) -> dict[str, Any]:
        """The API's item: the HF paper shape, its score, whether it is a trending paper
        filling the page, and its reasons."""
        return {**self.paper.hf_paper(), "score": round(float(self.score), 6), "trending": self.trending,
                "because": [{"id": b.id, "title": b.title, "kind": b.kind, "url": b.url} for b in self.because]}


@dataclass
class ForYou:
    """A page of a member's picks and what to say about them."""

    items: list[Shown]
    cold_start: bool  # fewer than 3 signals (or no model yet): the items are trending papers
    signals: int
    pending: bool  # the signals changed since the model was fitted: a refit is queued
    fitted: datetime | None
    asked: int  # how many picks the recommender gave (hidden papers are left out of items)
    since: date | None = None  # the period the picks came from (the default one filled in)
    until: date | None = None


def rows_in_order(conn: psycopg.Connection, ids: Sequence[str]) -> list[dict[str, Any]]:
    """The stored papers of ``ids`` in that order, as lists read them (with ``submitter``);
    unknown ids, and papers hidden by a curator or withdrawn, left out."""
    if not ids:
        return []
    rows = conn.execute(
        f"SELECT p.*, {store.submitter_sql('p')} FROM papers p"  # noqa: S608 - a fixed select item
        " WHERE p.id = ANY(%s) AND NOT p.hidden AND NOT p.withdrawn", (list(ids),)).fetchall()
    by_id = {r["id"]: r for r in rows}
    return [by_id[i] for i in ids if i in by_id]


def for_you(conn: psycopg.Connection, member_id: int, *, since: date | None = None,
            until: date | None = None, limit: int = 20, offset: int = 0, days: int = 14) -> ForYou:
    """A page of the member's picks (see :func:`paperboy.recommend.recommend`): papers of
    ``since``…``until``, or of the last ``days`` days when neither is given."""
    picks = recommend.recommend(conn, member_id, since=since, until=until, limit=limit,
                                offset=offset, days=days)
    rows = {r["id"]: r for r in rows_in_order(conn, [p.paper_id for p in picks.items])}
    items = [Shown(view.of(rows[p.paper_id]), p.score, tuple(p.because), p.trending)
             for p in picks.items if p.paper_id in rows]
    return ForYou(items, picks.cold_start, picks.signals, picks.pending, picks.fitted, len(picks.items),
                  picks.since, picks.until)
