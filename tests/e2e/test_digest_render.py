"""A rendered digest, opened in Chromium: it lays out, and a screenshot is kept."""

from __future__ import annotations

import email
from email import policy

import pytest

from paperboy.digest import compose
from tests.digest.conftest import NOW, active, context
from tests.digest.conftest import week as week  # noqa: F401 - the fixture
from tests.helpers import screenshot

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_digest_renders_in_chromium(browser, week, tmp_path, scheme):  # noqa: F811
    conn = week
    sub_id = active(conn, "ada@example.org", topics=["language model agents"])
    ctx = context(conn, tmp_path, NOW)
    sub = conn.execute("SELECT * FROM subscribers WHERE id = %s", (sub_id,)).fetchone()
    built = compose.build(conn, ctx, sub, "2024-11-08", ["language model agents"])
    message, papers = built.message, built.papers
    html = email.message_from_bytes(message, policy=policy.default).get_body(("html",)).get_content()
    path = tmp_path / "digest.html"
    path.write_text(html)
    context_ = browser.new_context(viewport={"width": 700, "height": 1000}, color_scheme=scheme,
                                   java_script_enabled=False)
    page = context_.new_page()
    page.goto(path.as_uri())
    titles = page.locator(".title a")
    assert titles.count() == len(papers)
    assert page.locator("text=Unsubscribe").count() == 1
    bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert bg == ("rgb(12, 16, 23)" if scheme == "dark" else "rgb(255, 255, 255)")
    assert page.evaluate("document.documentElement.scrollWidth") <= 700
    shot = screenshot(page, f"digest-{scheme}")
    assert shot.stat().st_size > 10_000
    context_.close()
