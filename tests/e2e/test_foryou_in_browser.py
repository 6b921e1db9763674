"""static/foryou.js in Chromium against a real `paperboy serve`: "Not interested" takes the
pick off the page at once (through the API, with the session's CSRF token), Undo puts it
back, and both stick on the server. (Here, not in tests/recommend_web/: one Playwright per
test session, this directory's ``browser``.) The corpus is tests/recommend_web's: two weeks
of real HF daily lists, embedded once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from paperboy.community import members
from paperboy.community.sessions import COOKIE
from tests.community.people import session_cookie
from tests.e2e.conftest import serve
from tests.recommend_web.conftest import ALL_TIME, VIDEO, db_url, foryou_template, upvote_all  # noqa: F401 - fixtures


@pytest.fixture
def world(db_url, conn, tmp_path) -> Iterator[str]:  # noqa: F811 - the fixture imported above
    proc, base = serve(db_url, tmp_path / "home", PAPERBOY_FETCH_EVERY="off", PAPERBOY_RATE_LIMIT="0")
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def _marked(conn, email: str) -> set[str]:
    member = members.by_email(conn, email)
    conn.commit()  # see what the server committed since
    return {r["paper_id"] for r in conn.execute("SELECT paper_id FROM not_interested WHERE member_id = %s",
                                                (member.id,))}


def test_not_interested_in_place_then_undo(world, conn, page):
    cookie = session_cookie(conn, "ada@example.org")
    upvote_all(conn, members.by_email(conn, "ada@example.org").id, VIDEO)
    page.context.add_cookies([{"name": COOKIE, "value": cookie, "url": world}])
    page.goto(f"{world}/for-you?since={ALL_TIME}")
    picks = page.locator(".pick")
    assert picks.count() == 20
    gone = picks.first.get_attribute("data-paper")
    url = page.url
    picks.first.get_by_role("button", name="Not interested").click()
    page.wait_for_selector(f'.pick[data-paper="{gone}"]', state="detached", timeout=5000)
    assert page.url == url  # in place: no page load
    assert "Removed from your picks" in page.locator(".pick-removed").inner_text()
    assert _marked(conn, "ada@example.org") == {gone}
    page.get_by_role("link", name="Undo").click()
    page.wait_for_selector(f'.pick[data-paper="{gone}"]', state="attached", timeout=5000)
    assert page.locator(".pick-removed").count() == 0
    assert _marked(conn, "ada@example.org") == set()
    # and once more, for good: a reload no longer shows it
    page.locator(f'.pick[data-paper="{gone}"]').get_by_role("button", name="Not interested").click()
    page.wait_for_selector(f'.pick[data-paper="{gone}"]', state="detached", timeout=5000)
    page.reload()
    assert page.locator(".pick").count() == 20 and page.locator(f'.pick[data-paper="{gone}"]').count() == 0
