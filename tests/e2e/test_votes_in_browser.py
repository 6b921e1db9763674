"""Upvoting in a real browser against `paperboy serve` (response cache on): in place without a
reload for a member, to sign-in for no one, and the member's votes pressed after a reload."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from paperboy.community import sessions
from paperboy.digest.subscriptions import secret_key
from tests.community.people import add
from tests.helpers import import_files, shared

pytestmark = pytest.mark.e2e


@pytest.fixture
def hub(conn):
    import_files(conn, [shared("hf-daily-papers-2024", "2024-11-08.json")])
    conn.commit()
    return conn


def _sign_in(page, conn, base: str) -> None:
    member = add(conn, "ada@example.org")
    cookie = sessions.start(conn, secret_key(conn, None), member.id, days=30)
    conn.commit()
    page.context.add_cookies([{"name": sessions.COOKIE, "value": cookie, "url": base}])


def _votes(conn, pid: str) -> int:
    n = conn.execute("SELECT community_upvotes FROM papers WHERE id = %s", (pid,)).fetchone()["community_upvotes"]
    conn.commit()
    return n


def test_a_member_upvotes_in_place_and_sees_it_after_a_reload(page, server, hub):
    page.goto(server + "/")
    first = page.locator("button.vote-btn").first
    pid = first.get_attribute("data-vote")
    # no one: the button leads to sign-in, coming back here afterwards
    first.click()
    page.wait_for_url(re.compile(r"/signin\?next=/"))

    _sign_in(page, hub, server)
    page.goto(server + "/")
    button = page.locator(f'button.vote-btn[data-vote="{pid}"]')
    count = int(button.locator("b").inner_text())
    assert button.get_attribute("aria-pressed") == "false"
    page.evaluate("window.notReloaded = true")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")  # (the CSP allows no eval)
    assert int(button.locator("b").inner_text()) == count + 1
    assert page.evaluate("window.notReloaded") is True
    assert _votes(hub, pid) == 1

    page.reload()
    button = page.locator(f'button.vote-btn[data-vote="{pid}"]')
    assert button.get_attribute("aria-pressed") == "true" and "voted" in button.get_attribute("class")

    # on the paper page: both counts; taking the vote back updates them in place
    page.goto(f"{server}/papers/{pid}")
    here = page.locator(f'[data-community="{pid}"]')
    assert here.inner_text() == "1"
    page.locator("button.vote-btn").click()
    expect(here).to_have_text("0")
    assert page.locator("button.vote-btn").get_attribute("aria-pressed") == "false"
    assert _votes(hub, pid) == 0
