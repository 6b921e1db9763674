"""Listing papers by day, ISO week or month: what the feed pages and the API show."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

import psycopg

from paperboy import trending
from paperboy.papers import store
from paperboy.papers.days import listed_days
from paperboy.papers.limits import DATE_RANGE, EARLIEST, LATEST

Kind = Literal["day", "week", "month"]
SORTS = ("upvotes", "publishedAt", "trending")


class PeriodError(ValueError):
    """A malformed date, week or month (the message says the expected form)."""


@dataclass(frozen=True)
class Period:
    kind: Kind
    start: date
    end: date  # inclusive

    @property
    def key(self) -> str:
        """The query value naming this period: 2024-11-08, 2024-W45 or 2024-11."""
        if self.kind == "day":
            return self.start.isoformat()
        if self.kind == "week":
            y, w, _ = self.start.isocalendar()
            return f"{y}-W{w:02d}"
        return f"{self.start:%Y-%m}"

    @property
    def title(self) -> str:
        if self.kind == "day":
            return f"{self.start:%A, %B} {self.start.day}, {self.start.year}"
        if self.kind == "week":
            y, w, _ = self.start.isocalendar()
            return f"Week {w}, {y} ({self.start:%b} {self.start.day} – {self.end:%b} {self.end.day})"
        return f"{self.start:%B %Y}"

    def containing(self, day: date) -> Period:
        """The period of the same kind that contains ``day``."""
        return period_of(self.kind, day)


def period_of(kind: Kind, day: date) -> Period:
    if kind == "day":
        return Period("day", day, day)
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return Period("week", start, start + timedelta(days=6))
    start = day.replace(day=1)
    nxt = (start + timedelta(days=32)).replace(day=1)
    return Period("month", start, nxt - timedelta(days=1))


def every_day(latest: date) -> Period:
    """All days up to ``latest`` as one period (a submitter's papers, whenever listed)."""
    return Period("month", EARLIEST, latest)


_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _in_range(name: str, value: str, first: date) -> date:
    """``first``, the period's first day, when the period lies within the dates papers can
    have; near year 1 or 9999 the period's own arithmetic would overflow (a 500)."""
    if not EARLIEST <= first <= LATEST:
        raise PeriodError(f"{name} must be within {DATE_RANGE}, not {value[:40]!r}")
    return first


def parse_period(date_: str | None, week: str | None, month: str | None) -> Period | None:
    """The period a request names, or None when it names none. Raises PeriodError.

    >>> parse_period(None, None, "9999-12")
    Traceback (most recent call last):
    ...
    paperboy.papers.listing.PeriodError: month must be within 1900-01-01 to 2099-12-31, not '9999-12'
    """
    given = [(k, v) for k, v in (("date", date_), ("week", week), ("month", month)) if v is not None]
    if not given:
        return None
    if len(given) > 1:
        raise PeriodError("give one of date, week or month, not several")
    name, value = given[0]
    value = value.strip()
    if name == "date":
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError
            day = date.fromisoformat(value)
        except ValueError:
            raise PeriodError(f"date must look like 2024-11-08 (YYYY-MM-DD), not {value[:40]!r}") from None
        return period_of("day", _in_range(name, value, day))
    if name == "week":
        m = _WEEK.match(value)
        try:
            if not m:
                raise ValueError
            monday = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        except ValueError:
            raise PeriodError(f"week must look like 2024-W45 (ISO year and week), not {value[:40]!r}") from None
        return period_of("week", _in_range(name, value, monday))
    m = _MONTH.match(value)
    try:
        if not m:
            raise ValueError
        first = date(int(m[1]), int(m[2]), 1)
    except ValueError:
        raise PeriodError(f"month must look like 2024-11 (YYYY-MM), not {value[:40]!r}") from None
    return period_of("month", _in_range(name, value, first))


# Daily: the lists someone chose (Hugging Face's, submissions, curators). New: the days
# papers arrived from followed arXiv categories. Same shape, so one code lists both.
BOARDS = {"daily": "listings", "new": "new_listings"}
Board = Literal["daily", "new"]


def latest_day(conn: psycopg.Connection, board: Board = "daily") -> date | None:
    return conn.execute(f"SELECT max(day) AS day FROM {BOARDS[board]}").fetchone()["day"]  # noqa: S608


def neighbours(conn: psycopg.Connection, period: Period, board: Board = "daily") -> tuple[Period | None, Period | None]:
    """The previous and next periods that have papers, skipping empty days."""
    table = BOARDS[board]
    row = conn.execute(
        f"SELECT (SELECT max(day) FROM {table} WHERE day < %(s)s) AS prev,"  # noqa: S608
        f" (SELECT min(day) FROM {table} WHERE day > %(e)s) AS next",
        {"s": period.start, "e": period.end},
    ).fetchone()
    prev = period.containing(row["prev"]) if row["prev"] else None
    nxt = period.containing(row["next"]) if row["next"] else None
    return prev, nxt


# Pinned papers (curators) come first; then the sort. Upvotes are imported + community.
_ORDER = {
    "upvotes": f"{trending.total_sql('q')} DESC, l.day DESC, q.id",
    "publishedAt": f"l.day DESC, {trending.total_sql('q')} DESC, q.id",
}


_DOCUMENT = "q.title || ' ' || q.summary || ' ' || array_to_string(q.authors, ' ')"


def papers_in(
    conn: psycopg.Connection, period: Period, sort: str = "upvotes", offset: int = 0, limit: int = 30,
    board: Board = "daily", category: str | None = None, submitter: str | None = None,
    text: str | None = None, with_code: bool = False,
) -> tuple[list[dict[str, Any]], int]:
    """One page of the distinct papers listed in ``period`` and how many there are in all.

    Each row is a paper with ``day``: the first day of the period it was listed, and
    ``pinned``. Hidden papers are never listed. ``board`` is daily or new; ``category``
    keeps papers of one arXiv category, ``submitter`` those a member (by name) or someone on
    Hugging Face submitted, ``text`` those whose id is it or whose title, abstract and
    authors match it (PostgreSQL full-text search, websearch syntax: words, "phrases",
    -excluded, a OR b; over the period's papers only, so no index is needed). Sorted by
    ``trending``, the order (and which papers may appear) is trending.py's, scored as of the period's last day: a withdrawn paper is listed by
    upvotes or date, but never trends. ``with_code`` keeps papers with a code repository (and
    trending then counts their GitHub star growth: trending.py).
    """
    where = ["NOT q.hidden"] + (["q.github_repo IS NOT NULL"] if with_code else [])
    joins = ""
    days: list[date] = []
    if sort == "trending":
        # Ages in listed days up to the period's last day, as /trending counts them; a period
        # longer than a year ages its oldest days alike (they hardly score anyway).
        days = listed_days(conn, period.end, n=366, since=period.start)
        order = trending.order_sql("q", "l.day", "%(days)s::date[]", with_code)
        where.append(trending.candidate_sql("q"))
        joins = trending.recent_votes_join("q", "%(ref)s")
    else:
        order = _ORDER[sort]
    if category:
        where.append("%(cat)s = ANY(q.categories)")
    if submitter:
        where.append("(lower(q.extra ->> 'submitted_by') = lower(%(by)s) OR EXISTS ("
                     "SELECT 1 FROM submissions s JOIN members m ON m.id = s.member_id"
                     " WHERE s.paper_id = q.id AND lower(m.name) = lower(%(by)s)))")
    if text:
        where.append(f"(q.id = %(text)s OR to_tsvector('english', {_DOCUMENT}) @@ websearch_to_tsquery('english', %(text)s))")
    cond = " AND ".join(where)
    params = {"s": period.start, "e": period.end, "off": offset, "lim": limit, "ref": period.end,
              "days": days, "cat": category, "by": submitter, "text": text}
    listed = (f"SELECT paper_id, min(day) AS day FROM {BOARDS[board]}"  # noqa: S608 - a fixed table name
              " WHERE day BETWEEN %(s)s AND %(e)s GROUP BY paper_id")
    pinned = ("EXISTS (SELECT 1 FROM pins pn WHERE pn.paper_id = q.id AND pn.day BETWEEN %(s)s AND %(e)s)"
              if board == "daily" else "false")
    # Rank narrow rows (id, sort keys) first, then fetch the page's whole papers.
    rows = conn.execute(
        f"SELECT p.*, t.day, t.pinned, {store.submitter_sql('p')}, {store.keyphrases_sql('p')} FROM ("  # noqa: S608 - fixed strings
        f"  SELECT q.id, l.day, {pinned} AS pinned, row_number() OVER (ORDER BY {pinned} DESC, {order}) AS rank"
        f"  FROM ({listed}) l JOIN papers q ON q.id = l.paper_id {joins} WHERE {cond}"
        "  ORDER BY rank OFFSET %(off)s LIMIT %(lim)s"
        ") t JOIN papers p ON p.id = t.id ORDER BY t.rank",
        params,
    ).fetchall()
    total = conn.execute(
        f"SELECT count(*) AS n FROM ({listed}) l JOIN papers q ON q.id = l.paper_id WHERE {cond}",  # noqa: S608
        params,
    ).fetchone()["n"]
    return rows, total


def newest_daily(conn: psycopg.Connection, offset: int = 0, limit: int = 30) -> tuple[list[dict[str, Any]], int]:
    """Every paper ever listed on Daily, newest listing day first (then upvotes): a page and
    the count (the HF search route without a query lists papers this way)."""
    latest = latest_day(conn)
    if latest is None:
        return [], 0
    return papers_in(conn, every_day(latest), "publishedAt", offset, limit)


def categories_in(conn: psycopg.Connection, period: Period, board: Board = "daily",
                  limit: int = 40) -> list[dict[str, Any]]:
    """The arXiv categories of the papers listed in ``period``, most papers first:
    ``{"category", "n"}`` (a cross-listed paper counts in each of its categories)."""
    return conn.execute(
        "SELECT c AS category, count(*) AS n FROM ("  # noqa: S608 - a fixed table name
        f"  SELECT DISTINCT paper_id FROM {BOARDS[board]} WHERE day BETWEEN %(s)s AND %(e)s"
        ") l JOIN papers q ON q.id = l.paper_id, unnest(q.categories) AS c"
        " WHERE NOT q.hidden GROUP BY c ORDER BY count(*) DESC, c LIMIT %(lim)s",
        {"s": period.start, "e": period.end, "lim": limit},
    ).fetchall()


def listing_days(conn: psycopg.Connection, paper_id: str) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT day, array_agg(source ORDER BY source) AS sources FROM listings"
        " WHERE paper_id = %s GROUP BY day ORDER BY day",
        (paper_id,),
    ).fetchall()
