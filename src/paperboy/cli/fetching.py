"""`paperboy fetch arxiv`, `fetch hf` and `fetch all`: fetch new papers now (serve does it on
its schedule)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import Progress

from paperboy import config
from paperboy.cli.console import date_range, err, fail, open_db, out, progress_bar, when
from paperboy.cli.importing import embed_hint
from paperboy.cli.searching import sync_index
from paperboy.db import Database

# paperboy.fetch (httpx, the parsers) is imported inside the commands, so that
# `paperboy --help` stays fast.

app = typer.Typer(
    help="Fetch new papers from arXiv (the categories this instance follows) and Hugging Face "
    "Daily Papers. `paperboy serve` does this on its own schedule (PAPERBOY_FETCH_EVERY); these "
    "commands run a fetch now, e.g. from cron. Every run is logged: see `paperboy status`.",
    no_args_is_help=True)


def _report(outcome) -> bool:
    """Print how a fetch run ended; True when it succeeded."""
    from paperboy.fetch.runs import NAMES

    if outcome is None:
        return True
    for note in outcome.notes:
        out.print(f"{NAMES[outcome.source]}: {note}", highlight=False, soft_wrap=True)
    if outcome.error:
        err.print(f"[bold red]error:[/] {NAMES[outcome.source]} fetch stopped: {outcome.error}",
                  highlight=False, soft_wrap=True)
        err.print("What was fetched before that is stored; run the same command again to continue "
                  "from where it stopped.")
    return outcome.ok


def _fetch_progress(bar: Progress, unit: str):
    """A progress callback: one bar per arXiv category ("results"), or one for all HF days."""
    tasks: dict[str, int] = {}

    def progress(what, done: int, total: int | None) -> None:
        key = str(what) if unit == "results" else "days"
        if key not in tasks:
            label = f"{what}" if unit == "results" else "Hugging Face days"
            tasks[key] = bar.add_task(label, total=total, rate="")
        bar.update(tasks[key], completed=done, total=total)

    return progress


def _retry_note(reason: str, pause: float) -> None:
    err.print(f"[yellow]retrying in {pause:.1f} s:[/] {reason}" if pause < 10 else
              f"[yellow]retrying in {pause:.0f} s:[/] {reason}", highlight=False, soft_wrap=True)


def _after_fetch(db: Database, outcomes) -> None:
    if any(o and (o.counts.new or o.counts.updated) for o in outcomes):
        sync_index(db)
        embed_hint(db)


def _fetch_now(run) -> None:
    """Run one fetch with a progress bar, report how it went; exit 1 if it failed."""
    from paperboy.fetch import FetchError

    with open_db() as db:
        with progress_bar() as bar:
            try:
                outcome = run(db, bar)
            except FetchError as e:
                raise fail(str(e)) from None
        ok = _report(outcome)
        _after_fetch(db, [outcome])
    if not ok:
        raise typer.Exit(1)


CategoryOpt = Annotated[list[str] | None, typer.Option(
    "--category", "-c", help="An arXiv category to fetch, e.g. cs.CL (repeat for more). "
    "Default: the followed ones, PAPERBOY_ARXIV_CATEGORIES.")]
SinceOpt = Annotated[str | None, typer.Option(
    "--since", help="Fetch from this day (YYYY-MM-DD) on, instead of from where the last run ended.")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Up to and including this day "
                                                               "(default: now).")]


@app.command("arxiv")
def arxiv(
    category: CategoryOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    page_size: Annotated[int, typer.Option(min=1, max=2000, help="Results per request.")] = 200,
) -> None:
    """Fetch new and updated papers in arXiv categories from the arXiv API.

    Each run continues from where the last one ended (the first run of a category reads its
    last two days), one request at a time with PAPERBOY_ARXIV_DELAY seconds between them, and
    retries timeouts, 429 and 5xx with backoff. A run that dies is resumed by the next one.
    New versions update a paper; withdrawn papers are marked. Exit status 1 if it failed.
    """
    from paperboy import fetch
    from paperboy.fetch import arxiv as arxiv_api

    cfg = config.load()
    categories = list(dict.fromkeys(category or cfg.fetch.categories))
    if not categories:
        raise fail("no categories: give --category cs.CL (repeatable), or follow some with "
                   "PAPERBOY_ARXIV_CATEGORIES=\"cs.CL cs.CV\"", 2)
    for c in categories:
        try:
            arxiv_api.check_category(c)
        except ValueError as e:
            raise fail(str(e), 2) from None
    start, end = date_range(since, until)
    _fetch_now(lambda db, bar: fetch.run_arxiv(
        db, cfg, categories, start, end, page_size, progress=_fetch_progress(bar, "results"),
        on_retry=_retry_note))


@app.command("hf")
def hf(
    date_: Annotated[str | None, typer.Option("--date", help="Fetch only this day (YYYY-MM-DD).")] = None,
    since: Annotated[str | None, typer.Option(
        "--since", help="Fetch every day from this one (YYYY-MM-DD) to --until or today.")] = None,
    until: UntilOpt = None,
    page_size: Annotated[int, typer.Option(min=1, max=100, help="Papers per request.")] = 50,
) -> None:
    """Fetch Hugging Face Daily Papers: the curated list of each day, with upvotes, submitter,
    GitHub repository and stars, and AI keywords.

    Without --date or --since, reads the last PAPERBOY_HF_DAYS days (default 3) again, so their
    upvote counts stay current (trending uses their growth), and any days missed since the last
    run. Days with no list (weekends, holidays) are reported, not errors.
    """
    from paperboy import fetch

    if date_ and since:
        raise fail("give --date or --since, not both", 2)
    cfg = config.load()
    day = when(date_, "--date")
    start, end = date_range(since, until)
    _fetch_now(lambda db, bar: fetch.run_hf(
        db, cfg, day, start, end, page_size, progress=_fetch_progress(bar, "days"),
        on_retry=_retry_note))


@app.command("all")
def all_() -> None:
    """Fetch everything the schedule would (Hugging Face, then the followed arXiv categories),
    whatever the time: the command to put in cron with PAPERBOY_FETCH_EVERY=off."""
    from paperboy import fetch

    cfg = config.load()
    sources = fetch.scheduled_sources(cfg)
    if not sources:
        raise fail("nothing to fetch: PAPERBOY_FETCH_SOURCES names no source (or only arxiv, "
                   "with no PAPERBOY_ARXIV_CATEGORIES)", 2)
    outcomes = []
    with open_db() as db:
        for source in sources:
            with progress_bar() as bar:
                try:
                    if source == "hf":
                        outcomes.append(fetch.run_hf(db, cfg, progress=_fetch_progress(bar, "days"),
                                                     on_retry=_retry_note))
                    else:
                        outcomes.append(fetch.run_arxiv(
                            db, cfg, cfg.fetch.categories, progress=_fetch_progress(bar, "results"),
                            on_retry=_retry_note))
                except fetch.FetchError as e:
                    err.print(f"[bold red]error:[/] {e}", highlight=False, soft_wrap=True)
                    outcomes.append(None)
                    continue
                except ValueError as e:
                    raise fail(str(e), 2) from None
        ok = [_report(o) if o else False for o in outcomes]
        _after_fetch(db, outcomes)
    if not all(ok):
        raise typer.Exit(1)
