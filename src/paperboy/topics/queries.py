"""What pages, the API, feeds and the CLI read of the topics (built by build.py).

A topic as the API gives it: ``{id, label, keywords, size, weekly: [{week, n}], growth}``.
With ``since``/``until``, a topic's ``weekly`` keeps the weeks of that period (a week by its
Monday) and ``size`` counts them; topics with none are left out. ``growth`` is the build's.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg

from paperboy import recommend
from paperboy import trending as trend
from paperboy.papers.days import listed_days
from paperboy.papers.store import keyphrases_sql, submitter_sql
from paperboy.topics.build import DAY_SQL, NEW_JOIN
from paperboy.topics.trends import monday

MAP_LIMIT = 100_000
PICKS = 20  # the For you page's first page (web/routes/foryou.py PAGE): the picks the map marks
TREND_DAYS = 120  # listed days a topic page's trending order counts ages over


def shape(row: dict[str, Any], since: date | None = None, until: date | None = None) -> dict[str, Any]:
    weekly = [w for w in row["weekly"]
              if (since is None or w["week"] >= monday(since).isoformat())
              and (until is None or w["week"] <= until.isoformat())]
    size = row["size"] if since is None and until is None else sum(w["n"] for w in weekly)
    return {"id": row["id"], "label": row["label"], "keywords": list(row["keywords"]), "size": size,
            "weekly": weekly, "growth": round(float(row["growth"]), 4)}


def listing(conn: psycopg.Connection, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
    """The active topics, largest first."""
    rows = conn.execute("SELECT * FROM topics WHERE active ORDER BY size DESC, id").fetchall()
    shaped = [shape(r, since, until) for r in rows]
    return [t for t in shaped if t["size"] > 0]


def rising(topics: list[dict[str, Any]], n: int = 10) -> list[dict[str, Any]]:
    """The topics growing most against their own past weeks (growth > 0 only)."""
    return sorted((t for t in topics if t["growth"] > 0), key=lambda t: (-t["growth"], t["id"]))[:n]


def one(conn: psycopg.Connection, topic_id: int) -> dict[str, Any] | None:
    """A topic (active or not) with ``active``, ``built_at`` and its centre ``x``, ``y``."""
    row = conn.execute("SELECT * FROM topics WHERE id = %s", (topic_id,)).fetchone()
    if row is None:
        return None
    return {**shape(row), "active": row["active"], "built_at": row["built_at"], "x": row["x"], "y": row["y"]}


def papers(conn: psycopg.Connection, topic_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """A topic's papers (whole rows, as paper views read them) in the trending order: the
    hub's trending score (trending.py), ages counted over the last TREND_DAYS listed days."""
    ref = trend.reference_day(conn)
    days = listed_days(conn, ref, TREND_DAYS) if ref else []
    day = "coalesce(q.listed_on, q.published_at)"
    return conn.execute(
        f"SELECT p.*, p.listed_on AS day, t.score, {submitter_sql('p')}, {keyphrases_sql('p')} FROM ("  # noqa: S608
        f"  SELECT q.id, {trend.score_sql('q', day, '%(days)s::date[]')} AS score, {trend.total_sql('q')} AS total"
        f"   FROM topic_papers tp JOIN papers q ON q.id = tp.paper_id {trend.recent_votes_join('q', '%(ref)s')}"
        f"   WHERE tp.topic_id = %(t)s AND {trend.candidate_sql('q')}"
        f"   ORDER BY {trend.order_sql('q', day, '%(days)s::date[]')} LIMIT %(lim)s"
        ") t JOIN papers p ON p.id = t.id ORDER BY t.score DESC, t.total DESC, t.id",
        {"t": topic_id, "days": days, "ref": ref or date.today(), "lim": limit},
    ).fetchall()


