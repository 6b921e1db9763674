"""Real-browser tests: a real `paperboy serve` process, driven in Debian's Chromium by Playwright."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from paperboy.db import Database
from tests import forkcli, pages
from tests.community.people import session_cookie
from tests.fixtures import http
from tests.helpers import database, free_port

CHROMIUM = Path("/usr/bin/chromium")
# Flags this machine needs: no sandbox as root, and no background networking (closed network).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


def serve(db_url: str, home: Path, **extra_env: str) -> tuple[subprocess.Popen, str]:
    """Start `paperboy serve` on a free port over ``db_url``; (the process, its base URL)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": db_url, "PAPERBOY_HOME": str(home),
           "PAPERBOY_BASE_URL": base, **extra_env}  # links in emails point at this server
    proc = forkcli.popen(
        [sys.executable, "-m", "paperboy", "serve", "--port", str(port), "--no-embed"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if http.get(base + "/static/style.css", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
        if proc.poll() is not None:
            raise RuntimeError(f"paperboy serve exited: {proc.stdout.read() if proc.stdout else ''}")
    else:
        proc.kill()
        raise RuntimeError("paperboy serve did not start within 30 s")
    _keyword_index_built(base)
    return proc, base


def _keyword_index_built(base: str, timeout: float = 60) -> None:
    """Wait until the server's keyword index is built (its search stops saying it is being
    built): a page checked before that shows the notice above its results, which on a busy
    machine pushed the first result of a phone's search page below half the screen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = http.get(base + "/api/papers/search", params={"q": "model", "limit": 1}, timeout=10)
        if answer.status_code == 200 and "still being built" not in answer.headers.get("X-Search-Notice", ""):
            return
        time.sleep(0.2)
    raise RuntimeError(f"the keyword index of {base} was not built within {timeout} s")


@pytest.fixture
def server(db_url: str, tmp_path: Path, hub) -> Iterator[str]:
    """`paperboy serve` on a free port over the test's database (filled by the test module's
    ``hub`` fixture first); yields its base URL."""
    proc, base = serve(db_url, tmp_path / "home")
    yield base
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def site(pg_server, tmp_path_factory) -> Iterator[tuple[str, pages.Hub, dict[str, str]]]:
    """A filled hub (tests/pages.py) served by a real `paperboy serve`, and a session cookie per
    role: the page audits share it (they only read)."""
    home = tmp_path_factory.mktemp("a11y")
    with database(pg_server) as url:
        db = Database(url, max_size=2).open()
        with db.connection() as conn:
            hub = pages.fill(conn, home)
            cookies = {role: session_cookie(conn, pages.EMAILS[role], role) for role in pages.ROLES[1:]}
        db.close()
        proc, base = serve(url, Path(home) / "serve")
        try:
            yield base, hub, cookies
        finally:
            proc.terminate()
            proc.wait(timeout=10)
