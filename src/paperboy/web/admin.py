"""The status page: what the hub holds, what it fetches and when, and how each run went.

Read-only and free of secrets (no settings values beyond the schedule, no addresses), so
it needs no login; it is never cached, and search engines are asked not to index it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from paperboy.web.app import html

router = APIRouter(include_in_schema=False)


@router.get("/admin/status", response_class=HTMLResponse)
def status(request: Request) -> HTMLResponse:
    from paperboy import config, embeddings, fetch
    from paperboy.fetch import runs
    from paperboy.papers import store

    cfg = config.load()
    now = datetime.now(UTC)
    with request.app.state.db.connection() as conn:
        total = store.count(conn)
        pending = embeddings.pending_count(conn)
        latest_day = store.latest_day(conn)
        fetch_runs = runs.latest(conn, 25)
        states = runs.states(conn)
        imports = conn.execute(
            "SELECT path, format, started, finished, new, updated, unchanged, rejected"
            " FROM imports ORDER BY id DESC LIMIT 10").fetchall()
        subs = conn.execute(
            "SELECT count(*) FILTER (WHERE status = 'active') AS active,"
            " count(*) FILTER (WHERE status = 'pending') AS pending FROM subscribers").fetchone()
        upcoming = []
        if cfg.fetch.every:
            for source in fetch.scheduled_sources(cfg):
                last = runs.last_started(conn, source)
                when = last["started"] + timedelta(seconds=cfg.fetch.every) if last else now
                upcoming.append({"source": runs.NAMES[source], "when": max(when, now),
                                 "last": last})
    response = html(request, "admin_status.html", {
        "total": total, "embedded": total - pending, "latest_day": latest_day,
        "runs": fetch_runs, "states": states, "imports": imports, "subs": subs,
        "schedule": fetch.describe_schedule(cfg), "upcoming": upcoming, "names": runs.NAMES,
        "now": now,
    })
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
