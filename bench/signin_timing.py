"""Does asking for a sign-in link take longer for a member than for a stranger? (issue 21,
item 16: in invite mode members took 5–7 ms longer, and one request guessed right 73% of
the time.)

    PYTHONPATH=src .venv/bin/python bench/signin_timing.py --home /tmp/pb-timing [--pairs 300]

Runs the app in this process (invite mode) over a fresh embedded database with ``--pairs``
members, and sends POST /signin for a member and for a stranger in turn, each for an address
and from a client address of its own (so no limit is reached). The mailer is not woken: what is timed is the request
alone. Prints the median time of each and how often one request's time, against the midpoint
of the medians, guesses right which it was (50% is a coin).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from pathlib import Path

from fastapi.testclient import TestClient

from common import fresh_database
from paperboy.community import members
from paperboy.db import Database
from paperboy.web.app import create_app


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--pairs", type=int, default=300)
    args = ap.parse_args()
    os.environ.update({"PAPERBOY_SIGNUP": "invite", "PAPERBOY_HOME": str(args.home),
                       "PAPERBOY_BASE_URL": "http://testserver"})
    url = fresh_database(args.home, f"timing{int(time.time())}")
    db = Database(url, max_size=4).open()
    with db.connection() as conn:
        for i in range(args.pairs):
            members.add(conn, f"ada{i}@example.org")
        conn.commit()
    app = create_app(db, cache_seconds=0, rate_limit=0, home=args.home)
    app.state.mailer.wake = lambda: None
    page = TestClient(app).get("/signin")
    token = re.findall(r'name="csrf" value="([^"]+)"', page.text)[0]
    times: dict[str, list[float]] = {"member": [], "stranger": []}
    for i in range(args.pairs):
        for kind, email in (("member", f"ada{i}@example.org"), ("stranger", f"nobody{i}@example.org")):
            client = TestClient(app, client=(f"10.{i // 250}.{i % 250}.{1 if kind == 'member' else 2}", 1))
            start = time.perf_counter()
            r = client.post("/signin", data={"email": email, "csrf": token}, headers={"origin": "http://testserver"})
            times[kind].append((time.perf_counter() - start) * 1000)
            assert r.status_code == 200, r.text
    m, s = statistics.median(times["member"]), statistics.median(times["stranger"])
    cut = (m + s) / 2
    slower = "member" if m > s else "stranger"
    right = sum((t > cut) == (kind == slower) for kind, ts in times.items() for t in ts)
    print(f"median member {m:.2f} ms, stranger {s:.2f} ms, difference {m - s:+.2f} ms;"
          f" one request guesses right {100 * right / (2 * args.pairs):.0f}% of the time")
    db.close()


if __name__ == "__main__":
    main()
