"""Load test of the feed: requests/s and p50/p95 latency for `/` and `/api/daily_papers`.

Run by hand:  .venv/bin/python bench/feed_load.py [--papers 100000] [--clients 20] [--seconds 15] [--workers 2]

Fills a throwaway embedded PostgreSQL with the 74,728 real papers of the arXiv jsonl.gz plus
synthetic papers on extra days up to --papers, gives them upvotes, starts `paperboy serve`
in a subprocess, and drives it with --clients concurrent keep-alive clients (threads, one
connection each) for --seconds per endpoint. The clients run on the same 2 cores as the
server, so the figures are a floor.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg

from common import fresh_database  # bench/common.py (scripts run from bench/)
from paperboy.db import Database
from paperboy.papers.importer import parse_file, store_result

JSONL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "arxiv-cs-2025-2026.jsonl.gz"


def fill(url: str, n: int) -> None:
    db = Database(url).open()
    fmt, result = parse_file(JSONL)
    with db.connection() as conn:
        store_result(conn, str(JSONL), fmt, result)
        have = conn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"]
    if have < n:  # synthetic days after the real ones, ~300 papers a day like arXiv cs
        extra = n - have
        synth = Path(tempfile.mkdtemp()) / "synthetic.jsonl.gz"
        real = [json.loads(x) for x in gzip.open(JSONL, "rt")][:extra]
        day = date(2026, 7, 2)
        with gzip.open(synth, "wt") as f:
            for i, rec in enumerate(real):
                if i and i % 300 == 0:
                    day += timedelta(days=1)
                rec = {**rec, "id": f"9{i // 100000:01d}{(i // 10000) % 10}{(i // 1000) % 10}.{i % 100000:05d}",
                       "title": rec["title"] + f" (synthetic {i})", "listed_on": day.isoformat()}
                f.write(json.dumps(rec) + "\n")
        fmt, result = parse_file(synth)
        with db.connection() as conn:
            store_result(conn, str(synth), fmt, result)
    with db.connection() as conn:
        conn.execute("UPDATE papers SET upvotes = floor(random() * random() * 200)::int")
        conn.commit()
        total = conn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"]
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("VACUUM ANALYZE")
        c.execute("CHECKPOINT")  # settle the writes now, not during the measurement
    db.close()
    print(f"store: {total} papers")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(port: int, paths: list[str], clients: int, seconds: float) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(k: int) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        bad = 0
        rng = random.Random(k)
        while time.monotonic() < stop:
            path = rng.choice(paths)
            t0 = time.perf_counter()
            try:
                conn.request("GET", path)
                r = conn.getresponse()
                r.read()
                if r.status != 200:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - t0, latencies, errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--papers", type=int, default=100_000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    if not JSONL.exists():
        sys.exit(f"needs {JSONL}")
    with tempfile.TemporaryDirectory() as home:
        url = fresh_database(Path(home))
        t0 = time.perf_counter()
        fill(url, args.papers)
        from paperboy.search import Searcher

        with Database(url).open() as db, db.connection() as conn:
            Searcher(Path(home), conn).index.sync(conn)  # so the server's worker has nothing to catch up
        print(f"filled and indexed in {time.perf_counter() - t0:.1f} s")
        with psycopg.connect(url) as c:
            days = [r[0].isoformat() for r in c.execute("SELECT DISTINCT day FROM listings ORDER BY 1")]
        recent = days[-60:]
        scenarios = {
            "/": ["/"],
            "/api/daily_papers": ["/api/daily_papers"] + [f"/api/daily_papers?date={d}" for d in recent],
        }
        print(f"{args.clients} concurrent clients, {args.seconds:.0f} s per figure,"
              f" {args.workers} server workers")
        for label, cache in (("cached (default)", "1"), ("no response cache", "0")):
            port = free_port()
            env = {**os.environ, "DATABASE_URL": url, "PAPERBOY_CACHE_SECONDS": cache, "PAPERBOY_HOME": str(home),
                   "PAPERBOY_RATE_LIMIT": "0"}  # 20 clients from one address: not strangers
            server = subprocess.Popen(
                [sys.executable, "-m", "paperboy", "serve", "--port", str(port), "--workers", str(args.workers),
                 "--no-embed"],  # measure serving, not the background embedder
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_for(port)
                for name, paths in scenarios.items():
                    load(port, paths, args.clients, 3)  # warm up
                    elapsed, lat, errors = load(port, paths, args.clients, args.seconds)
                    lat.sort()
                    q = statistics.quantiles(lat, n=100)
                    print(f"{label:18s} {name:18s} {len(lat) / elapsed:7.0f} req/s"
                          f"   p50 {q[49] * 1000:6.1f} ms   p95 {q[94] * 1000:6.1f} ms"
                          f"   p99 {q[98] * 1000:6.1f} ms   errors {errors}")
            finally:
                server.terminate()
                server.wait(10)


def wait_for(port: int) -> None:
    for _ in range(150):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/static/style.css")
            c.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not start")

if __name__ == "__main__":
    main()
