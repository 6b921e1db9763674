"""`paperboy serve` stopped the way systemd stops it (issue 10, low finding): SIGTERM used to
end the process without exit handlers, leaving its embedded PostgreSQL running."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.fixtures import http
from tests.helpers import free_port, paperboy_cmd


def _postgres_of(pgdata: Path) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter(["name", "cmdline"]):
        try:
            if "postgres" in (p.info["name"] or "") and str(pgdata) in " ".join(p.info["cmdline"] or []):
                found.append(p)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return found


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_stops_serve_and_its_embedded_postgres(tmp_path, workers):
    """With --workers 2, uvicorn's worker processes join the server too and end on SIGTERM
    without exit handlers: the last live process must still stop it."""
    home = tmp_path / "home"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(PAPERBOY_HOME=str(home), PAPERBOY_FETCH_EVERY="off")
    proc = subprocess.Popen([*paperboy_cmd(), "serve", "--no-embed", "--port", str(port),
                             "--workers", str(workers)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if http.get(f"http://127.0.0.1:{port}/static/style.css", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        else:
            raise AssertionError("paperboy serve did not start within 90 s")
        assert _postgres_of(home / "pgdata"), "serve runs no embedded PostgreSQL?"
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        deadline = time.monotonic() + 30
        while _postgres_of(home / "pgdata") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _postgres_of(home / "pgdata"), "the embedded PostgreSQL outlived serve"
        assert proc.returncode in (0, 128 + signal.SIGTERM)  # the multi-worker supervisor exits 0
    finally:
        if proc.poll() is None:
            proc.kill()
        for p in _postgres_of(home / "pgdata"):  # never leave a server behind, even on failure
            p.kill()
