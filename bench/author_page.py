"""Latency of author pages under the feed's load: p50/p95 of `/authors/{name}` and
`/api/authors/{name}` while other clients read `/` and `/api/daily_papers`.

Run by hand:  .venv/bin/python bench/author_page.py [--clients 20] [--seconds 15] [--authors 2000]
                  [--workers 2] [--home DIR]

Fills a throwaway embedded PostgreSQL with the 74,728 real papers of the arXiv jsonl.gz (as
bench/feed_load.py does; --home keeps and reuses it), starts `paperboy serve`, and drives it with
--clients concurrent keep-alive clients: half ask for author pages and their JSON twins (--authors
names drawn from the corpus: the 200 most prolific and the rest at random, each spelled as a paper
writes it), half for the feed. Measured with the response cache on (the default) and off (every
author page then runs its queries). The clients share the server's 2 cores: a floor.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import psycopg

from common import load  # bench/common.py (scripts run from bench/)
from feed_load import (  # bench/feed_load.py (scripts run from bench/)
    JSONL,
    free_port,
    prepare,
    wait_for,
)


def author_names(url: str, n: int) -> list[str]:
    """The 200 most prolific authors and ``n - 200`` others at random, as papers write them."""
    with psycopg.connect(url) as c:
        top = [r[0] for r in c.execute(
            "SELECT min(name) FROM author_papers GROUP BY author_key ORDER BY count(*) DESC LIMIT 200")]
        rest = [r[0] for r in c.execute(
            "SELECT name FROM author_papers TABLESAMPLE SYSTEM (5) REPEATABLE (7) LIMIT %s", (n * 2,))]
    rng = random.Random(7)
    return top + rng.sample(rest, min(len(rest), n - len(top)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--authors", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--home", type=Path, help="keep the filled database here and reuse it")
    args = ap.parse_args()
    if not JSONL.exists():
        sys.exit(f"needs {JSONL}")
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home.resolve() if args.home else Path(tmp)
        home.mkdir(parents=True, exist_ok=True)
        url = prepare(home, 74_728)
        names = author_names(url, args.authors)
        with psycopg.connect(url) as c:
            days = [r[0].isoformat() for r in c.execute("SELECT DISTINCT day FROM listings ORDER BY 1")][-60:]
        kinds = {
            "/authors/{name}": [f"/authors/{quote(n, safe='')}" for n in names],
            "/api/authors/{name}": [f"/api/authors/{quote(n, safe='')}" for n in names],
            "feed (/, /api/daily_papers)": ["/", "/api/daily_papers"] + [f"/api/daily_papers?date={d}" for d in days],
        }
        kinds = {**kinds, "feed 2": kinds["feed (/, /api/daily_papers)"]}  # half the clients on the feed
        print(f"{args.clients} concurrent clients ({args.clients // 2} on author pages), {len(names)} authors,"
              f" {args.seconds:.0f} s per run, {args.workers} server workers")
        for label, cache in (("cached (default)", "1"), ("no response cache", "0")):
            port = free_port()
            env = {**os.environ, "DATABASE_URL": url, "PAPERBOY_CACHE_SECONDS": cache, "PAPERBOY_HOME": str(home),
                   "PAPERBOY_RATE_LIMIT": "0"}
            server = subprocess.Popen(
                [sys.executable, "-m", "paperboy", "serve", "--port", str(port), "--workers", str(args.workers),
                 "--no-embed", "--no-fetch"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_for(port)
                who = [list(kinds)[k % len(kinds)] for k in range(args.clients)]  # kinds in turn
                load(port, kinds, who, 3)  # warm up
                _, found = load(port, kinds, who, args.seconds)
                found["feed (/, /api/daily_papers)"] = (found["feed (/, /api/daily_papers)"][0] + found["feed 2"][0],
                                                        found["feed (/, /api/daily_papers)"][1] + found["feed 2"][1])
                for kind, (lat, errors) in found.items():
                    if kind == "feed 2" or len(lat) < 2:
                        continue
                    q = statistics.quantiles(sorted(lat), n=100)
                    print(f"{label:18s} {kind:28s} {len(lat) / args.seconds:7.0f} req/s   p50 {q[49] * 1000:6.1f} ms"
                          f"   p95 {q[94] * 1000:6.1f} ms   p99 {q[98] * 1000:6.1f} ms   errors {errors}")
            finally:
                server.terminate()
                server.wait(10)


if __name__ == "__main__":
    main()
