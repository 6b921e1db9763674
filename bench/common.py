"""What every benchmark shares: a throwaway embedded PostgreSQL with a migrated database."""

from __future__ import annotations

import http.client
import random
import threading
import time
from pathlib import Path

import psycopg

from paperboy.db import embedded, migrate


def fresh_database(home: Path, name: str = "bench") -> str:
    """Start (or join) the embedded server in ``home``, create database ``name``, migrate it;
    return its URL."""
    url = embedded.start(home)
    with psycopg.connect(url, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = psycopg.conninfo.make_conninfo(url, dbname=name)
    migrate.migrate(url)
    return url


def load(port: int, paths: dict[str, list[str]], who: list[str], seconds: float,
         cookies: list[str] | None = None) -> tuple[float, dict[str, tuple[list[float], int]]]:
    """``len(who)`` clients, each on a keep-alive connection of its own, GET pages for
    ``seconds``: client k asks for random paths of kind ``who[k]`` (with session cookie
    ``cookies[k]`` when given). Returns the time taken and, by kind, the latencies (s) of the
    answers and the count of errors (no answer, or a status other than 200)."""
    out: dict[str, tuple[list[float], int]] = {k: ([], 0) for k in paths}
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(k: int) -> None:
        kind = who[k]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        headers = {"Cookie": f"paperboy_session={cookies[k]}"} if cookies else {}
        rng = random.Random(k)
        mine, bad = [], 0
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            try:
                conn.request("GET", rng.choice(paths[kind]), headers=headers)
                r = conn.getresponse()
                r.read()
                bad += r.status != 200
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            mine.append(time.perf_counter() - t0)
        with lock:
            out[kind] = (out[kind][0] + mine, out[kind][1] + bad)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(len(who))]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - t0, out
