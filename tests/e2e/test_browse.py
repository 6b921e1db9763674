"""A reader's morning, in a real browser: today's papers, yesterday's, one paper, trending."""

from __future__ import annotations

import re

import pytest

from tests.helpers import import_files, screenshot, shared

pytestmark = pytest.mark.e2e


@pytest.fixture
def hub(conn):
    days = ["2024-11-06", "2024-11-07", "2024-11-08"]
    import_files(conn, [shared("hf-daily-papers-2024", f"{d}.json") for d in days])
    conn.commit()
    return conn


def test_feed_previous_day_paper_and_trending(page, server, hub):
    page.goto(server + "/")
    assert page.locator("h1").inner_text() == "Friday, November 8, 2024"
    cards = page.locator("article.card")
    assert cards.count() == hub.execute(
        "SELECT count(*) AS n FROM listings WHERE day = '2024-11-08'").fetchone()["n"]
    shot = screenshot(page, "feed")
    assert shot.stat().st_size > 10_000

    # a clamped abstract expands in place
    more = page.locator("button.more").first
    abstract = page.locator(".abstract.clamp").first
    closed = abstract.bounding_box()["height"]
    more.click()
    assert more.get_attribute("aria-expanded") == "true"
    assert abstract.bounding_box()["height"] > closed

    # keyboard: j focuses the first paper's title
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.className") == "title"

    page.locator('a[rel="prev"]').first.click()
    page.wait_for_url(re.compile(r"date=2024-11-07"))
    assert page.locator("h1").inner_text() == "Thursday, November 7, 2024"

    first = page.locator("a.title").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/papers/\d{4}\.\d{4,5}$"))
    assert page.locator("h1").inner_text() == title
    assert page.locator("#similar-h").inner_text() == "Similar papers"
    screenshot(page, "paper")

    page.locator("nav >> text=Trending").click()
    page.wait_for_url(re.compile(r"/trending$"))
    assert page.locator("h1").inner_text() == "Trending papers"
    assert "Trending = " in page.locator("#formula").inner_text()
    assert page.locator("article.card").count() > 0


def test_works_on_a_phone_in_dark_mode(browser, server, hub):
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark",
                                  is_mobile=True)
    page = context.new_page()
    page.goto(server + "/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "no horizontal scrolling on a phone"
    bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert bg == "rgb(12, 16, 23)"
    screenshot(page, "feed-phone-dark")
    context.close()


def test_pages_work_without_javascript(browser, server, hub):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "/")
    assert page.locator("article.card").count() > 0
    page.locator('a[rel="prev"]').first.click()
    assert page.locator("h1").inner_text() == "Thursday, November 7, 2024"
    context.close()


def test_search_box_finds_and_opens_a_paper(page, server, hub, db_url, tmp_path):
    target = hub.execute("SELECT id, title FROM papers ORDER BY upvotes DESC NULLS LAST LIMIT 1").fetchone()
    words = " ".join(target["title"].split(":")[0].split()[:3])
    page.goto(server + "/trending")
    box = page.locator("header input[name=q]")
    box.fill(words)
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    assert page.locator("h1").inner_text() == "Search results"
    assert page.locator("mark").count() > 0  # matched words are highlighted
    link = page.locator(f'a.title[href="/papers/{target["id"]}"]')
    assert link.count() == 1
    link.click()
    page.wait_for_url(re.compile(rf"/papers/{re.escape(target['id'])}$"))
    assert page.locator("h1").inner_text() == target["title"]
    screenshot(page, "search-result-paper")
