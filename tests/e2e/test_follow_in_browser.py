"""Following an author in a real browser against `paperboy serve` (response cache on): from a
paper page, click a name, Follow on the author's page (in place, through the API), and find them
on the account page, where Unfollow takes them off."""

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


def test_follow_an_author_from_a_paper_page_and_see_them_on_the_account_page(page, server, hub):
    member = add(hub, "ada@example.org")
    cookie = sessions.start(hub, secret_key(hub, None), member.id, days=30)
    paper = hub.execute("SELECT id, authors[1] AS name FROM papers WHERE cardinality(authors) > 1"
                        " ORDER BY upvotes DESC, id LIMIT 1").fetchone()
    hub.commit()
    page.context.add_cookies([{"name": sessions.COOKIE, "value": cookie, "url": server}])

    page.goto(f"{server}/papers/{paper['id']}")
    page.locator("p.authors a.author", has_text=paper["name"]).first.click()
    page.wait_for_url(re.compile(r"/authors/"))
    expect(page.locator("h1")).to_have_text(paper["name"])
    button = page.locator("button.follow-btn")
    expect(button).to_have_attribute("aria-pressed", "false")
    page.evaluate("window.notReloaded = true")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")  # in place, through the API
    assert page.evaluate("window.notReloaded") is True
    assert "Following" in button.inner_text()
    follows = hub.execute("SELECT kind, label FROM follows WHERE member_id = %s", (member.id,)).fetchall()
    hub.commit()
    assert [(f["kind"], f["label"]) for f in follows] == [("author", paper["name"])]

    page.reload()  # the cached page, made the member's: pressed
    expect(page.locator("button.follow-btn")).to_have_attribute("aria-pressed", "true")

    page.goto(f"{server}/account")
    section = page.locator("#follows")
    expect(section.get_by_role("link", name=paper["name"])).to_be_visible()
    section.get_by_role("button", name=re.compile("Unfollow")).click()
    page.wait_for_url(re.compile(r"/account"))
    expect(page.locator("#follows")).to_contain_text("Nobody and nothing yet")
