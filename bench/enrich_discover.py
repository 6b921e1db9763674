"""What enrichment's bookkeeping costs on a big hub: queueing (a scan of papers against
enrich_state), the steady-state look with nothing new, the backlog status and /healthz read,
and picking a due batch.

    .venv/bin/python bench/enrich_discover.py [--size 300000] [--home DIR]

Papers are made in SQL (generate_series): half as a Daily Papers scrape leaves them (an arXiv
id, no date, one author), a quarter complete (as an arXiv fetch stores them), a quarter without
an id (saved pages).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from common import fresh_database  # noqa: E402
from paperboy import enrich  # noqa: E402
from paperboy.enrich import state  # noqa: E402

FILL = """
INSERT INTO papers (id, arxiv_id, title, title_key, authors, authors_complete, published_at, updated_at, categories, version)
SELECT CASE WHEN n %% 4 = 3 THEN 't-' || n ELSE '26' || lpad((n / 100000)::text, 2, '0') || '.' || lpad((n %% 100000)::text, 5, '0') END,
       CASE WHEN n %% 4 = 3 THEN NULL ELSE '26' || lpad((n / 100000)::text, 2, '0') || '.' || lpad((n %% 100000)::text, 5, '0') END,
       'Paper number ' || n, 'paper number ' || n, ARRAY['A. Author'], n %% 4 = 2,
       CASE WHEN n %% 4 = 2 THEN date '2026-01-01' END, CASE WHEN n %% 4 = 2 THEN date '2026-01-01' END, CASE WHEN n %% 4 = 2 THEN ARRAY['cs.CL'] ELSE '{}' END,
       CASE WHEN n %% 4 = 2 THEN 1 END
FROM generate_series(0, %s - 1) n
"""


def timed(what: str, f):
    start = time.perf_counter()
    value = f()
    print(f"{what}: {time.perf_counter() - start:.2f} s ({value})", flush=True)
    return value


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=300_000)
    ap.add_argument("--home", type=Path)
    args = ap.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="pb-enrich-bench-"))
    url = fresh_database(home, "enrich_bench")
    with psycopg.connect(url, row_factory=dict_row) as conn:
        timed(f"make {args.size:,} papers", lambda: conn.execute(FILL, (args.size,)).rowcount)
        conn.commit()
        conn.execute("ANALYZE papers")
        conn.commit()
        timed("queue (first look)", lambda: enrich.discover(conn))
        timed("queue again (nothing new)", lambda: enrich.discover(conn))
        timed("backlog (status, /healthz)", lambda: state.backlog(conn))
        timed("pick a due batch of 100", lambda: len(state.due(conn, "arxiv", 100)))
        conn.commit()


if __name__ == "__main__":
    main()
