"""For you: a member's picks for a period, each with the one or two of their own papers it
is really close to. Scores come from the member's stored model over the corpus (corpus.py); no
model is fitted here (the background job does that).

A pick close to none of the member's papers (model.py's because cut) is noise, not a pick:
the page is filled up with trending papers instead, each marked ``trending`` and saying no
"because". The default period is the last ``days`` listed days up to the hub's latest listed
day (on Daily or New), the clock Trending and the lists keep: never the newest *published*
day, which a paper of a saved page (published in 2025, never listed) can put past every list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import psycopg

from paperboy import trending
from paperboy.follows import news
from paperboy.papers.days import listed_days
from paperboy.recommend import signals
from paperboy.recommend.corpus import CACHE, EPOCH, Corpus, day_number
from paperboy.recommend.model import BACKGROUND, Model

MIN_SIGNALS = 3
ALL_TIME = date(1900, 1, 1)
SCAN = 2000   # candidates looked at, best score first, for picks with a because (then trending)
FOLLOWED = 10  # at most this many picks from what the member follows, before the others


@dataclass(frozen=True)
class Because:
    id: str | None      # the member's own paper; None for a library-only entry
    title: str
    kind: str           # "upvoted" | "saved" | "library" | "follow" (title: the author or topic)
    url: str | None


@dataclass(frozen=True)
class Pick:
    paper_id: str
    score: float
    because: tuple[Because, ...]
    trending: bool = False  # a trending paper (a cold start, or filling up after the real picks)


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
    items = [Pick(r["id"], float(r["score"] or 0.0), (), trending=True) for r in rows]
    return Picks(items, cold_start=True, signals=n_signals, pending=pending, fitted=fitted)


def _visible(conn: psycopg.Connection, ids: list[str]) -> set[str]:
    rows = conn.execute("SELECT id FROM papers WHERE id = ANY(%s) AND NOT hidden AND NOT withdrawn",
                        (ids,)).fetchall()
    return {r["id"] for r in rows}


def _default_period(conn: psycopg.Connection, newest: int | None, days: int) -> tuple[int, int] | None:
    """The last ``days`` listed days up to the hub's latest listed day, as day numbers; a hub
    that never listed anything: the last ``days`` days up to its newest paper."""
    ref = trending.reference_day(conn)
    if ref is not None:
        listed = listed_days(conn, ref, days)
        return day_number(listed[-1]), day_number(ref)
    if newest is None:
        return None
    return newest - days + 1, newest


def _explained(conn: psycopg.Connection, model: Model, corpus: Corpus, rows: np.ndarray,
               scores: np.ndarray, own: set[str], want: int) -> list[Pick]:
    """Up to ``want`` picks, best score first among the best ``SCAN``, each close to some
    paper of the member's (a because); the member's own, hidden and withdrawn papers left out.
    ``rows`` are the corpus rows that ``scores`` score."""
    take = min(len(rows), SCAN + len(own))
    top = np.argpartition(-scores, take - 1)[:take] if take < len(rows) else np.arange(len(rows))
    top = top[np.argsort(-scores[top], kind="stable")]
    # The member's own papers left out by row (a live row has one id and an id one live
    # row): naming every candidate (2,000 ids) cost 5-15 ms a call; only kept ones are named.
    top = top[~np.isin(rows[top], np.array(corpus.rows(own), dtype=np.int64))]
    out: list[Pick] = []
    for start in range(0, len(top), 256):
        chunk = top[start:start + 256]
        near = model.because(corpus.vectors(rows[chunk]))
        keep = [(corpus.id_at(int(rows[i])), int(i), n) for i, n in zip(chunk, near, strict=True) if n]
        visible = _visible(conn, [pid for pid, _, _ in keep])
        for pid, i, n in keep:
            if pid in visible:
                out.append(Pick(pid, round(float(scores[i]), 4),
                                tuple(Because(**model.labels[j]) for j in n)))
                if len(out) >= want:
                    return out
    return out


def _padding(conn: psycopg.Connection, ref: date | None, skip: set[str], n: int) -> list[Pick]:
    """``n`` trending papers (as of ``ref``, else the hub's latest listed day), less ``skip``."""
    if n <= 0:
        return []
    rows, _, _ = trending.trending(conn, ref=ref, offset=0, limit=n + len(skip))
    return [Pick(r["id"], float(r["score"] or 0.0), (), trending=True)
            for r in rows if r["id"] not in skip][:n]


def _followed(conn: psycopg.Connection, member_id: int, since: date | None, until: date | None,
              days: int) -> list[Pick]:
    """The period's papers by authors and in topics the member follows (paperboy.follows), up
    to FOLLOWED, newest first, each "because you follow" the author or topic. Without a
    period: the last ``days`` listed days up to the hub's latest listed day."""
    if since is None and until is None:
        ref = trending.reference_day(conn)
        if ref is None:
            return []
        since, until = listed_days(conn, ref, days)[-1], ref
    found = news.papers(conn, member_id, since or ALL_TIME, until or date(2099, 12, 31), FOLLOWED)
    return [Pick(n.paper_id, 1.0, (Because(None, n.follow.label, "follow", n.follow.href),)) for n in found]


def _first(followed: list[Pick], rest: list[Pick]) -> list[Pick]:
    """The follow picks, then the others less those already picked."""
    seen = {p.paper_id for p in followed}
    return followed + [p for p in rest if p.paper_id not in seen]


def recommend(conn: psycopg.Connection, member_id: int, *, since: date | None = None,
              until: date | None = None, limit: int = 20, offset: int = 0,
              days: int = 14) -> Picks:
    """The member's picks among papers of [since, until] (by the day a paper was listed,
    else published), then trending papers to fill the page. Without a period: the last
    ``days`` listed days up to the hub's latest listed day. Fewer than 3 signals, or no
    model yet: trending papers (``cold_start``)."""
    n_signals = signals.count(conn, member_id)
    row = _model(conn, member_id)
    pending = bool(row and row["pending"])
    fitted = row["fitted"] if row else None
    followed = _followed(conn, member_id, since, until, days) if offset + limit > 0 else []
    if n_signals < MIN_SIGNALS or row is None or row["model"] is None:
        cold = _trending(conn, member_id, n_signals, pending, fitted, offset + limit, 0)
        cold.items = _first(followed, cold.items)[offset:offset + limit]
        return cold
    model = Model.from_bytes(bytes(row["model"]))
    corpus = CACHE.get(conn)
    if not corpus.size:
        return Picks([], False, n_signals, pending, fitted)
    pad_ref = None  # trending as of the hub's latest listed day, or of the period's end
    if since is None and until is None:
        span = _default_period(conn, corpus.newest, days)
        if span is None:
            return Picks([], False, n_signals, pending, fitted)
        lo, hi = span
        since, until = EPOCH + timedelta(days=lo), EPOCH + timedelta(days=hi)
    else:
        lo = day_number(since) if since else -(10**6)
        hi = day_number(until) if until else 10**6
        latest = trending.reference_day(conn)
        pad_ref = min(until, latest) if until and latest else None
    if not model.has_cut:  # a model stored before cuts existed (a sample costs 1-2 ms a call)
        model.cut_on(corpus.sample(BACKGROUND))
    own = signals.own_papers(conn, member_id)
    want = offset + limit
    found: list[Pick] = []
    if want > 0:
        rows, scores = corpus.scores(model, lo, hi)  # a chunk of rows at a time
        if len(rows):
            found = _explained(conn, model, corpus, rows, scores, own, want)
    found = _first([f for f in followed if f.paper_id not in own], found)
    found += _padding(conn, pad_ref, own | {p.paper_id for p in found}, want - len(found))
    return Picks(found[offset:want], cold_start=False, signals=n_signals, pending=pending,
                 fitted=fitted, since=since, until=until)
