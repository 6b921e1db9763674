"""The status report shared by `paperboy status` and /admin/status (and its JSON twin).

What the hub holds, how far the derived state (vectors, this node's keyword index) has got,
the digest subscribers and queue, what is fetched and when, how the latest fetch runs went
and the latest imports. Read-only: gathering it changes nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from paperboy import embeddings, enrich, fetch
from paperboy.config import DB_MEMORY, Config
from paperboy.digest import subscriptions
from paperboy.fetch import runs
from paperboy.fulltext import budget
from paperboy.papers import store
from paperboy.passages.index import PassageIndex, passage_dir
from paperboy.search.keyword import KeywordIndex, index_dir

# Where this host keeps things: fine on the owner's terminal, kept off the public page.
PRIVATE = ("database", "index_path")


@dataclass
class Status:
    database: str  # where the data is: DATABASE_URL or the embedded server's folder
    papers: int
    latest_day: date | None  # the latest day with a listing
    embedded: int
    pending_embedding: int  # papers with no vector from the current model
    index_path: Path
    index_behind: int  # papers changed since this node's keyword index last synced
    subscribers_active: int
    subscribers_pending: int  # awaiting confirmation
    outbox_queued: int  # messages not sent yet
    schedule: str  # the fetch schedule in words
    upcoming: list[dict[str, Any]]  # per scheduled source: its name, the next run, the last start
    fetch_runs: list[dict[str, Any]]  # newest first
    fetch_states: list[dict[str, Any]]  # where each fetch stands (resume points)
    imports: list[dict[str, Any]]  # newest first
    now: datetime
    db_memory: list[dict[str, Any]]  # the server's memory settings now (server_memory)
    enrichment: dict[str, dict[str, Any]] = field(default_factory=dict)  # per source: enrich.backlog
    fulltext: dict[str, int] = field(default_factory=dict)  # texts stored/none/evicted, bytes, budget (fulltext/budget.py)
    passages_behind: int = 0  # full texts changed since this node's passage index last synced

    def public(self) -> dict[str, Any]:
        """The report as a dict, without what only the host's owner should see."""
        return {k: v for k, v in asdict(self).items() if k not in PRIVATE}


def report(conn: psycopg.Connection, cfg: Config, *, index: KeywordIndex | None = None,
           fetch_runs: int = 10, imports: int = 10, now: datetime | None = None) -> Status:
    """The status now. ``index`` is this process's keyword index (default: the one in
    PAPERBOY_HOME); ``fetch_runs`` and ``imports`` say how many of the latest to list."""
    now = now or datetime.now(UTC)
    index = index or KeywordIndex(index_dir(cfg.home, conn))
    papers = store.count(conn)
    pending = embeddings.pending_count(conn)
    subs = subscriptions.counts(conn)
    return Status(
        database="DATABASE_URL" if cfg.database_url else f"embedded server in {cfg.home / 'pgdata'}",
        papers=papers,
        latest_day=store.latest_day(conn),
        embedded=papers - pending,
        pending_embedding=pending,
        index_path=index.path,
        index_behind=index.behind(conn),
        subscribers_active=subs["active"],
        subscribers_pending=subs["pending"],
        outbox_queued=conn.execute(
            "SELECT count(*) AS n FROM outbox WHERE status = 'pending'").fetchone()["n"],
        schedule=fetch.describe_schedule(cfg),
        upcoming=_upcoming(conn, cfg, now),
        fetch_runs=runs.latest(conn, fetch_runs),
        fetch_states=runs.states(conn),
        imports=conn.execute(
            "SELECT path, format, started, finished, new, updated, unchanged, rejected"
            " FROM imports ORDER BY id DESC LIMIT %s", (imports,)).fetchall(),
        now=now,
        db_memory=server_memory(conn, cfg),
        enrichment=enrich.backlog(conn),
        fulltext=budget.summary(conn, cfg.fetch.fulltext_max_bytes),
        passages_behind=PassageIndex(passage_dir(cfg.home, conn)).behind(conn),
    )


def _upcoming(conn: psycopg.Connection, cfg: Config, now: datetime) -> list[dict[str, Any]]:
    """When each scheduled source runs next: one interval after its last start, or now when
    that is past (or it never ran); nothing when the schedule is off."""
    if not cfg.fetch.every:
        return []
    upcoming = []
    for source in fetch.scheduled_sources(cfg):
        last = runs.last_started(conn, source)
        when = last["started"] + timedelta(seconds=cfg.fetch.every) if last else now
        upcoming.append({"source": runs.NAMES[source], "when": max(when, now), "last": last})
    return upcoming


def server_memory(conn: psycopg.Connection, cfg: Config) -> list[dict[str, Any]]:
    """The memory settings the server uses now (``value``, as SHOW says it), and where each
    came from (``origin``): auto (``why``: how it was sized) or the PAPERBOY_DB_* setting for
    the embedded server; "server" for an external one (its admin's) or a value set with ALTER
    SYSTEM. ``pending``: the value paperboy.conf holds, waiting for the server's next start."""
    from paperboy.db import tuning

    rows = conn.execute(
        "SELECT name, current_setting(name) AS value, pending_restart, source, sourcefile"
        " FROM pg_settings WHERE name = ANY(%s)", (list(DB_MEMORY),)).fetchall()
    planned = {} if cfg.database_url else {
        s.name: s for s in tuning.plan(tuning.machine(), cfg.db_memory)}
    out = []
    for row in sorted(rows, key=lambda r: list(DB_MEMORY).index(r["name"])):
        entry = {"name": row["name"], "value": row["value"], "origin": "server", "why": "",
                 "pending": None}
        ours = planned.get(row["name"])
        # sourcefile is hidden from roles without pg_read_all_settings: then trust the source
        from_file = (row["sourcefile"] or "").endswith("/paperboy.conf") or (
            not row["sourcefile"] and row["source"] == "configuration file")
        if ours and (from_file or row["pending_restart"]):
            entry.update(origin=ours.origin, why=ours.why)
            if row["pending_restart"]:
                entry["pending"] = ours.value
        elif ours:  # the embedded server, but not from paperboy.conf: ALTER SYSTEM, say
            entry["origin"] = (f"set in {Path(row['sourcefile']).name}" if row["sourcefile"]
                               else row["source"])
        out.append(entry)
    return out
