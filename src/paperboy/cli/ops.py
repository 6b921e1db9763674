"""`paperboy backup` and `paperboy restore`: the whole instance to one file and back."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from paperboy import config
from paperboy.cli.console import err, fail, open_db, out, progress_bar
from paperboy.db import DatabaseError
from paperboy.db.connect import reachable_url
from paperboy.ops import backup as backups


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def _bar(bar, verb: str):
    task = bar.add_task(verb, total=None, rate="")

    def on_table(name: str, total: int) -> None:
        bar.update(task, total=total, description=f"{verb} {name}")
        bar.advance(task)
    return on_table


def backup(
    file: Annotated[Path | None, typer.Argument(
        help="Where to write the backup (default: paperboy-YYYYMMDD-HHMMSS.dump here).")] = None,
) -> None:
    """Back up the whole instance into one file: papers and their vectors, members, votes,
    comments, collections, libraries, subscriptions, the outbox, fetch state and For you
    models, from one consistent snapshot taken while paperboy keeps running (PostgreSQL's
    pg_dump, custom format). The keyword index is not included: it is rebuilt from the data."""
    file = file or Path(f"paperboy-{datetime.now():%Y%m%d-%H%M%S}.dump")
    if file.exists():
        raise fail(f"{file} exists already: choose another name, or delete it first", 2)
    if not file.expanduser().resolve().parent.is_dir():
        raise fail(f"{file.parent} is not a folder", 2)
    try:
        url = reachable_url(config.load())
        with progress_bar() as bar:
            done = backups.backup(url, file, on_table=_bar(bar, "backing up"))
    except DatabaseError as e:  # the server: cannot log in, not reachable (one line)
        raise fail(str(e), 2) from None
    except backups.BackupError as e:
        raise fail(str(e), 1) from None
    out.print(f"backed up {done.tables} tables (schema version {done.schema}) into "
              f"[bold]{done.file}[/] · {_size(done.bytes)} in {done.seconds:.1f} s", highlight=False)


def restore(
    file: Annotated[Path, typer.Argument(help="A file written by `paperboy backup`.")],
    force: Annotated[bool, typer.Option(
        "--force", help="Replace an instance that holds data (everything in it is lost).")] = False,
) -> None:
    """Restore a backup into this instance (PAPERBOY_HOME's embedded server, or
    DATABASE_URL), then migrate it if an older paperboy made it and rebuild the keyword
    index. An instance holding data is refused unless --force. The restore runs in one
    transaction: if it fails or is stopped, the instance is as it was."""
    cfg = config.load()
    try:
        url = reachable_url(cfg)
        with progress_bar() as bar:
            done = backups.restore(url, file, force=force, on_table=_bar(bar, "restoring"))
    except DatabaseError as e:  # the server: cannot log in, not reachable (one line)
        raise fail(str(e), 2) from None
    except backups.BackupError as e:
        raise fail(str(e), 1) from None
    out.print(f"restored {done.tables} tables from [bold]{done.file}[/] in {done.seconds:.1f} s",
              highlight=False)
    _rebuild_index(cfg)


def _rebuild_index(cfg: config.Config) -> None:
    from paperboy.cli.searching import sync_index
    from paperboy.search.keyword import index_dir, prune_others

    with open_db() as db:
        with db.connection() as conn:
            path = index_dir(cfg.home, conn)
        prune_others(path)
        err.print("[dim]rebuilding the keyword index[/]")
        sync_index(db)
    out.print("keyword index rebuilt; other web nodes build theirs when they next start")
