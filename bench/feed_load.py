"""Load test of the feed: requests/s and p50/p95 latency for `/` and `/api/daily_papers`.

Run by hand:  .venv/bin/python bench/feed_load.py [--papers 100000] [--clients 20] [--seconds 15]
                  [--workers 2] [--signed-in] [--home DIR]

Fills a throwaway embedded PostgreSQL with the 74,728 real papers of the arXiv jsonl.gz plus
synthetic papers on extra days up to --papers, gives them upvotes, starts `paperboy serve`
in a subprocess, and drives it with --clients concurrent keep-alive clients (threads, one
connection each) for --seconds per endpoint. The clients run on the same 2 cores as the
server, so the figures are a floor.

--signed-in measures signed-in members too, beside the anonymous figures: each client is its
own member with its own session cookie and 200 community votes (some on the papers of the
feed's day, so their pages have buttons to press). --home keeps the filled database in DIR
and reuses it on the next run (filling 100,000 papers takes a few minutes).
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
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg

import common  # bench/common.py (scripts run from bench/)
from common import fresh_database
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
        on_daily(conn)
        conn.commit()
        total = conn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"]
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("VACUUM ANALYZE")
        c.execute("CHECKPOINT")  # settle the writes now, not during the measurement
    db.close()
    print(f"store: {total} papers")


def on_daily(conn) -> None:
    """Every paper on the Daily list of the day arXiv announced it too: an import of arXiv
    goes to New only, but the feed measured is Daily (about 300 papers a day, 30 a page)."""
    conn.execute("INSERT INTO listings (paper_id, day, source) SELECT paper_id, day, 'hf-daily'"
                 " FROM new_listings ON CONFLICT DO NOTHING")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def members(url: str, n: int, votes_each: int = 200) -> list[str]:
    """``n`` members, each with a session (the cookie values returned, one per client) and
    ``votes_each`` votes: a quarter on the latest day's papers, the rest on recent papers."""
    from paperboy import config
    from paperboy.community import sessions
    from paperboy.digest.subscriptions import secret_key

    with Database(url).open() as db, db.connection() as conn:
        secret = secret_key(conn, config.load().secret_key)
        conn.execute("DELETE FROM members WHERE email LIKE 'bench%%@example.org'")
        ids = [r["id"] for r in conn.execute(
            "INSERT INTO members (email, name) SELECT 'bench' || i || '@example.org', 'bench' || i"
            " FROM generate_series(1, %s) i RETURNING id", (n,)).fetchall()]
        latest = [r["paper_id"] for r in conn.execute(
            "SELECT paper_id FROM listings WHERE day = (SELECT max(day) FROM listings) ORDER BY paper_id")]
        recent = [r["id"] for r in conn.execute(
            "SELECT id FROM papers ORDER BY listed_on DESC NULLS LAST, id LIMIT 5000")]
        rng = random.Random(7)
        rows = []
        for m in ids:
            mine = set(rng.sample(latest, min(len(latest), votes_each // 4)))
            mine |= set(rng.sample(recent, votes_each - len(mine)))
            rows += [(p, m) for p in list(mine)[:votes_each]]
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO votes (paper_id, member_id) VALUES (%s, %s) ON CONFLICT DO NOTHING", rows)
        conn.commit()
        cookies = [sessions.start(conn, secret, m, days=1) for m in ids]
    return cookies


def load(port: int, paths: list[str], clients: int, seconds: float,
         cookies: list[str] | None = None) -> tuple[float, list[float], int]:
    """``clients`` clients on ``paths`` (common.load): time taken, latencies, errors."""
    elapsed, found = common.load(port, {"all": paths}, ["all"] * clients, seconds, cookies)
    return elapsed, *found["all"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--papers", type=int, default=100_000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--signed-in", action="store_true", help="measure signed-in members too")
    ap.add_argument("--home", type=Path, help="keep the filled database here and reuse it")
    args = ap.parse_args()
    if not JSONL.exists():
        sys.exit(f"needs {JSONL}")
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home.resolve() if args.home else Path(tmp)
        home.mkdir(parents=True, exist_ok=True)
        url = prepare(home, args.papers)
        with psycopg.connect(url) as c:
            days = [r[0].isoformat() for r in c.execute("SELECT DISTINCT day FROM listings ORDER BY 1")]
        recent = days[-60:]
        scenarios = {
            "/": ["/"],
            "/api/daily_papers": ["/api/daily_papers"] + [f"/api/daily_papers?date={d}" for d in recent],
        }
        audiences: list[tuple[str, list[str] | None]] = [("anonymous", None)]
        if args.signed_in:
            audiences.append(("signed in", members(url, args.clients)))
        print(f"{args.clients} concurrent clients, {args.seconds:.0f} s per figure,"
              f" {args.workers} server workers")
        for label, cache in (("cached (default)", "1"), ("no response cache", "0")):
            port = free_port()
            env = {**os.environ, "DATABASE_URL": url, "PAPERBOY_CACHE_SECONDS": cache, "PAPERBOY_HOME": str(home),
                   "PAPERBOY_RATE_LIMIT": "0"}  # 20 clients from one address: not strangers
            server = subprocess.Popen(
                [sys.executable, "-m", "paperboy", "serve", "--port", str(port), "--workers", str(args.workers),
                 "--no-embed", "--no-fetch"],  # measure serving, not the background jobs
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_for(port)
                for who, cookies in audiences:
                    if cookies:
                        check_personal(port, cookies[0])
                    for name, paths in scenarios.items():
                        load(port, paths, args.clients, 3, cookies)  # warm up
                        elapsed, lat, errors = load(port, paths, args.clients, args.seconds, cookies)
                        lat.sort()
                        q = statistics.quantiles(lat, n=100)
                        print(f"{label:18s} {who:10s} {name:18s} {len(lat) / elapsed:7.0f} req/s"
                              f"   p50 {q[49] * 1000:6.1f} ms   p95 {q[94] * 1000:6.1f} ms"
                              f"   p99 {q[98] * 1000:6.1f} ms   errors {errors}")
            finally:
                server.terminate()
                server.wait(10)


def prepare(home: Path, papers: int) -> str:
    """The URL of a database with ``papers`` papers, filled and indexed in ``home`` (reused
    when a kept ``home`` holds one already)."""
    from paperboy.db import embedded
    from paperboy.search import Searcher

    url = psycopg.conninfo.make_conninfo(embedded.start(home), dbname="bench")
    try:
        with psycopg.connect(url) as c:
            have = c.execute("SELECT count(*) FROM papers").fetchone()[0]
        if have >= papers:
            print(f"store: {have} papers (kept in {home})")
            with psycopg.connect(url, autocommit=True) as c:
                on_daily(c)  # a database kept by a version of this script without it
                c.execute("VACUUM ANALYZE listings")
            return url
        sys.exit(f"{home} holds a database of {have} papers: use another --home")
    except psycopg.OperationalError:
        pass  # no such database yet
    url = fresh_database(home)
    t0 = time.perf_counter()
    fill(url, papers)
    with Database(url).open() as db, db.connection() as conn:
        Searcher(home, conn).index.sync(conn)  # so the server's worker has nothing to catch up
    print(f"filled and indexed in {time.perf_counter() - t0:.1f} s")
    return url


def check_personal(port: int, cookie: str) -> None:
    """A signed-in client's feed is made personal (so the figure measures that work)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/", headers={"Cookie": f"paperboy_session={cookie}"})
    body = c.getresponse().read()
    if b">bench1</a>" not in body or b'aria-pressed="true"' not in body:
        raise SystemExit("the signed-in feed is not personal: is the cookie refused?")


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