def newest(conn: psycopg.Connection, topic_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """A topic's newest papers (its feed), newest first."""
    return conn.execute(
        f"SELECT p.*, p.listed_on AS day, {submitter_sql('p')}, {keyphrases_sql('p')}"  # noqa: S608
        f" FROM topic_papers tp JOIN papers p ON p.id = tp.paper_id{NEW_JOIN}"
        f" WHERE tp.topic_id = %s AND NOT p.withdrawn AND NOT p.hidden"
        f" ORDER BY {DAY_SQL} DESC NULLS LAST, p.id DESC LIMIT %s", (topic_id, limit)).fetchall()


def authors(conn: psycopg.Connection, topic_id: int, limit: int = 15) -> list[tuple[str, int]]:
    """The names on most of a topic's papers (as written), with their counts."""
    rows = conn.execute(
        "SELECT a.name, count(*) AS n FROM topic_papers tp JOIN papers p ON p.id = tp.paper_id,"
        " unnest(p.authors) AS a(name) WHERE tp.topic_id = %s AND NOT p.hidden"
        " GROUP BY a.name ORDER BY n DESC, a.name LIMIT %s", (topic_id, limit)).fetchall()
    return [(r["name"], r["n"]) for r in rows]


def map_points(conn: psycopg.Connection, since: date | None = None, until: date | None = None,
               limit: int = 20_000) -> tuple[list[dict[str, Any]], int]:
    """The map's points ``{id, x, y, topic}`` of active topics and how many there are in all;
    beyond ``limit``, an even sample (by a hash of the id: the same points on every request)."""
    lim = min(limit, MAP_LIMIT)
    if not since and not until:
        return _map_all(conn, lim)
    where = "t.active AND NOT p.hidden"
    params: dict[str, Any] = {"lim": lim, "lo": since, "hi": until}
    if since:
        where += f" AND {DAY_SQL} >= %(lo)s"
    if until:
        where += f" AND {DAY_SQL} <= %(hi)s"
    base = (f" FROM topic_papers tp JOIN topics t ON t.id = tp.topic_id JOIN papers p ON p.id = tp.paper_id"
            f"{NEW_JOIN} WHERE {where}")
    total = conn.execute("SELECT count(*) AS n" + base, params).fetchone()["n"]  # noqa: S608
    rows = conn.execute(
        "SELECT tp.paper_id AS id, tp.x, tp.y, tp.topic_id AS topic" + base  # noqa: S608
        + (" ORDER BY hashtext(tp.paper_id), tp.paper_id LIMIT %(lim)s" if total > lim else ""),
        params).fetchall()
    return [_point(r) for r in rows], total


def _point(r: dict[str, Any]) -> dict[str, Any]:
    return {"id": r["id"], "x": round(r["x"], 4), "y": round(r["y"], 4), "topic": r["topic"]}


def _map_all(conn: psycopg.Connection, lim: int) -> tuple[list[dict[str, Any]], int]:
    """The whole build's points (what /topics draws): sampled from topic_papers alone, then each
    sampled paper looked up to leave out one hidden since the build. Not a join of every paper
    (papers has no index on ``hidden``: that seq scan of the wide table was 0.3-0.4 s of the
    0.8 s a cold /api/topics/map took at 75,000 papers). The total counts the build's points."""
    total = conn.execute("SELECT count(*) AS n FROM topic_papers tp JOIN topics t ON t.id = tp.topic_id"
                         " WHERE t.active").fetchone()["n"]
    spare = lim + lim // 50 + 64  # room for papers hidden since the build
    rows = conn.execute(
        "SELECT s.* FROM (SELECT tp.paper_id AS id, tp.x, tp.y, tp.topic_id AS topic FROM topic_papers tp"
        " JOIN topics t ON t.id = tp.topic_id WHERE t.active ORDER BY hashtext(tp.paper_id), tp.paper_id"
        " LIMIT %(spare)s) s WHERE NOT EXISTS (SELECT 1 FROM papers p WHERE p.id = s.id AND p.hidden)"
        " ORDER BY hashtext(s.id), s.id LIMIT %(lim)s", {"spare": spare, "lim": lim}).fetchall()
    return [_point(r) for r in rows], total


DENSITY = (90, 56)  # grid cells across and down: the canvas's 900 × 560 pixels in cells of 10


def density(conn: psycopg.Connection, nx: int = DENSITY[0], ny: int = DENSITY[1]) -> dict[str, Any]:
    """How many of the build's points fall in each cell of an ``nx`` × ``ny`` grid over their
    extent: what the map shades beneath its sample, so a million papers still show where they
    all are. ``{x0, y0, x1, y1, nx, ny, cells: [[i, j, n], ...]}`` (non-empty cells only, ``i``
    across from x0, ``j`` up from y0). One pass over topic_papers, cached like the map."""
    active = "FROM topic_papers tp JOIN topics t ON t.id = tp.topic_id WHERE t.active"
    # One statement: the extent read back through Python (float4 printed short) could put the
    # lowest point just outside its own grid.
    rows = conn.execute(
        f"WITH b AS (SELECT min(tp.x) AS x0, min(tp.y) AS y0, greatest(max(tp.x) - min(tp.x), 1e-9) AS w,"  # noqa: S608
        f" greatest(max(tp.y) - min(tp.y), 1e-9) AS h {active})"
        " SELECT b.x0, b.y0, b.w, b.h, c.i, c.j, c.n FROM b LEFT JOIN LATERAL ("
        "  SELECT least(floor((tp.x - b.x0) / b.w * %(nx)s), %(nx)s - 1)::int AS i,"
        "   least(floor((tp.y - b.y0) / b.h * %(ny)s), %(ny)s - 1)::int AS j, count(*) AS n"
        f"  {active} GROUP BY 1, 2) c ON true ORDER BY c.i, c.j", {"nx": nx, "ny": ny}).fetchall()
    if not rows or rows[0]["x0"] is None:
        return {"x0": 0, "y0": 0, "x1": 0, "y1": 0, "nx": nx, "ny": ny, "cells": []}
    x0, y0, w, h = (float(rows[0][k]) for k in ("x0", "y0", "w", "h"))
    return {"x0": x0, "y0": y0, "x1": x0 + w, "y1": y0 + h, "nx": nx, "ny": ny,
            "cells": [[r["i"], r["j"], r["n"]] for r in rows]}


def centres(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Where each active topic's label goes on the map."""
    return [{"id": r["id"], "label": r["label"], "x": round(r["x"], 4), "y": round(r["y"], 4), "size": r["size"]}
            for r in conn.execute("SELECT id, label, x, y, size FROM topics WHERE active ORDER BY size DESC")]


def mine(conn: psycopg.Connection, member_id: int) -> list[str]:
    """The member's own papers (upvoted, saved, in their library) that are on the map."""
    return [r["id"] for r in conn.execute(
        "SELECT DISTINCT tp.paper_id AS id FROM topic_papers tp JOIN topics t ON t.id = tp.topic_id"
        " WHERE t.active AND tp.paper_id IN (SELECT paper_id FROM votes WHERE member_id = %(m)s"
        " UNION SELECT cp.paper_id FROM collection_papers cp JOIN collections c ON c.id = cp.collection_id"
        " WHERE c.member_id = %(m)s UNION SELECT paper_id FROM library_entries WHERE member_id = %(m)s"
        " AND paper_id IS NOT NULL) ORDER BY 1", {"m": member_id})]


def marks(conn: psycopg.Connection, member_id: int, days: int = 14) -> dict[str, list[str]]:
    """What the map marks for a member: ``ids``, their own papers (:func:`mine`), and ``picks``,
    their current For you picks (the first page of /for-you: recommend.recommend over the last
    ``days`` listed days, trending papers for a member without signals yet) that are on the map,
    best first."""
    picked = [p.paper_id for p in recommend.recommend(conn, member_id, limit=PICKS, days=days).items]
    on_map = {r["id"] for r in conn.execute(
        "SELECT tp.paper_id AS id FROM topic_papers tp JOIN topics t ON t.id = tp.topic_id"
        " WHERE t.active AND tp.paper_id = ANY(%s)", (picked,))}
    return {"ids": mine(conn, member_id), "picks": [p for p in picked if p in on_map]}


def detail(conn: psycopg.Connection, topic_id: int, limit: int = 50) -> dict[str, Any] | None:
    """What a topic's page shows: the topic, its papers in trending order, its top authors."""
    topic = one(conn, topic_id)
    if topic is None:
        return None
    return {"topic": topic, "papers": papers(conn, topic_id, limit), "authors": authors(conn, topic_id)}


def overview(conn: psycopg.Connection, since: date | None = None, until: date | None = None) -> dict[str, Any]:
    """What /topics shows besides the map: every topic, the rising ones, the last build."""
    from paperboy.topics.build import last

    topics = listing(conn, since, until)
    return {"topics": topics, "rising": rising(topics), "build": last(conn)}


def feed(conn: psycopg.Connection, topic_id: int, limit: int = 50) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """A topic's feed: the topic (None if it never was) and its newest papers."""
    topic = one(conn, topic_id) if 1 <= topic_id <= 2**62 else None
    return topic, newest(conn, topic_id, limit) if topic else []
