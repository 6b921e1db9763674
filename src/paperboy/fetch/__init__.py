"""Live ingest: fetch new papers from arXiv and Hugging Face, politely and resumably.

``run_arxiv`` and ``run_hf`` are what `paperboy fetch …` and the schedule inside `serve`
call: each takes its source's lock, logs a run in ``fetch_runs``, fetches, and records how
it ended. A failure ends the run with a one-line reason; whatever pages were stored before
it stay stored, and the next run continues from the saved position.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg

from paperboy.config import Config
from paperboy.db import Database
from paperboy.fetch import arxiv, hf, runs
from paperboy.fetch.client import FetchError, PoliteClient, Stopped

__all__ = ["FetchError", "Outcome", "run_arxiv", "run_hf", "run_due"]
log = logging.getLogger(__name__)


@dataclass
class Outcome:
    source: str
    ok: bool
    notes: list[str]
    error: str | None
    counts: runs.Counts


def _run(db: Database, source: str, params: dict[str, Any], trigger: str,
         work: Callable[[runs.Run], list[str]], client: PoliteClient,
         only_if: Callable[[psycopg.Connection], bool] | None = None) -> Outcome | None:
    with db.connection() as conn:
        run = runs.begin(conn, source, params, trigger, only_if)
        if run is None:
            client.close()
            return None
        errors: list[str] = []
        status, stopped_by = "failed", None
        try:
            errors = work(run)
            status = "failed" if errors else "ok"
        except Stopped as e:
            status, errors = "interrupted", [str(e)]
        except FetchError as e:
            errors = [str(e)]
        except psycopg.Error as e:  # a lost server cannot record anything; otherwise log the run
            if conn.broken:
                raise
            log.exception("%s fetch failed", source)
            errors = [f"database error: {e}"[:300]]
        except Exception as e:  # a bug: log it whole, record it in one line
            log.exception("%s fetch failed", source)
            errors = [f"unexpected error: {e!r}"[:300]]
        except BaseException as e:  # Ctrl+C: record it, then let it through
            status, errors, stopped_by = "interrupted", ["stopped before it finished"], e
        finally:
            client.close()
        error = "; ".join(errors) or None
        run.finish(status, client.requests, error)
        runs.release(conn, source)
        if stopped_by is not None:
            raise stopped_by
        return Outcome(source, status == "ok", run.notes, error, run.counts)


def arxiv_client(cfg: Config, **kw: Any) -> PoliteClient:
    f = cfg.fetch
    return PoliteClient("arXiv", f.arxiv_delay, f.timeout, f.retries, **kw)


def hf_client(cfg: Config, **kw: Any) -> PoliteClient:
    f = cfg.fetch
    return PoliteClient("Hugging Face", f.hf_delay, f.timeout, f.retries, **kw)


def run_arxiv(
    db: Database, cfg: Config, categories: list[str] | tuple[str, ...],
    since: date | None = None, until: date | None = None, page_size: int = arxiv.PAGE_SIZE,
    trigger: str = "command", progress: Callable | None = None,
    only_if: Callable[[psycopg.Connection], bool] | None = None, **client_kw: Any,
) -> Outcome | None:
    """Fetch each category in turn; one that fails does not stop the others."""
    for c in categories:
        arxiv.check_category(c)
    client = arxiv_client(cfg, **client_kw)
    params = {"categories": list(categories), "since": since and since.isoformat(),
              "until": until and until.isoformat()}

    def work(run: runs.Run) -> list[str]:
        errors = []
        for category in categories:
            try:
                arxiv.fetch_category(run, client, cfg.fetch.arxiv_url, category, since, until,
                                     page_size, progress)
            except Stopped:
                raise
            except FetchError as e:
                errors.append(f"{category}: {e}")
                run.notes.append(f"{category}: stopped; the next run continues where it stopped")
        return errors

    return _run(db, "arxiv", params, trigger, work, client, only_if)


def run_hf(
    db: Database, cfg: Config, day: date | None = None, since: date | None = None,
    until: date | None = None, page_size: int = hf.PAGE_SIZE, trigger: str = "command",
    progress: Callable | None = None,
    only_if: Callable[[psycopg.Connection], bool] | None = None, **client_kw: Any,
) -> Outcome | None:
    client = hf_client(cfg, **client_kw)
    params = {"date": day and day.isoformat(), "since": since and since.isoformat(),
              "until": until and until.isoformat()}

    def work(run: runs.Run) -> list[str]:
        hf.fetch_days(run, client, cfg.fetch.hf_url, day, since, until, cfg.fetch.hf_days,
                      page_size, progress)
        return []

    return _run(db, "hf", params, trigger, work, client, only_if)


def describe_interval(seconds: float) -> str:
    """An interval in words.

    >>> describe_interval(21600), describe_interval(90), describe_interval(86400)
    ('6 h', '90 s', '1 d')
    """
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size:g} {unit}"
    return f"{seconds:g} s"


def describe_schedule(cfg: Config) -> str:
    """What the schedule fetches and how often, in one line (status and the admin page)."""
    f = cfg.fetch
    sources = scheduled_sources(cfg)
    what = []
    if "hf" in sources:
        what.append(f"Hugging Face Daily Papers (the last {f.hf_days} days)")
    if "arxiv" in sources:
        what.append("arXiv " + ", ".join(f.categories))
    elif "arxiv" in f.sources:
        what.append("no arXiv categories followed (set PAPERBOY_ARXIV_CATEGORIES)")
    if f.every:
        when = f"every {describe_interval(f.every)} while paperboy serve runs"
    else:
        when = "not scheduled (PAPERBOY_FETCH_EVERY=off): run paperboy fetch all from cron"
    return f"{'; '.join(what) or 'nothing'}; {when}"


def scheduled_sources(cfg: Config) -> list[str]:
    """What the schedule (and `fetch all`) fetches: HF, and arXiv when categories are followed."""
    return [s for s in cfg.fetch.sources if s != "arxiv" or cfg.fetch.categories]


def due(conn: psycopg.Connection, source: str, every: float, now: datetime) -> bool:
    """A source is due when its last run started ``every`` ago; after a failure, sooner
    (a quarter of the interval, at least a minute), so a brief outage costs little; after a
    run that was stopped or killed before it finished (a restart of `serve`), at once: it
    resumes where that run stopped."""
    last = runs.last_started(conn, source)
    status = last and last["status"]
    if status == "running" and source not in runs.running_sources(conn):
        status = "interrupted"  # nobody holds its lock: killed
    conn.commit()
    if last is None or status == "interrupted":
        return True
    wait = every if status in ("ok", "running") else max(60.0, every / 4)
    wait = min(wait, every)
    return now - last["started"] >= timedelta(seconds=wait)


def run_due(db: Database, cfg: Config, stop: threading.Event | None = None,
            now: datetime | None = None) -> list[Outcome]:
    """Run each scheduled source whose time has come (what `serve` calls every little while)."""
    every = cfg.fetch.every
    if every is None:
        return []
    outcomes: list[Outcome] = []
    when = now or datetime.now(UTC)
    for source in scheduled_sources(cfg):
        if stop is not None and stop.is_set():
            break
        with db.connection() as conn:
            if not due(conn, source, every, when):
                continue
        kw: dict[str, Any] = {"trigger": "schedule",
                              "only_if": lambda c, s=source: due(c, s, every, when)}
        if stop is not None:
            kw["sleep"] = stop.wait
        try:
            if source == "arxiv":
                outcome = run_arxiv(db, cfg, cfg.fetch.categories, **kw)
            else:
                outcome = run_hf(db, cfg, **kw)
        except FetchError as e:  # another process holds the lock: it is on it
            log.info("%s", e)
            continue
        except ValueError as e:  # e.g. a followed category that is not one
            log.error("scheduled %s fetch: %s", source, e)
            continue
        if outcome is not None:
            outcomes.append(outcome)
    for o in outcomes:
        level = logging.INFO if o.ok else logging.WARNING
        log.log(level, "scheduled %s fetch: %s%s", o.source, "; ".join(o.notes),
                f" — {o.error}" if o.error else "")
    return outcomes
