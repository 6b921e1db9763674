"""Enrichment: completing stored papers from their sources, as a resumable job.

Each :class:`~paperboy.enrich.sources.Source` names the papers it can complete (an SQL
condition), asks its remote service about a batch of them (``fetch``: network only, no
writes) and stores what it learned (``apply``: one transaction that also marks the batch
done). Its per-paper state lives in ``enrich_state`` (state.py): a killed run loses at most
the batch in flight, which stays pending; a failed batch is retried later with growing
delays and never holds up another source. One process at a time talks to a service (a
lease row, state.take), at the service's polite rate (the fetcher's PoliteClient).

``run`` is what `paperboy enrich` and serve's background job call.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg

from paperboy import config
from paperboy.config import Config
from paperboy.db import Database
from paperboy.enrich import state
from paperboy.enrich.sources import SOURCES, Source
from paperboy.fetch.client import FetchError, Stopped

__all__ = ["SOURCES", "Outcome", "Source", "active", "backlog", "discover", "run"]
log = logging.getLogger(__name__)


@dataclass
class Outcome:
    done: dict[str, int] = field(default_factory=dict)  # per source: papers answered for
    failed: dict[str, int] = field(default_factory=dict)  # per source: papers to retry later
    errors: list[str] = field(default_factory=list)  # one line per failed batch or busy service
    stopped: bool = False

    @property
    def papers(self) -> int:
        return sum(self.done.values()) + sum(self.failed.values())


def chosen(names: Sequence[str] | None) -> list[Source]:
    """The sources named (all when None); ValueError naming the unknown one."""
    if not names:
        return list(SOURCES)
    by_name = {s.name: s for s in SOURCES}
    for n in names:
        if n not in by_name:
            raise ValueError(f"unknown enrichment source {n!r} (known: {', '.join(by_name)})")
    return [by_name[n] for n in names]


def active(names: Sequence[str] | None, cfg: Config, ids: Sequence[str] | None = None) -> list[Source]:
    """The sources named (all when None) that the settings leave on: a source turned off
    (PAPERBOY_FULLTEXT=off) works only when named and asked for given papers (``--ids``)."""
    return [s for s in chosen(names)
            if s.scope is None or s.scope(cfg) != "false" or (names and ids is not None)]


def discover(conn: psycopg.Connection, sources: Sequence[Source] | None = None,
             ids: Sequence[str] | None = None, cfg: Config | None = None) -> int:
    """Queue the papers each source can complete and has not seen, and those its ``stale``
    condition calls back (a paper with a newer version). With ``ids``, those papers are queued
    again for every source that applies to them, whatever their state and the source's scope
    (the settings' choice of papers, from ``cfg``: loaded when not given)."""
    sources = sources or SOURCES
    queued = 0
    with conn.transaction():
        for s in sources:
            if ids is not None:
                rows = conn.execute(f"SELECT p.id FROM papers p WHERE p.id = ANY(%s) AND ({s.applies})",  # noqa: S608
                                    (list(ids),)).fetchall()
                queued += state.requeue(conn, s.name, [r["id"] for r in rows])
                continue
            if s.refresh:
                queued += state.requeue_refreshed(conn, s.name)
            where = f"({s.applies}) AND ({s.wanted})"
            if s.scope is not None:
                where += f" AND ({s.scope(cfg or config.load())})"
            queued += conn.execute(
                f"INSERT INTO enrich_state (paper_id, source) SELECT p.id, %(s)s FROM papers p"  # noqa: S608
                f" WHERE {where} AND NOT EXISTS"
                " (SELECT 1 FROM enrich_state e WHERE e.paper_id = p.id AND e.source = %(s)s)"
                " ON CONFLICT DO NOTHING", {"s": s.name}).rowcount
            if s.stale is not None:
                queued += conn.execute(
                    "UPDATE enrich_state e SET status = 'pending', attempts = 0, next_attempt = now(),"  # noqa: S608
                    f" updated = now() FROM papers p WHERE e.paper_id = p.id AND e.source = %(s)s"
                    f" AND e.status <> 'pending' AND {where} AND ({s.stale})", {"s": s.name}).rowcount
    return queued


def backlog(conn: psycopg.Connection) -> dict[str, dict[str, Any]]:
    """Per source: pending (due now), done, failed and the latest error (status, /healthz)."""
    return state.backlog(conn)


def pending(conn: psycopg.Connection, sources: Sequence[Source], ids: Sequence[str] | None) -> int:
    row = conn.execute(
        "SELECT count(*) AS n FROM enrich_state WHERE status = 'pending' AND next_attempt <= now()"
        " AND source = ANY(%s) AND (%s::text[] IS NULL OR paper_id = ANY(%s))",
        ([s.name for s in sources], ids and list(ids), ids and list(ids))).fetchone()
    conn.commit()
    return row["n"]


def run(db: Database, cfg: Config, *, sources: Sequence[str] | None = None, limit: int | None = None,
        ids: Sequence[str] | None = None, progress: Callable[[str, int], None] | None = None,
        stop: threading.Event | None = None, background: bool = False, **client_kw: Any) -> Outcome:
    """Queue what is missing, then work through what is due, source by source, a batch at a
    time (at most ``limit`` papers in all; only ``ids`` when given). ``progress(source, n)``
    is told of every batch answered. Ends early, between two requests, when ``stop`` is set.
    ``background`` (serve's rounds): each source asks about at most its ``per_round`` papers."""
    todo = active(sources or cfg.fetch.enrich_sources or None, cfg, ids)
    outcome = Outcome()
    if stop is not None:
        client_kw.setdefault("sleep", stop.wait)
    with db.connection() as conn:
        discover(conn, todo, ids, cfg)
        by_service: dict[str, list[Source]] = {}
        for s in todo:
            by_service.setdefault(s.service, []).append(s)
        for service, group in by_service.items():
            if stop is not None and stop.is_set() or outcome.stopped:
                break
            conn.commit()
            lease = state.take(conn, service)
            if lease is None:
                outcome.errors.append(f"{service}: another process ({state.holder_of(conn, service)}) "
                                      "is enriching from it; its papers are left to that process")
                conn.commit()
                continue
            client = group[0].client(cfg, **client_kw)
            try:
                for s in group:
                    if background and s.per_round is not None:
                        most = s.per_round(cfg) if limit is None else min(limit, s.per_round(cfg))
                        left = _work(conn, cfg, s, client, lease, outcome, most, ids, progress, stop)
                        limit = None if limit is None else limit - (most - (left or 0))
                    else:
                        limit = _work(conn, cfg, s, client, lease, outcome, limit, ids, progress, stop)
                    if outcome.stopped or limit == 0:
                        break
            finally:
                client.close()
                conn.rollback()
                state.release(conn, lease)
    return outcome


def _work(conn: psycopg.Connection, cfg: Config, s: Source, client, lease: state.Lease, outcome: Outcome,
          limit: int | None, ids: Sequence[str] | None, progress, stop) -> int | None:
    """Work through one source's due papers; returns what is left of ``limit``."""
    seen: set[str] = set()  # a paper retried later in this run is not asked again now
    while limit is None or limit > 0:
        if stop is not None and stop.is_set():
            outcome.stopped = True
            break
        with conn.transaction():
            if not state.renew(conn, lease):
                outcome.errors.append(f"{s.name}: the lease on {s.service} was taken over; stopping")
                break
            size = s.batch if limit is None else min(s.batch, limit)
            due = [i for i in state.due(conn, s.name, size + len(seen), ids) if i not in seen][:size]
            rows = conn.execute("SELECT * FROM papers WHERE id = ANY(%s) ORDER BY id", (due,)).fetchall()
        if not rows:
            break
        seen.update(r["id"] for r in rows)
        try:
            answer = s.fetch(client, cfg, rows)
        except Stopped:
            outcome.stopped = True  # the batch stays pending as it was: no attempt counted
            break
        except FetchError as e:
            _failed(conn, s, rows, str(e), outcome)
        except Exception as e:  # a bug or a surprise answer: this batch waits, the job goes on
            log.exception("enrichment from %s failed", s.name)
            _failed(conn, s, rows, f"unexpected error: {e!r}", outcome)
        else:
            try:
                with conn.transaction():
                    notes = s.apply(conn, rows, answer)
                    for pid, note in notes.items():
                        if note is not None:
                            state.done(conn, s.name, pid, note)
                    missed = [r["id"] for r in rows if notes.get(r["id"]) is None]
                    if missed:
                        state.failed(conn, s.name, missed, s.missing_error)
            except psycopg.Error as e:
                if conn.broken:  # the database is gone: nothing can be recorded
                    raise
                log.exception("storing what %s answered failed", s.name)
                _failed(conn, s, rows, f"database error: {e}"[:300], outcome)
            except Exception as e:  # a bug over a surprise answer: rolled back, retried later
                log.exception("storing what %s answered failed", s.name)
                _failed(conn, s, rows, f"unexpected error: {e!r}"[:300], outcome)
            else:
                _count(outcome.done, s.name, len(rows) - len(missed))
                _count(outcome.failed, s.name, len(missed))
        if limit is not None:
            limit -= len(rows)
        if progress:
            progress(s.name, len(rows))
    return limit


def _failed(conn: psycopg.Connection, s: Source, rows: list[dict[str, Any]], error: str, outcome: Outcome) -> None:
    log.warning("enrichment from %s: %s (papers %s; retried later)", s.name, error,
                ", ".join(r["id"] for r in rows[:5]) + (" …" if len(rows) > 5 else ""))
    with conn.transaction():
        state.failed(conn, s.name, [r["id"] for r in rows], error)
    _count(outcome.failed, s.name, len(rows))
    outcome.errors.append(f"{s.name}: {error}")


def _count(counts: dict[str, int], name: str, n: int) -> None:
    if n:
        counts[name] = counts.get(name, 0) + n
