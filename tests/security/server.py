"""A real `paperboy serve` for probes that need real sockets (raw requests, a schema-driven
run): the pattern of tests/e2e/conftest.py's ``serve``, with the server's output going to a
log file rather than an unread pipe (a run of thousands of requests logs a line each, and a
full pipe would stop the server)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests import forkcli
from tests.fixtures import http
from tests.helpers import free_port


@contextmanager
def serving(db_url: str, home: Path, **extra_env: str) -> Iterator[str]:
    """`paperboy serve` on a free port over ``db_url``; yields its base URL. Its output is in
    ``home``/serve.log (quoted when it fails to start)."""
    with serving_process(db_url, home, **extra_env) as (base, _):
        yield base


@contextmanager
def serving_process(db_url: str, home: Path, **extra_env: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """Like :func:`serving`, also yielding the process (with one worker, the one that serves:
    for measuring it)."""
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": db_url, "PAPERBOY_HOME": str(home), "PAPERBOY_BASE_URL": base,
           **extra_env}
    log = home / "serve.log"
    with log.open("w") as out:
        proc = forkcli.popen([sys.executable, "-m", "paperboy", "serve", "--port", str(port), "--no-embed"],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if http.get(base + "/static/style.css", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"paperboy serve did not start: {log.read_text()[-3000:]}")
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
