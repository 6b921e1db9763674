"""Search inside papers in a real browser against `paperboy serve` (its jobs sync the passage
index): the search page's "Search inside papers" switch shows "§… section: … snippet …" with
the words marked, linking to the section of the Read view with a text fragment; the account
page's one-click "Search inside my library" finds the member's upvoted paper by its body."""

from __future__ import annotations

import time
from datetime import date

import pytest
from playwright.sync_api import expect

from paperboy.community import sessions
from paperboy.digest.subscriptions import secret_key
from paperboy.fulltext import store
from paperboy.fulltext.convert import convert
from paperboy.papers.record import Paper
from paperboy.papers.store import store_batch
from tests.community.people import add
from tests.fixtures import http
from tests.helpers import SHARED

pytestmark = pytest.mark.e2e
PAPER = "2501.11120"


@pytest.fixture
def hub(conn):
    store_batch(conn, [Paper(title="Tell me about yourself: LLMs are aware of their learned behaviors",
                             source="hf-daily", arxiv_id=PAPER, version=1, summary="We study behavioral self-awareness.",
                             listed_on=date(2025, 1, 21))])
    converted = convert((SHARED / "arxiv-html-recorded" / f"{PAPER}v1.html").read_bytes())
    store.save_text(conn, PAPER, 1, converted.markdown, converted.outline)
    member = add(conn, "ada@example.org")
    conn.execute("INSERT INTO votes (paper_id, member_id) VALUES (%s, %s)", (PAPER, member.id))
    conn.commit()
    return conn, sessions.start(conn, secret_key(conn, None), member.id, days=30)


def _synced(base: str) -> None:
    deadline = time.monotonic() + 60  # serve's jobs sync the passage index every few seconds
    while time.monotonic() < deadline:
        hits = http.get(f"{base}/api/papers/search", params={"q": '"reversal training"', "fulltext": "1"}).json()
        if hits and hits[0].get("passage"):
            return
        time.sleep(0.5)
    raise AssertionError("the passage index was not synced within 60 s")


def test_search_inside_papers_and_inside_my_library(page, server, hub):
    _conn, cookie = hub
    _synced(server)
    page.goto(server + "/search")
    page.fill("#q2", '"reversal training"')
    page.check("input[name=fulltext]")
    page.locator("form.search-full button[type=submit]").click()
    passage = page.locator("p.passage").first
    expect(passage).to_be_visible()
    expect(passage.locator("mark").first).to_have_text("reversal", ignore_case=True)
    link = passage.locator("a")
    assert link.inner_text().startswith("§")
    href = link.get_attribute("href")
    assert href.startswith(f"/papers/{PAPER}/read?hl=") and ":~:text=" in href
    assert "fulltext=1" in page.url
    anchor = href.split("#", 1)[1].split(":~:", 1)[0]
    link.click()  # the hit's passage, highlighted in its section of the Read view
    page.wait_for_url(f"**/papers/{PAPER}/read?hl=*")
    expect(page.locator("#hl-note")).to_be_visible()
    in_section = page.evaluate("""(id) => {
        const h = document.getElementById(id);
        if (!h) return [];
        const level = Number(h.tagName[1]), found = [];
        for (let el = h.nextElementSibling; el; el = el.nextElementSibling) {
            if (/^H[1-6]$/.test(el.tagName) && Number(el.tagName[1]) <= level) break;
            el.querySelectorAll("mark").forEach((m) => found.push(m.textContent.toLowerCase()));
        }
        return found;
    }""", anchor)
    assert "reversal" in in_section, f"no marked 'reversal' in section #{anchor}: {in_section[:10]}"

    page.goto(server + "/search?q=%22reversal+training%22")  # the switch off: abstracts only
    expect(page.locator("p.passage")).to_have_count(0)

    page.context.add_cookies([{"name": sessions.COOKIE, "value": cookie, "url": server}])
    page.goto(server + "/account")
    page.fill("#library-q", "reversal training")
    page.get_by_role("button", name="Search inside my library").click()
    page.wait_for_url("**/account/library/search?q=reversal+training")
    expect(page.locator("ol.library-results li")).to_have_count(1)
    expect(page.locator("ol.library-results a").first).to_have_text(
        "Tell me about yourself: LLMs are aware of their learned behaviors")
    expect(page.locator("ol.library-results p.passage mark").first).to_be_visible()
