"""Every process of an instance takes the embedded server's start/stop lock in PAPERBOY_HOME,
whatever its XDG_RUNTIME_DIR (systemd units, cron and a shell each see a different one)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.helpers import run_cli


def test_the_embedded_servers_lock_lives_in_the_home(tmp_path: Path):
    home, runtime = tmp_path / "home", tmp_path / "runtime"
    runtime.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(PAPERBOY_HOME=str(home), XDG_RUNTIME_DIR=str(runtime))
    r = run_cli(["status"], env)
    assert r.returncode == 0, r.stderr
    assert (home / ".embedded-server.lock").exists()
    assert not list(runtime.rglob("*.lockfile")) and not list(runtime.rglob(".lockfile"))
    # the server was stopped by the last (only) user on its way out
    assert not (home / "pgdata" / "postmaster.pid").exists()
