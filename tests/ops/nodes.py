"""What the operations tests share: `paperboy serve` nodes as processes, the real command with
an environment (several at once, and the one-line errors they must end with), waiting for
something to become true, and subscribers due right now."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg

from tests import forkcli
from tests.fixtures import http
from tests.helpers import free_port, paperboy_cmd, run_cli
from tests.ops.pgserver import APP_PASSWORD, SUPER_PASSWORD


@dataclass
class Node:
    """One `paperboy serve` process: its home (own keyword index), address and environment."""

    proc: subprocess.Popen
    base: str
    home: Path
    env: dict[str, str]

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """The real ``paperboy`` command with this node's settings (its DATABASE_URL and home)."""
        return run_cli(list(args), self.env, timeout=timeout)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return http.get(self.base + path, timeout=30, **kw)

    def log(self) -> str:
        return (self.home / "serve.log").read_text(errors="replace")


def start(db_url: str, home: Path, *args: str, **extra_env: str) -> Node:
    """Start `paperboy serve` on a free port over ``db_url`` without waiting for it; its output
    goes to HOME/serve.log (a pipe nobody reads would stall a chatty server)."""
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {"DATABASE_URL": db_url, "PAPERBOY_HOME": str(home), "PAPERBOY_BASE_URL": base,
           "PAPERBOY_CACHE_SECONDS": "0.5", **extra_env}
    with open(home / "serve.log", "w") as log:
        proc = forkcli.popen(
            [sys.executable, "-m", "paperboy", "serve", "--port", str(port), "--no-embed", *args],
            env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    return Node(proc, base, home, env)


def ready(node: Node, timeout: float = 60) -> Node:
    """Wait until the node answers (or fail with what it printed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if http.get(node.base + "/static/style.css", timeout=1).status_code == 200:
                return node
        except httpx.HTTPError:
            pass
        if node.proc.poll() is not None:
            raise RuntimeError(f"paperboy serve exited: {node.log()}")
        time.sleep(0.1)
    node.proc.kill()
    raise RuntimeError(f"paperboy serve did not answer within {timeout} s: {node.log()}")


def stop(node: Node) -> None:
    node.proc.terminate()
    try:
        node.proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        node.proc.kill()
        node.proc.wait()


def wait_for(check: Callable[[], Any], timeout: float, what: str, every: float = 0.2) -> Any:
    """Poll ``check`` until it returns something true; that value. Fails naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what} (last: {value!r})")
        time.sleep(every)


def due_now(conn: psycopg.Connection, address: str) -> int:
    """An active weekly subscriber whose digest is due right now, whatever the time: its time
    zone puts it near local noon today and its day is today there. Its id."""
    now = datetime.now(UTC)
    shift = 12 - now.hour  # hours east of UTC where it is about noon: -11 … 12
    zone = f"Etc/GMT{-shift:+d}" if shift else "UTC"  # POSIX-style names: Etc/GMT-3 is UTC+3
    local = now + timedelta(hours=shift)
    row = conn.execute(
        "INSERT INTO subscribers (email, status, frequency, weekday, send_hour, timezone, confirmed)"
        " VALUES (%s, 'active', 'weekly', %s, 0, %s, now()) RETURNING id",
        (address, local.weekday(), zone)).fetchone()
    conn.commit()
    return row[0] if isinstance(row, tuple) else row["id"]


def count(url: str, sql: str, params: tuple = ()) -> int:
    """One number from the database behind paperboy's back."""
    with psycopg.connect(url) as conn:
        row = conn.execute(sql, params).fetchone()
    assert row is not None
    return int(row[0])


def run_all(commands: list[list[str]], url: str, home) -> list[tuple[list[str], int, str, str]]:
    """Run the commands at once (forked: tests/forkcli.py); (command, exit status, stdout,
    stderr) of each."""
    env = {**os.environ, "DATABASE_URL": url, "PAPERBOY_HOME": str(home), "COLUMNS": "200",
           "PAPERBOY_HF_URL": f"http://127.0.0.1:{free_port()}", "PAPERBOY_PORT": str(free_port())}
    procs = [(c, forkcli.popen([*paperboy_cmd(), *c], env=env, text=True, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)) for c in commands]
    results = []
    for c, p in procs:
        try:
            stdout, stderr = p.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            p.kill()
            stdout, stderr = p.communicate()
        results.append((c, p.returncode, stdout, stderr))
    return results


def assert_one_line(results, *needles: str) -> None:
    for command, code, stdout, stderr in results:
        said = f"paperboy {' '.join(command)} → {code}\nstdout: {stdout}\nstderr: {stderr}"
        assert code == 2, said
        assert "Traceback" not in stdout + stderr, said
        assert APP_PASSWORD not in stdout + stderr and SUPER_PASSWORD not in stdout + stderr, said
        lines = stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), said
        for needle in needles:
            assert needle in lines[0], said
