"""Importing files: read, detect, parse (pure), then store in committed batches."""

from __future__ import annotations

import gzip
import logging
import stat
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

import psycopg

from paperboy.papers import store
from paperboy.papers.record import ParseError, Rejection
from paperboy.sources import ParseResult, detect_format, parse

BATCH = 1000
MAX_BYTES = 1024 * 1024 * 1024  # PAPERBOY_IMPORT_MAX_MB's default
log = logging.getLogger(__name__)


class ImportFileError(Exception):
    """A file that cannot be imported at all; the message names the file and the reason."""


@dataclass
class FileReport:
    path: str
    format: str
    stats: store.StoreStats = field(default_factory=store.StoreStats)
    rejected: list[Rejection] = field(default_factory=list)
    parsed: int = 0


def read_text(path: Path, max_bytes: int = MAX_BYTES) -> str:
    """The file's text, gunzipped when it is gzip (by its magic bytes, not its name).

    Only regular files are read (a FIFO or a device would block or never end), and at most
    ``max_bytes`` of text, counted after decompressing: a gzip bomb stops at the cap instead
    of filling memory.
    """
    try:
        mode = path.stat().st_mode
    except OSError as e:
        raise ImportFileError(f"{path}: cannot read: {e.strerror or e}") from None
    if stat.S_ISDIR(mode):
        raise ImportFileError(f"{path}: is a directory")
    if not stat.S_ISREG(mode):
        raise ImportFileError(f"{path}: not a regular file (a pipe, device or socket); "
                              "save what it holds to a file and import that")
    gz = False
    try:
        with path.open("rb") as f:
            gz = f.read(2) == b"\x1f\x8b"
            f.seek(0)
            stream: BinaryIO = gzip.GzipFile(fileobj=f, mode="rb") if gz else f  # type: ignore[assignment]
            data = stream.read(max_bytes + 1)
    except (EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise ImportFileError(f"{path}: broken gzip file ({e})") from None
    except OSError as e:
        if gz:
            raise ImportFileError(f"{path}: broken gzip file ({e})") from None
        raise ImportFileError(f"{path}: cannot read: {e.strerror or e}") from None
    if len(data) > max_bytes:
        what = "decompresses to" if gz else "holds"
        raise ImportFileError(
            f"{path}: {what} more than {max_bytes // 2**20:,} MB of text; split it, or raise "
            "PAPERBOY_IMPORT_MAX_MB if it really is that large"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ImportFileError(
            f"{path}: not UTF-8 text (byte {e.start}); looks like binary data, not a paper listing"
        ) from None


def parse_file(path: Path, fmt: str = "auto", reference_date: date | None = None,
               max_bytes: int = MAX_BYTES) -> tuple[str, ParseResult]:
    """Read and parse one file; raise ImportFileError (one line, naming the file) on failure."""
    text = read_text(path, max_bytes)
    if reference_date is None:
        # A listing page says "Oct 13" without a year: the day the file was saved tells it.
        reference_date = datetime.fromtimestamp(path.stat().st_mtime).date()
    try:
        found = detect_format(path.name, text) if fmt == "auto" else fmt
        return found, parse(found, text, path.name, reference_date)
    except ParseError as e:
        raise ImportFileError(f"{path}: {e}") from None


# What the database may still refuse in one paper although the record passed its checks
# (a rule we have not met yet), or a stored copy that no longer passes them (ValueError when
# it is read back to merge): that paper is rejected, never the batch around it.
_ROW_ERRORS = (psycopg.DataError, psycopg.IntegrityError, psycopg.errors.ProgramLimitExceeded,
               ValueError)


def _store_batch(conn: psycopg.Connection, batch: list[store.Group],
                 report: FileReport) -> store.StoreStats:
    """Store one batch; if the database refuses it, store its papers one by one and reject
    only those it refuses, each named."""
    try:
        return store.store_groups(conn, batch)
    except _ROW_ERRORS:
        pass
    stats = store.StoreStats()
    for group in batch:
        try:
            stats.add(store.store_groups(conn, [group]))
        except _ROW_ERRORS as e:
            reason = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
            report.rejected.append(Rejection(f"paper {group[0].id}", f"could not be stored: {reason}"))
            log.warning("import: paper %s could not be stored: %s", group[0].id, reason)
    return stats


def store_result(
    conn: psycopg.Connection,
    path: str,
    fmt: str,
    result: ParseResult,
    progress: Callable[[int], None] | None = None,
) -> FileReport:
    """Store parsed papers in batches, each committed on its own together with the import
    log's counts so far (a killed import reads as far as it got), and log the import."""
    report = FileReport(path=path, format=fmt, rejected=list(result.rejected), parsed=len(result.papers))
    with conn.transaction():
        import_id = conn.execute(
            "INSERT INTO imports (path, format, rejected) VALUES (%s, %s, %s) RETURNING id",
            (path, fmt, len(report.rejected)),
        ).fetchone()["id"]
    # Merge a file's repeats first (the same paper listed on several days of one file).
    groups = store.dedupe(result.papers)
    reported = 0  # progress counts input records; spread them over the batches
    for i in range(0, len(groups), BATCH):
        batch = groups[i : i + BATCH]
        with conn.transaction():  # the batch (a savepoint inside) and its counts, at once
            report.stats.add(_store_batch(conn, batch, report))
            _log_counts(conn, import_id, report, finished=False)
        if progress:
            done = len(result.papers) * (i + len(batch)) // len(groups)
            progress(done - reported)
            reported = done
    with conn.transaction():
        _log_counts(conn, import_id, report, finished=True)
    return report


def _log_counts(conn: psycopg.Connection, import_id: int, report: FileReport, finished: bool) -> None:
    conn.execute(
        "UPDATE imports SET new = %s, updated = %s, unchanged = %s, rejected = %s,"
        " finished = CASE WHEN %s THEN now() END WHERE id = %s",
        (report.stats.new, report.stats.updated, report.stats.unchanged,
         len(report.rejected), finished, import_id),
    )
