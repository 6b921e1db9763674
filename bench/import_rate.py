"""Measure import speed: the 74,728-paper arXiv jsonl.gz into a fresh database (no embeddings).

Run by hand:  .venv/bin/python bench/import_rate.py [PATH]
Starts a throwaway embedded PostgreSQL in a temporary directory, so it touches nothing of yours.
Prints papers/s for parsing alone, for storing alone, and end to end; then re-imports the same
file (every paper unchanged) and reports that rate too.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from common import fresh_database  # bench/common.py (scripts run from bench/)
from paperboy.db import Database
from paperboy.papers.importer import parse_file, store_result

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "arxiv-cs-2025-2026.jsonl.gz"


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    if not path.exists():
        sys.exit(f"no such file: {path} (pass the jsonl.gz path as the first argument)")
    with tempfile.TemporaryDirectory() as home:
        url = fresh_database(Path(home))
        db = Database(url).open()

        t0 = time.perf_counter()
        fmt, result = parse_file(path)
        t1 = time.perf_counter()
        with db.connection() as conn:
            first = store_result(conn, str(path), fmt, result)
            t2 = time.perf_counter()
            again = store_result(conn, str(path), fmt, result)
            t3 = time.perf_counter()
            stored = conn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"]
        db.close()

    n = len(result.papers)
    print(f"file: {path.name}  records: {n}  stored papers: {stored}  rejected: {len(result.rejected)}")
    print(f"parse (read + gunzip + parse):   {t1 - t0:7.2f} s  {n / (t1 - t0):9.0f} papers/s")
    print(f"store (dedupe + merge + write):  {t2 - t1:7.2f} s  {n / (t2 - t1):9.0f} papers/s")
    print(f"end to end, first import:        {t2 - t0:7.2f} s  {n / (t2 - t0):9.0f} papers/s"
          f"  (new {first.stats.new})")
    print(f"re-import, all unchanged:        {t3 - t2:7.2f} s  {n / (t3 - t2):9.0f} papers/s"
          f"  (unchanged {again.stats.unchanged})")


if __name__ == "__main__":
    main()
