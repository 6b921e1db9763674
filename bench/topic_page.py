"""Latency of topic and author pages under the feed's load (issue 25: p95 ≤ 50 ms): p50/p95 of
`/topics/{id}`, `/api/topics/{id}`, `/authors/{name}` and `/api/authors/{name}` while other
clients read `/` and `/api/daily_papers` (bench/feed_load.py's paths).

Run by hand:  .venv/bin/python bench/topic_page.py [--clients 20] [--seconds 15] [--authors 2000]
                  [--workers 2] [--home DIR] [--cache both|on|off]

The database is bench/topics_corpus.py's: the 74,728 arXiv papers with their MiniLM vectors and a
topic build over all of them (--home keeps and reuses it). Half the clients read the feed; the
other half are spread over the four page kinds (with 20 clients: 3, 3, 2 and 2). Topic pages:
every active topic; author pages: bench/author_page.py's names (the 200 most prolific and the
rest at random). Measured with the response cache on (the default) and off (each page then
runs its queries). The clients share the server's 2 cores: a floor.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import psycopg

from author_page import author_names  # bench/author_page.py (scripts run from bench/)
from common import load
from feed_load import JSONL, free_port, wait_for
from topics_corpus import with_topics

FEED = "feed (/, /api/daily_papers)"


def spread(kinds: list[str], clients: int) -> list[str]:
    """Each client's kind: half on the feed, the rest in turn over ``kinds``."""
    feed = clients // 2
    return [FEED] * feed + [kinds[i % len(kinds)] for i in range(clients - feed)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--authors", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--home", type=Path, help="keep the filled database here and reuse it")
    ap.add_argument("--cache", choices=("both", "on", "off"), default="both")
    args = ap.parse_args()
    if not JSONL.exists():
        sys.exit(f"needs {JSONL}")
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home.resolve() if args.home else Path(tmp)
        home.mkdir(parents=True, exist_ok=True)
        url = with_topics(home)
        names = author_names(url, args.authors)
        with psycopg.connect(url) as c:
            days = [r[0].isoformat() for r in c.execute("SELECT DISTINCT day FROM listings ORDER BY 1")][-60:]
            topics = [r[0] for r in c.execute("SELECT id FROM topics WHERE active ORDER BY id")]
        paths = {
            "/topics/{id}": [f"/topics/{t}" for t in topics],
            "/api/topics/{id}": [f"/api/topics/{t}" for t in topics],
            "/authors/{name}": [f"/authors/{quote(n, safe='')}" for n in names],
            "/api/authors/{name}": [f"/api/authors/{quote(n, safe='')}" for n in names],
            FEED: ["/", "/api/daily_papers"] + [f"/api/daily_papers?date={d}" for d in days],
        }
        who = spread([k for k in paths if k != FEED], args.clients)
        print(f"{args.clients} concurrent clients ({who.count(FEED)} on the feed), {len(topics)} topics,"
              f" {len(names)} authors, {args.seconds:.0f} s per run, {args.workers} server workers", flush=True)
        runs = [r for r in (("cached (default)", "1"), ("no response cache", "0"))
                if args.cache == "both" or (args.cache == "on") == (r[1] == "1")]
        for label, cache in runs:
            port = free_port()
            env = {**os.environ, "DATABASE_URL": url, "PAPERBOY_CACHE_SECONDS": cache, "PAPERBOY_HOME": str(home),
                   "PAPERBOY_RATE_LIMIT": "0", "PAPERBOY_TOPICS_EVERY": "off"}
            server = subprocess.Popen(
                [sys.executable, "-m", "paperboy", "serve", "--port", str(port), "--workers", str(args.workers),
                 "--no-embed", "--no-fetch"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_for(port)
                load(port, paths, who, 3)  # warm up
                _, found = load(port, paths, who, args.seconds)
                for kind, (lat, errors) in found.items():
                    if len(lat) < 2:
                        continue
                    q = statistics.quantiles(sorted(lat), n=100)
                    print(f"{label:18s} {kind:28s} {who.count(kind):2d} clients {len(lat) / args.seconds:7.0f} req/s"
                          f"   p50 {q[49] * 1000:6.1f} ms   p95 {q[94] * 1000:6.1f} ms   p99 {q[98] * 1000:6.1f} ms"
                          f"   errors {errors}", flush=True)
            finally:
                server.terminate()
                server.wait(10)


if __name__ == "__main__":
    main()
