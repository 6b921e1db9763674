"""What every verb shares: the two consoles, failing with a message, the progress bar,
opening the database, and reading a date option."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal, overload

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from paperboy import config
from paperboy.db import Database, DatabaseError, open_database
from paperboy.papers import limits

out = Console()
err = Console(stderr=True)  # errors, notes and progress: stdout stays clean for pipes (--json)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error; the caller raises what this returns (so type checkers see the exit)."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def open_db(later: bool = False) -> Database:
    """The database, or exit 2 with the reason (never a traceback). ``later``: serve builds
    concurrent indexes in the background (db/migrate.py)."""
    try:
        return open_database(config.load(), later=later)
    except DatabaseError as e:
        raise fail(str(e), 2) from None


def progress_bar(**extra) -> Progress:
    """The progress bar every long job shows on the terminal (on stderr)."""
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TimeRemainingColumn(),
        console=err, transient=True, **extra,
    )


@overload
def when(value: str | None, option: str, like: str, *, time: Literal[True]) -> datetime | None: ...
@overload
def when(value: str | None, option: str, like: str = ..., *, time: Literal[False] = ...,
         paper_dates: bool = ...) -> date | None: ...
def when(value: str | None, option: str, like: str = "2026-11-20", *, time: bool = False,
         paper_dates: bool = False) -> date | datetime | None:
    """The ISO date (or, with ``time``, date and time, UTC unless it says otherwise) of an
    option, None when it was not given; else exit 2 naming the option and an example
    (``like``). ``paper_dates`` also refuses days no paper can have (a search filter)."""
    if value is None:
        return None
    try:
        parsed: date = datetime.fromisoformat(value) if time else date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} {value!r} is not {'a time' if time else 'a date'} like {like}", 2) from None
    if isinstance(parsed, datetime) and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if paper_dates and not limits.plausible_date(parsed):
        raise fail(f"{option} {value} is outside the dates papers have ({limits.DATE_RANGE})", 2)
    return parsed


def date_range(since: str | None, until: str | None) -> tuple[date | None, date | None]:
    """The --since/--until days of a fetch; exit 2 when --until comes before --since."""
    start, end = when(since, "--since"), when(until, "--until")
    if start and end and end < start:
        raise fail("--until is before --since", 2)
    return start, end
