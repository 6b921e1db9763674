"""For you: a member's picks for a period, each with the one or two of their own papers it
is closest to. Scores come from the member's stored model over the in-memory corpus; no
model is fitted here (the background job does that)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import psycopg

from paperboy import trending
from paperboy.recommend import signals
from paperboy.recommend.corpus import CACHE, EPOCH, day_number
from paperboy.recommend.model import Model

MIN_SIGNALS = 3
ALL_TIME = date(1900, 1, 1)


@dataclass(frozen=True)
class Because:
    id: str | None      # the member's own paper; None for a library-only entry
    title: str
    kind: str           # "upvoted" | "saved" | "library"
    url: str | None


@dataclass(frozen=True)
class Pick:
    paper_id: str
    score: float
    because: tuple[Because, ...]


@dataclass
class Picks:
    items: list[Pick]
    cold_start: bool
    signals: int
    pending: bool
    fitted: datetime | None
    since: date | None = None
    until: date | None = None


def _model(conn: psycopg.Connection, member_id: int):
    return conn.execute(
        "SELECT model, fitted, fitted_seq < signals_seq AS pending FROM recommender_models"
        " WHERE member_id = %s", (member_id,)).fetchone()


def _trending(conn: psycopg.Connection, member_id: int, n_signals: int, pending: bool, fitted,
              limit: int, offset: int) -> Picks:
    """Trending papers, less the member's own and those they turned down."""
    own = signals.own_papers(conn, member_id) if n_signals else set()
    rows, _, _ = trending.trending(conn, offset=0, limit=offset + limit + len(own))
    rows = [r for r in rows if r["id"] not in own][offset:offset + limit]
    items = [Pick(r["id"], float(r["score"] or 0.0), ()) for r in rows]
    return Picks(items, cold_start=True, signals=n_signals, pending=pending, fitted=fitted)


def _visible(conn: psycopg.Connection, ids: list[str]) -> set[str]:
    rows = conn.execute("SELECT id FROM papers WHERE id = ANY(%s) AND NOT hidden AND NOT withdrawn",
                        (ids,)).fetchall()
    return {r["id"] for r in rows}


def recommend(conn: psycopg.Connection, member_id: int, *, since: date | None = None,
              until: date | None = None, limit: int = 20, offset: int = 0,
              days: int = 14) -> Picks:
    """The member's picks among papers of [since, until] (by the day a paper was listed,
    else published). Without a period: the last ``days`` days up to the newest day with
    papers. Fewer than 3 signals, or no model yet: trending papers (``cold_start``)."""
    n_signals = signals.count(conn, member_id)
    row = _model(conn, member_id)
    pending = bool(row and row["pending"])
    fitted = row["fitted"] if row else None
    if n_signals < MIN_SIGNALS or row is None or row["model"] is None:
        return _trending(conn, member_id, n_signals, pending, fitted, limit, offset)
    model = Model.from_bytes(bytes(row["model"]))
    corpus = CACHE.get(conn)
    if not len(corpus.ids):
        return Picks([], False, n_signals, pending, fitted)
    if since is None and until is None:
        newest = corpus.newest
        lo, hi = newest - days + 1, newest
        since, until = EPOCH + timedelta(days=lo), EPOCH + timedelta(days=hi)
    else:
        lo = day_number(since) if since else -(10**6)
        hi = day_number(until) if until else 10**6
    rows = corpus.window(lo, hi)
    xc, ids = corpus.xc[rows], corpus.ids[rows]
    own = signals.own_papers(conn, member_id)
    want = offset + limit
    items: list[Pick] = []
    if len(ids) and want > 0:
        scores = model.score(xc)
        # Enough extra to survive dropping the member's own, hidden and withdrawn papers.
        take = min(len(ids), want + len(own) + 50)
        top = np.argpartition(-scores, take - 1)[:take] if take < len(ids) else np.arange(len(ids))
        top = top[np.argsort(-scores[top], kind="stable")]
        ranked = [(str(ids[i]), float(scores[i]), int(i)) for i in top if ids[i] not in own]
        visible = _visible(conn, [r[0] for r in ranked[: want + 50]])
        ranked = [r for r in ranked if r[0] in visible][offset:want]
        if ranked:
            near = model.because(xc[[r[2] for r in ranked]])
            for (pid, score, _), idx in zip(ranked, near, strict=True):
                because = tuple(Because(**model.labels[i]) for i in idx)
                items.append(Pick(pid, round(score, 4), because))
    return Picks(items, cold_start=False, signals=n_signals, pending=pending, fitted=fitted,
                 since=since, until=until)
