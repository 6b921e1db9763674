"""A scheduled fetch inside `paperboy serve` happens by itself and shows on the status page."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from paperboy.community.sessions import COOKIE
from tests import forkcli
from tests.community.people import session_cookie
from tests.fetch.replay import Replay
from tests.fixtures import http
from tests.helpers import free_port, screenshot, shared

pytestmark = pytest.mark.e2e


@pytest.fixture
def replay():
    server = Replay(shared("arxiv-api-recorded").parent).start()
    shared("hf-daily-papers-2024")
    yield server
    server.stop()


def test_scheduled_fetch_is_visible_on_the_status_page(db_url, conn, tmp_path, replay, page):
    # The status page is for admins: this browser (and the polling below) is one.
    cookie = session_cookie(conn, "root@example.org", "admin")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "PAPERBOY_HOME": str(tmp_path / "home"),
           "PAPERBOY_FETCH_EVERY": "1h", "PAPERBOY_ARXIV_CATEGORIES": "cs.CL",
           "PAPERBOY_ARXIV_URL": f"{replay.url}/api/query", "PAPERBOY_HF_URL": replay.url,
           "PAPERBOY_ARXIV_DELAY": "0.1", "PAPERBOY_HF_DELAY": "0.1"}
    proc = forkcli.popen([sys.executable, "-m", "paperboy", "serve", "--port", str(port), "--no-embed"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "no scheduled run finished within 90 s"
            try:
                body = http.get(base + "/admin/status", cookies={COOKIE: cookie}, timeout=2).text
            except httpx.HTTPError:
                body = ""
            if body.count('class="run ok"') >= 2:
                break
            time.sleep(0.3)
        # Nobody ran a command: both requests came from serve's own schedule.
        assert replay.requests_to("/api/query") and replay.requests_to("/api/daily_papers")

        page.context.add_cookies([{"name": COOKIE, "value": cookie, "url": base}])
        page.goto(base + "/admin/status")
        rows = page.locator("#fetch-runs tbody tr")
        assert rows.count() == 2
        texts = [rows.nth(i).inner_text() for i in range(2)]
        arxiv_row = next(t for t in texts if t.startswith("arXiv"))
        hf_row = next(t for t in texts if t.startswith("Hugging Face"))
        assert "scheduled" in arxiv_row and "ok" in arxiv_row and "60 new" in arxiv_row
        assert "scheduled" in hf_row and "ok" in hf_row
        assert "every 1 h" in page.locator("#schedule").inner_text()
        screenshot(page, "status-page")
        # The papers it fetched reach search once the worker has indexed them (every 5 s).
        deadline = time.monotonic() + 30
        while True:
            page.goto(base + "/search?q=testing")
            if page.locator("article.card").count() > 0 or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert page.locator("article.card").count() > 0
    finally:
        proc.terminate()
        proc.wait(timeout=20)
