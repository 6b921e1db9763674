"""Importing files: read, detect, parse (pure), then store in committed batches."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import psycopg

from paperboy.papers import store
from paperboy.papers.record import ParseError, Rejection
from paperboy.sources import ParseResult, detect_format, parse

BATCH = 1000


class ImportFileError(Exception):
    """A file that cannot be imported at all; the message names the file and the reason."""


@dataclass
class FileReport:
    path: str
    format: str
    stats: store.StoreStats = field(default_factory=store.StoreStats)
    rejected: list[Rejection] = field(default_factory=list)
    parsed: int = 0


def read_text(path: Path) -> str:
    """The file's text, gunzipped when it is gzip (by its magic bytes, not its name)."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise ImportFileError(f"{path}: is a directory") from None
    except OSError as e:
        raise ImportFileError(f"{path}: cannot read: {e.strerror or e}") from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            raise ImportFileError(f"{path}: broken gzip file ({e})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ImportFileError(
            f"{path}: not UTF-8 text (byte {e.start}); looks like binary data, not a paper listing"
        ) from None


def parse_file(path: Path, fmt: str = "auto", reference_date: date | None = None) -> tuple[str, ParseResult]:
    """Read and parse one file; raise ImportFileError (one line, naming the file) on failure."""
    text = read_text(path)
    if reference_date is None:
        # A listing page says "Oct 13" without a year: the day the file was saved tells it.
        reference_date = datetime.fromtimestamp(path.stat().st_mtime).date()
    try:
        found = detect_format(path.name, text) if fmt == "auto" else fmt
        return found, parse(found, text, path.name, reference_date)
    except ParseError as e:
        raise ImportFileError(f"{path}: {e}") from None


def store_result(
    conn: psycopg.Connection,
    path: str,
    fmt: str,
    result: ParseResult,
    progress: Callable[[int], None] | None = None,
) -> FileReport:
    """Store parsed papers in batches, each committed on its own, and log the import."""
    report = FileReport(path=path, format=fmt, rejected=list(result.rejected), parsed=len(result.papers))
    with conn.transaction():
        import_id = conn.execute(
            "INSERT INTO imports (path, format) VALUES (%s, %s) RETURNING id", (path, fmt)
        ).fetchone()["id"]
    # Merge a file's repeats first (the same paper listed on several days of one file).
    groups = store.dedupe(result.papers)
    reported = 0  # progress counts input records; spread them over the batches
    for i in range(0, len(groups), BATCH):
        batch = groups[i : i + BATCH]
        report.stats.add(store.store_groups(conn, batch))
        if progress:
            done = len(result.papers) * (i + len(batch)) // len(groups)
            progress(done - reported)
            reported = done
    with conn.transaction():
        conn.execute(
            "UPDATE imports SET finished = now(), new = %s, updated = %s, unchanged = %s,"
            " rejected = %s WHERE id = %s",
            (report.stats.new, report.stats.updated, report.stats.unchanged,
             len(report.rejected), import_id),
        )
    return report
