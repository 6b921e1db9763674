"""What one rate-limit check costs (issue 22, item 2): every limit is now counted in
PostgreSQL, one statement a call (src/paperboy/ratelimit/store.py).

    PYTHONPATH=src .venv/bin/python bench/ratelimit.py --home /tmp/pb-ratelimit [--calls 5000]

Over a fresh embedded database, times ``Limits.check`` (a pooled connection, the statement,
the commit) for: a sliding window admitting every call (the votes policy, one key); the
same spread over 1,000 keys; the bucket of the per-client limit; and a refused call
remembered by the process (no query). Prints µs per call (median and 95th percentile).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from common import fresh_database
from paperboy import config
from paperboy.db import Database
from paperboy.ratelimit import Limits
from paperboy.ratelimit.policies import REQUESTS, VOTES


def timed(calls: int, one: Callable[[int], object]) -> tuple[float, float]:
    spent = []
    for i in range(calls):
        t0 = time.perf_counter()
        one(i)
        spent.append((time.perf_counter() - t0) * 1e6)
    spent.sort()
    return statistics.median(spent), spent[int(len(spent) * 0.95)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--calls", type=int, default=5000)
    args = ap.parse_args()
    url = fresh_database(args.home, f"ratelimit{int(time.time())}")
    db = Database(url, max_size=4).open()
    cfg = config.load()
    many = dataclasses.replace(cfg, rate_limit=1e9, rate_burst=10**9,
                               community=dataclasses.replace(cfg.community, votes_per_minute=10**9))
    limits = Limits(db, many)
    refusing = Limits(db, dataclasses.replace(cfg, community=dataclasses.replace(cfg.community, votes_per_minute=1)))
    refusing.check(VOTES, "x")
    refusing.check(VOTES, "x")
    # Windows keep each admitted call: the one-key run holds up to votes_per_minute of them,
    # so it is run with the default limit (60) being refused, and a large limit spread wide.
    default = Limits(db, cfg)
    rows = [
        ("window, one key, default limit (60 kept calls)", lambda i: default.check(VOTES, "one")),
        ("window, 1,000 keys", lambda i: limits.check(VOTES, i % 1000)),
        ("bucket (per-client), 1,000 keys", lambda i: limits.check(REQUESTS, f"198.51.100.{i % 1000}")),
        ("refused, remembered in the process", lambda i: refusing.check(VOTES, "x")),
    ]
    default.held = lambda pol, key: 0.0  # type: ignore[method-assign]  # always ask the database
    for name, one in rows:
        timed(200, one)  # warm the pool and the plans
        median, p95 = timed(args.calls, one)
        print(f"{name:50s} {median:8.1f} µs median  {p95:8.1f} µs p95")
    db.close()


if __name__ == "__main__":
    main()
