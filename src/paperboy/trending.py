"""The trending score.

    score = (upvotes + 2 × growth + 1) / (age_in_days + 2) ^ 1.5

``upvotes`` is the paper's count: the upvotes imported from Hugging Face plus the votes of
this instance's members. ``growth`` is how many it gained lately: the imported upvotes it
gained between the last two imports that reported its count (0 when seen once), plus the
community votes cast since the day before the reference day (their real times), so a paper
gaining votes now climbs past one that collected them long ago.

``age_in_days`` counts *listed days*: the days, after the one the paper was first listed on,
up to the reference day (the hub's latest listed day), on which the hub listed anything on
Daily or New. The hub's clock ticks once per day it lists papers, not once per calendar
day, so a paper's age never depends on a gap or an unrelated listing. On a hub fetching
every day the two clocks agree. Without this, one member submission today on a hub whose
data ended months ago (the demo, an imported archive, a failing fetch) made every other
paper months old at once: Trending showed that one paper with 0 votes. Now that listing is
day 0 and the archive's last day is day 1, so an archive still shows what was trending at
its end. The +1 lets new papers without votes rank by freshness; the +2 and the power 1.5
(Hacker News' gravity) make a day-old paper need about 1.8× the votes of a fresh one, a
week-old one about 8×. Candidates are papers first listed on the last 30 listed days up to
the reference day (on Daily or New); withdrawn and hidden papers never trend.

**With code** (``/trending?with=code``, ``/api/daily_papers?sort=trending&with=code``): only
papers with a code repository, and the stars their repository gained over the last 7 days
(GitHub's counts, enrich/github.py) count too, STARS_PER_VOTE stars as one upvote:

    score = (upvotes + 2 × growth + stars this week ÷ 10 + 1) / (age_in_days + 2) ^ 1.5

This module is the only place a trending order is made: /trending, its feed and API, the
digests (:func:`trending`) and ``/api/daily_papers?sort=trending`` (:func:`order_sql` and
:func:`candidate_sql`, used by papers/listing.py) all rank with the SQL below.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg

from paperboy.papers.days import listed_days
from paperboy.papers.store import keyphrases_sql, submitter_sql

GROWTH_WEIGHT = 2
FRESHNESS = 1  # added to every count: a new paper without votes ranks by its age alone
AGE_SHIFT = 2  # added to every age: a fresh paper is not divided by zero, nor boosted without end
GRAVITY = 1.5
WINDOW_DAYS = 30
STARS_PER_VOTE = 10  # with code: this many GitHub stars gained this week weigh as one upvote
# Built from the constants, so the line pages, feeds and digests print cannot drift from the
# score (tests/test_docs.py holds this module's docstring and docs/web.md to them too).
ONE_LINE = (f"Trending = (upvotes + {GROWTH_WEIGHT} × recent growth + {FRESHNESS}) ÷ "
            f"(days since listed + {AGE_SHIFT})^{GRAVITY}, over the last {WINDOW_DAYS} days with listings.")
CODE_LINE = (f"Trending with code = (upvotes + {GROWTH_WEIGHT} × recent growth + GitHub stars gained this week "
             f"÷ {STARS_PER_VOTE} + {FRESHNESS}) ÷ (days since listed + {AGE_SHIFT})^{GRAVITY}, papers with a "
             f"code repository only.")


def score(upvotes: int | None, growth: int, age_days: int) -> float:
    return (max(upvotes or 0, 0) + GROWTH_WEIGHT * growth + FRESHNESS) / (max(age_days, 0) + AGE_SHIFT) ** GRAVITY


def total_sql(paper: str) -> str:
    """A paper's upvotes as shown: imported plus community."""
    return f"(coalesce({paper}.upvotes, 0) + {paper}.community_upvotes)"


def recent_votes_join(paper: str, ref: str) -> str:
    """A LEFT JOIN giving ``rv.n``: the community votes on each paper cast since the day
    before the reference day (use with :func:`score_sql`)."""
    return (f" LEFT JOIN (SELECT paper_id, count(*) AS n FROM votes"  # noqa: S608 - aliases only
            f" WHERE created >= ({ref}::date - 1)::timestamptz GROUP BY paper_id) rv ON rv.paper_id = {paper}.id")


