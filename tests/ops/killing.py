"""What the kill-and-resume tests share: a `paperboy serve` process to signal, a replay server
and an SMTP sink that can hold one request (or message) until the test lets it go, and
snapshots of what the database holds.

Holding is what makes these tests exact rather than lucky: the test knows the process is in
the middle of request N (or inside DATA of message N) when it sends the signal, and, for a
graceful stop, lets the request finish only once serve has logged that its jobs were told to
stop.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg
from psycopg.rows import dict_row

from tests import forkcli
from tests.digest.conftest import Sink
from tests.fetch.replay import Replay
from tests.fixtures import http
from tests.helpers import free_port
from tests.ops.nodes import wait_for

APP_NAME = "paperboy-kill-test"  # serve's connections carry it (PGAPPNAME): the test can wait for them to go
STOPPING = "stopping: background jobs"  # what serve logs once its jobs were told to stop (jobs.shut_down)


def wait_until(check: Callable[[], object], what: str, timeout: float = 60, every: float = 0.05):
    """Poll ``check`` until it returns something true (returned); fail saying ``what``."""
    return wait_for(check, timeout, what, every)


class Serve:
    """`paperboy serve` as a subprocess over ``db_url``, its output (text and JSON log lines)
    collected as it comes."""

    def __init__(self, db_url: str, home: Path, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "DATABASE_URL": db_url, "PAPERBOY_HOME": str(home),
                    "PAPERBOY_BASE_URL": self.base, "PGAPPNAME": APP_NAME, "PAPERBOY_LOG_LEVEL": "info",
                    "PAPERBOY_LOG_FORMAT": "json", **env}
        self.lines: list[str] = []
        self.proc: subprocess.Popen | None = None

    def start(self) -> Serve:
        """Start it (returns at once: ``pid`` is known before the jobs get going)."""
        self.proc = forkcli.popen(
            [sys.executable, "-m", "paperboy", "serve", "--port", str(self.port), "--no-embed"],
            env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        return self

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def output(self) -> str:
        return "".join(self.lines[-60:])

    def ready(self, timeout: float = 60) -> Serve:
        def up() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"paperboy serve exited ({self.proc.returncode}):\n{self.output()}")
            try:
                return http.get(f"{self.base}/static/style.css", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False
        wait_until(up, "paperboy serve to answer", timeout, every=0.1)
        return self

    def logged(self, text: str, timeout: float = 60) -> None:
        wait_until(lambda: any(text in line for line in self.lines), f"serve to log {text!r}:\n{self.output()}",
                   timeout)

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def wait(self, timeout: float = 90) -> int:
        assert self.proc is not None
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"serve still running {timeout:g} s after the signal:\n{self.output()}") from None

    def close(self) -> None:
        """Never leave a server behind, even when a test fails."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)

    def __enter__(self) -> Serve:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class HoldingReplay(Replay):
    """The replay server, able to hold the first request ``hold`` matches until ``release``."""

    def __init__(self, shared: Path) -> None:
        super().__init__(shared)
        self.hold: Callable[[str, dict[str, str]], bool] | None = None
        self.held = threading.Event()
        self.release = threading.Event()

    def _fault_for(self, path: str, params: dict[str, str]):
        if self.hold is not None and self.hold(path, params):
            self.hold = None
            self.held.set()
            self.release.wait(60)
        return super()._fault_for(path, params)


class HoldingSink(Sink):
    """The test SMTP server, able to hold message ``hold_at`` inside DATA until ``release``
    (before the server has accepted it: the sender still waits for the reply)."""

    def __init__(self) -> None:
        super().__init__()
        self.hold_at: int | None = None
        self.held = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        if self.hold_at is not None and self.seen + 1 == self.hold_at:
            self.held.set()
            self.release.wait(60)
        return await super().handle_DATA(server, session, envelope)


def query(url: str, sql: str, params: tuple = ()) -> list[dict]:
    """Rows of one statement, on a connection of its own (not one of serve's)."""
    with psycopg.connect(url, row_factory=dict_row) as conn:
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else []


def serve_gone(url: str) -> bool:
    """No connection of a serve process is left on the server (a killed one's sessions, and
    the locks they held, end when PostgreSQL notices the dead socket)."""
    return not query(url, "SELECT 1 FROM pg_stat_activity WHERE application_name = %s", (APP_NAME,))


def papers(url: str) -> dict[str, object]:
    """What a fetch stores, to compare two databases: paper ids (and how many rows), listings."""
    ids = [r["id"] for r in query(url, "SELECT id FROM papers ORDER BY id")]
    listed = [(r["paper_id"], str(r["day"]), r["source"])
              for r in query(url, "SELECT paper_id, day, source FROM listings ORDER BY 1, 2, 3")]
    return {"ids": ids, "papers": len(ids), "listings": listed}
