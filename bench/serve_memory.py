"""Peak memory of `paperboy serve` over a search corpus (bench/search_corpus.py), e.g. 1M papers.

    .venv/bin/python bench/serve_memory.py --home /work/bench/mix1m [--queries 300]

Starts `paperboy serve` (one worker, its background jobs on, fetching off) on the corpus'
database, sends the 300 benchmark queries to /search and /api/papers/search, opens the feed and
a paper page, then reads the serve process's peak resident memory (VmHWM) and the embedded
PostgreSQL's. A first For you request loads every vector into the process (1.5 KB a paper):
that is measured here in this process, by loading the corpus and reading the growth.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import psycopg

from search_corpus import build, real_papers
from search_latency import make_queries

PAPERBOY = Path(sys.executable).with_name("paperboy")


def peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--size", type=int, default=0, help="build the corpus to this size first")
    ap.add_argument("--queries", type=int, default=300)
    args = ap.parse_args()
    url = build(args.home, args.size)
    with psycopg.connect(url) as c:
        n = c.execute("SELECT count(*) FROM papers").fetchone()[0]
        pid = c.execute("SELECT id FROM papers ORDER BY seq LIMIT 1").fetchone()[0]
    port = free_port()
    env = {**os.environ, "PAPERBOY_HOME": str(args.home), "DATABASE_URL": url, "PAPERBOY_CONFIG": "",
           "PAPERBOY_FETCH_EVERY": "off", "PAPERBOY_LOG_LEVEL": "warning", "PAPERBOY_CACHE_SECONDS": "0",
           "PAPERBOY_RATE_LIMIT": "0", "PAPERBOY_BASE_URL": f"http://127.0.0.1:{port}"}
    server = subprocess.Popen([str(PAPERBOY), "serve", "--port", str(port), "--no-fetch"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code in (200, 503):
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        started = peak_kb(server.pid)
        queries = make_queries(real_papers()[0], args.queries, random.Random(7))
        t0 = time.perf_counter()
        with httpx.Client(base_url=base, timeout=60) as client:
            for text, _ in queries:
                assert client.get("/search", params={"q": text}).status_code == 200
                assert client.get("/api/papers/search", params={"q": text}).status_code == 200
            for path in ("/", f"/papers/{pid}", "/trending", "/new"):
                client.get(path)
        took = time.perf_counter() - t0
        served = peak_kb(server.pid)
    finally:
        server.terminate()
        server.wait(60)
    postgres = sum(p.memory_info().rss for p in psutil.process_iter(["name"])
                   if (p.info["name"] or "").startswith("postgres")) // 1024
    print(f"{n:,} papers: serve peak memory {served / 1024:,.0f} MB after {2 * len(queries)} searches"
          f" ({took:.0f} s) and the feeds (at start: {started / 1024:,.0f} MB)")
    print(f"  the embedded PostgreSQL's processes now: {postgres / 1024:,.0f} MB resident"
          " (shared_buffers counted once per process that touched them)")
    from psycopg.rows import dict_row

    from paperboy.recommend import corpus as rc

    before = psutil.Process().memory_info().rss
    with psycopg.connect(url, row_factory=dict_row) as c:
        loaded = rc.load(c)
    grew = psutil.Process().memory_info().rss - before
    print(f"  a first For you request adds the vector corpus: {grew / 2**20:,.0f} MB for {len(loaded.ids):,} vectors")


if __name__ == "__main__":
    main()