def age_sql(day: str, days: str) -> str:
    """A paper's age in listed days as SQL: how many of ``days`` (a ``date[]`` parameter
    holding the listed days, newest first, as :func:`~paperboy.papers.days.listed_days`
    returns them) come after
    the listing-day expression ``day``. A day on the list is found by its position, a day
    before the oldest on it is as old as the list is long (no count: most of a topic's papers
    are older than the list, and counting for each cost a topic page a third of its query)."""
    later = f"(SELECT count(*) FROM unnest({days}) AS ld(d) WHERE ld.d > {day})"  # noqa: S608 - our expressions
    older = f"CASE WHEN {day} < ({days})[cardinality({days})] THEN cardinality({days}) END"
    return f"coalesce(array_position({days}, {day}) - 1, {older}, {later})"


def stars_week_sql(paper: str) -> str:
    """The stars a paper's repository gained over the last 7 days (0 when unknown)."""
    week = f"{paper}.extra -> 'github_stars_week'"
    return f"(CASE WHEN jsonb_typeof({week}) = 'number' THEN ({week})::float8 ELSE 0 END)"


def score_sql(paper: str, day: str, days: str, with_code: bool = False) -> str:
    """The same score as SQL over a paper alias, a listing-day expression and the listed
    days (see :func:`age_sql`); the query must include :func:`recent_votes_join`."""
    stars = f" + {stars_week_sql(paper)} / {STARS_PER_VOTE}" if with_code else ""
    return (
        f"(({total_sql(paper)} + {GROWTH_WEIGHT} * ({paper}.upvote_growth + coalesce(rv.n, 0)){stars} + {FRESHNESS})::float8"
        f" / power({age_sql(day, days)} + {AGE_SHIFT}, {GRAVITY}))"
    )


def order_sql(paper: str, day: str, days: str, with_code: bool = False) -> str:
    """The trending order as an SQL ``ORDER BY`` list: score, then upvotes, then id (so a
    page boundary never splits ties differently from one request to the next)."""
    return f"{score_sql(paper, day, days, with_code)} DESC, {total_sql(paper)} DESC, {paper}.id"


def candidate_sql(paper: str, with_code: bool = False) -> str:
    """An SQL condition on a paper alias: whether the paper may trend at all."""
    code = f" AND {paper}.github_repo IS NOT NULL" if with_code else ""
    return f"NOT {paper}.withdrawn AND NOT {paper}.hidden{code}"


def reference_day(conn: psycopg.Connection) -> date | None:
    """The latest day anything was listed, on Daily or New."""
    return conn.execute("SELECT greatest((SELECT max(day) FROM listings),"
                        " (SELECT max(day) FROM new_listings)) AS d").fetchone()["d"]


def trending(
    conn: psycopg.Connection, ref: date | None = None, offset: int = 0, limit: int = 30, with_code: bool = False
) -> tuple[list[dict[str, Any]], int, date | None]:
    """A page of trending papers, how many candidates there are, and the reference day.
    Withdrawn papers never trend (and so never reach a digest's trending section)."""
    if ref is None:
        ref = reference_day(conn)
        if ref is None:
            return [], 0, None
    days = listed_days(conn, ref, WINDOW_DAYS)
    if not days:
        return [], 0, ref
    params = {"lo": days[-1], "ref": ref, "days": days, "off": offset, "lim": limit}
    # Rank narrow rows first, then fetch the few whole papers: sorting thousands of wide
    # rows (abstracts) would spill to disk.
    rows = conn.execute(
        f"SELECT p.*, p.listed_on AS day, t.score, {submitter_sql('p')}, {keyphrases_sql('p')} FROM ("  # noqa: S608 - a fixed formula
        f"  SELECT id, {score_sql('q', 'q.listed_on', '%(days)s::date[]', with_code)} AS score, {total_sql('q')} AS total"
        f"   FROM papers q {recent_votes_join('q', '%(ref)s')}"
        f"   WHERE q.listed_on BETWEEN %(lo)s AND %(ref)s AND {candidate_sql('q', with_code)}"
        f"   ORDER BY {order_sql('q', 'q.listed_on', '%(days)s::date[]', with_code)} OFFSET %(off)s LIMIT %(lim)s"
        ") t JOIN papers p ON p.id = t.id"
        " ORDER BY t.score DESC, t.total DESC, t.id",
        params,
    ).fetchall()
    total = conn.execute(
        "SELECT count(*) AS n FROM papers q"  # noqa: S608 - a fixed condition
        f" WHERE q.listed_on BETWEEN %(lo)s AND %(ref)s AND {candidate_sql('q', with_code)}",
        params
    ).fetchone()["n"]
    return rows, total, ref
