"""Reading a paper in Chromium, with JavaScript off (the Read view needs none): the paper
page's "Read", a table-of-contents link that moves the page to its section, and a search hit's
link (``/papers/{id}/read?hl=TERM#ANCHOR``) that opens on the section with the term marked."""

from __future__ import annotations

import re
from datetime import date

import pytest

from paperboy.fulltext import store
from paperboy.fulltext.convert import convert
from paperboy.papers.record import Paper
from paperboy.papers.store import store_batch
from tests.helpers import SHARED, screenshot

pytestmark = pytest.mark.e2e
PAPER = "2501.11120"
HEIGHT = 900


@pytest.fixture
def hub(conn):
    store_batch(conn, [Paper(title="Tell me about yourself: LLMs are aware of their learned behaviors",
                             source="hf-daily", arxiv_id=PAPER, version=1, authors=("Jan Betley", "Xuchan Bao"),
                             summary="We study behavioral self-awareness.", listed_on=date(2025, 1, 21))])
    converted = convert((SHARED / "arxiv-html-recorded" / f"{PAPER}v1.html").read_bytes())
    store.save_text(conn, PAPER, 1, converted.markdown, converted.outline)
    conn.commit()
    return conn


def _in_view(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and 0 <= box["y"] < HEIGHT


def test_read_follow_the_contents_and_land_on_a_marked_passage(browser, server, hub):
    context = browser.new_context(viewport={"width": 1100, "height": HEIGHT}, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server}/papers/{PAPER}")
    page.locator("a.read-link").click()
    page.wait_for_url(re.compile(rf"/papers/{re.escape(PAPER)}/read$"))
    assert page.locator("nav.toc h2").inner_text() == "Contents"
    heading = page.locator('h2[id="S4"]')
    assert not _in_view(heading)

    link = page.locator('nav.toc a[href="#S4"]')
    title = link.inner_text()
    link.click()
    page.wait_for_url(re.compile(r"/read#S4$"))
    assert heading.inner_text() == title and _in_view(heading)
    screenshot(page, "read-contents-link")

    page.goto(f"{server}/papers/{PAPER}/read?hl=risk-seeking#S3.SS1")
    section, after = page.locator('h3[id="S3.SS1"]'), page.locator('h3[id="S3.SS2"]')
    assert _in_view(section)
    top, bottom = section.bounding_box()["y"], after.bounding_box()["y"]
    marks = page.locator(".fulltext-body mark")
    assert marks.count() > 5
    inside = [m for m in marks.all() if top < m.bounding_box()["y"] < bottom]
    assert inside and all(m.inner_text().lower() == "risk-seeking" for m in inside)
    assert any(_in_view(m) for m in inside)  # the passage is on the first screen
    assert page.locator("#hl-note mark").inner_text() == "risk-seeking"
    screenshot(page, "read-highlight")
    context.close()
