"""`paperboy embed` (from cron, or after an import) and serve's embedding job never embed at
the same time: the command waits for the job's batch, and holds the lock while it runs."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psycopg

from paperboy.db import locks
from tests.helpers import import_files, shared


def test_the_command_waits_for_the_embedding_lock(db_url: str, conn, tmp_path):
    import_files(conn, [shared("hf-daily-papers-2024", "2024-11-08.json")])
    conn.commit()
    env = {**os.environ, "DATABASE_URL": db_url, "PAPERBOY_HOME": str(tmp_path)}
    with psycopg.connect(db_url, autocommit=True) as holder:
        locks.lock(holder, locks.EMBED)  # as serve's job holds it during a batch
        proc = subprocess.Popen([sys.executable, "-m", "paperboy", "embed", "--limit", "3"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        waiting = False
        while time.monotonic() < deadline and proc.poll() is None:
            row = holder.execute("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
                                 " WHERE l.locktype = 'advisory' AND NOT l.granted").fetchone()
            if row[0]:
                waiting = True
                break
            time.sleep(0.2)
        assert waiting, "paperboy embed did not wait for the lock"
        assert conn.execute("SELECT count(*) AS n FROM embeddings").fetchone()["n"] == 0
        conn.commit()
        locks.unlock(holder, locks.EMBED)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert conn.execute("SELECT count(*) AS n FROM embeddings").fetchone()["n"] == 3
