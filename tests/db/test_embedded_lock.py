"""Every process of an instance takes the embedded server's start/stop lock in PAPERBOY_HOME,
whatever its XDG_RUNTIME_DIR (systemd units, cron and a shell each see a different one)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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


def _give(folder: Path, uid: int, gid: int) -> None:
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, uid, gid, follow_symlinks=False)


def test_a_data_folder_owned_by_someone_else_is_named_with_the_chown_that_mends_it(tmp_path: Path):
    """A home copied from another machine, or a system user made again with a new uid: the
    server cannot read its files, and its log cannot say so. paperboy names the owners and the
    command that mends it, rather than "see its log"."""
    if os.geteuid() != 0:
        pytest.skip("only root can give the data folder to another user to set this up")
    import pwd

    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(PAPERBOY_HOME=str(home), XDG_RUNTIME_DIR=str(tmp_path))
    assert run_cli(["status"], env).returncode == 0
    server = pwd.getpwnam("embedded_postgres")
    with (home / "pgdata" / "log").open("a") as log:  # an earlier run's, not this start's
        log.write("2026-12-07 22:10:50.746 UTC [8420] FATAL:  terminating connection due to administrator command\n")
    _give(home / "pgdata", 65534, 65534)  # nobody
    r = run_cli(["status"], env)
    assert r.returncode != 0
    assert f"chown -R embedded_postgres {home / 'pgdata'}" in r.stderr, r.stderr
    assert "uid 65534" in r.stderr and "Traceback" not in r.stderr
    assert "administrator command" not in r.stderr
    _give(home / "pgdata", server.pw_uid, server.pw_gid)  # what the message says to do
    assert run_cli(["status"], env).returncode == 0
