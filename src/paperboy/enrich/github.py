"""GitHub stars: the enrichment source ``github``.

A paper's repository is its ``github_repo`` (from Hugging Face's ``githubRepo``, or set by a
member or curator on the paper page), else the first ``github.com/owner/repo`` of its arXiv
comment or abstract (code_links.py); the paper records which (``field_sources.github_repo``).
For each, ``GET {PAPERBOY_GITHUB_URL}/repos/{owner}/{repo}`` (with ``Authorization: Bearer
PAPERBOY_GITHUB_TOKEN`` when set) gives ``stargazers_count``; a renamed repository answers
301 and the client follows it, so the paper's link becomes the new name. The count goes on the
paper (``extra.github_stars``, ``extra.github_stars_week``: the growth over the last 7 days of
the history) and into ``github_star_history`` (one count per repository and day).

A paper is looked at again a day later while it is at most RECENT_DAYS old, a week later after
that; a repository GitHub answers 404 for is marked gone and never asked again (a member or
curator setting another repository queues the paper again).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import psycopg
from psycopg.types.json import Jsonb

from paperboy.config import Config
from paperboy.db import locks
from paperboy.enrich import state
from paperboy.enrich.code_links import found_in, repo_name, repo_url
from paperboy.fetch.client import NotFound, PoliteClient, Retry

NAME = "github"
APPLIES = ("p.github_repo IS NOT NULL OR p.comment ILIKE '%%github.com/%%'"
           " OR p.summary ILIKE '%%github.com/%%'")
RECENT_DAYS = 30
DAILY, WEEKLY = timedelta(days=1), timedelta(days=7)
GONE = "gone"


def per_round(cfg: Config) -> int:
    """About ten minutes of requests a background round: 10 at GitHub's 60 requests an hour
    without a token, 600 at one a second with one."""
    return max(1, int(600 / max(cfg.fetch.github_delay, 1.0)))


def client(cfg: Config, **kw: Any) -> PoliteClient:
    f = cfg.fetch
    c = PoliteClient("GitHub", f.github_delay, f.timeout, f.retries, **kw)
    c.http.headers["Accept"] = "application/vnd.github+json"
    if f.github_token:  # httpx never logs headers; the token is in no message of ours
        c.http.headers["Authorization"] = f"Bearer {f.github_token}"
    return c


def _repo_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise Retry("GitHub's answer is not JSON") from None
    stars = body.get("stargazers_count") if isinstance(body, dict) else None
    if not isinstance(stars, int) or isinstance(stars, bool) or stars < 0 \
            or not isinstance(body.get("full_name"), str) or not repo_name("github.com/" + body["full_name"]):
        raise Retry("GitHub's answer has no repository with a star count")
    return body


def fetch(http: PoliteClient, cfg: Config, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """{paper id: (owner/repo, origin, GitHub's repository object or GONE)}; no repository
    named: left out. A 503 or garbage past the retries raises FetchError (the batch waits)."""
    out: dict[str, Any] = {}
    for row in rows:
        found = found_in(row.get("github_repo"), row.get("comment"), row.get("summary"))
        if found is None:
            continue
        name, origin = found
        try:
            body = http.get(f"{cfg.fetch.github_url}/repos/{name}", check=_repo_body, what=f"repository {name}")
        except NotFound:
            body = GONE
        out[row["id"]] = (name, origin, body)
    return out


def _growth(conn: psycopg.Connection, repo: str, stars: int) -> int:
    """Stars gained over the last 7 days (0 when it lost some): now less the latest count at least a week old, or
    the oldest of the week when the history is younger."""
    row = conn.execute(
        "SELECT coalesce((SELECT stars FROM github_star_history WHERE repo = %(r)s AND day <= current_date - 7"
        " ORDER BY day DESC LIMIT 1), (SELECT stars FROM github_star_history WHERE repo = %(r)s"
        " ORDER BY day LIMIT 1)) AS s", {"r": repo}).fetchone()
    return max(0, stars - row["s"]) if row["s"] is not None else 0  # extra holds counts only


def apply(conn: psycopg.Connection, rows: list[dict[str, Any]], answer: dict[str, Any]) -> dict[str, str | None]:
    locks.xact_lock(conn, locks.STORE_WRITE)
    notes: dict[str, str | None] = {}
    for row in rows:
        if row["id"] not in answer:
            notes[row["id"]] = "no GitHub repository named"
            state.look_again(conn, NAME, row["id"], None)
            continue
        name, origin, body = answer[row["id"]]
        key = name.lower()
        if body == GONE:
            conn.execute("INSERT INTO github_repos (repo, gone) VALUES (%s, true) ON CONFLICT (repo)"
                         " DO UPDATE SET gone = true, checked = now()", (key,))
            notes[row["id"]] = f"{name}: GitHub has no such repository (404); not asked again"
            state.look_again(conn, NAME, row["id"], None)
            continue
        stars, full = body["stargazers_count"], body["full_name"]
        canon = full.lower()  # the history is kept under the name GitHub gives now
        for asked in dict.fromkeys((canon, key)):
            conn.execute("INSERT INTO github_repos (repo, full_name, stars) VALUES (%s, %s, %s) ON CONFLICT (repo)"
                         " DO UPDATE SET full_name = excluded.full_name, stars = excluded.stars, gone = false,"
                         " checked = now()", (asked, full, stars))
        conn.execute("INSERT INTO github_star_history (repo, day, stars) VALUES (%s, current_date, %s)"
                     " ON CONFLICT (repo, day) DO UPDATE SET stars = excluded.stars", (canon, stars))
        extra = {"github_stars": stars, "github_stars_week": _growth(conn, canon, stars),
                 "github_stars_on": date.today().isoformat()}
        sources = {} if origin == "paper" else {"github_repo": origin}
        conn.execute(
            "UPDATE papers SET github_repo = %s, extra = extra || %s, field_sources = field_sources || %s,"
            " modified = now() WHERE id = %s", (repo_url(full), Jsonb(extra), Jsonb(sources), row["id"]))
        notes[row["id"]] = f"{full}: {stars} stars" + (f" (was {name})" if full.lower() != key else "")
        day = row.get("published_at") or row.get("listed_on")
        recent = day is not None and day >= date.today() - timedelta(days=RECENT_DAYS)
        state.look_again(conn, NAME, row["id"], DAILY if recent else WEEKLY)
    return notes
