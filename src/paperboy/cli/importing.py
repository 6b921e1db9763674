"""`paperboy import`, and the loading that `paperboy demo` shares with it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from paperboy import config
from paperboy.cli.console import err, fail, open_db, out, when
from paperboy.cli.searching import run_embed, sync_index
from paperboy.db import Database
from paperboy.papers import formats, store
from paperboy.papers.importer import ImportFileError, parse_file, store_result
from paperboy.sources import FORMATS

# paperboy.embeddings (numpy, and torch once a model loads) is imported inside embed_hint,
# so that `paperboy --help` stays fast.

FORMAT_HELP = formats.HELP


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


def embed_hint(db: Database) -> None:
    """Say how many papers still lack a vector, and how to embed them."""
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
        totals = store.StoreStats()
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
        help="Embed the new papers right away (slow: about 40 papers/s on two cores) instead of leaving it to "
             "`paperboy embed` or the background worker of `paperboy serve`.")] = False,
) -> None:
    """Import papers from files: saved HF listing pages, HF daily-papers JSON, arXiv API Atom
    responses, or arXiv metadata JSON Lines.

    The same paper from several files or sources is stored once, keeping the richest value of
    each field; importing a file twice changes nothing. Ends with a summary of new, updated,
    unchanged and rejected papers. Exits with status 1 if any file could not be imported.
    """
    if format not in ("auto", *FORMATS):
        raise fail(f"unknown format {format!r}; use {FORMAT_HELP}", 2)
    # A blank --reference-date has always meant "not given".
    ref = when(reference_date or None, "--reference-date", "2024-10-13")
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise fail(", ".join(f"{p}: no such file or directory" for p in missing), 2)
    with open_db() as db:
        failed = run_import(db, [(f, ref) for f in _expand(paths)], format)
        if embed:
            run_embed(db)
        else:
            embed_hint(db)
    if failed:
        raise typer.Exit(1)
