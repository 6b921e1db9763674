"""Content first (issue: a real user's first hour, item 7 and acceptance 4): on a phone (390 ×
844 px) the first paper of every list starts in the top half of the first screen, and on a
wide screen (1280 px) the header is one row, whoever is signed in. Before, the nav took three
or four rows on a phone and the subscribe and submit forms followed on every page: the first
paper started about 540 px down, and "Sign in" sat alone on a second row at 1280 px."""

from __future__ import annotations

import pytest

from tests.helpers import screenshot

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 900}


def _lists(hub) -> list[str]:
    return ["/", "/papers?week=2024-W45", "/trending", "/new", "/search?q=diffusion+models",
            f"/collections/{hub.collection}"]


def _context(browser, site, role: str | None, viewport: dict):
    base, _, cookies = site
    context = browser.new_context(viewport=viewport)
    if role:
        context.add_cookies([{"name": "paperboy_session", "value": cookies[role], "url": base}])
    return context


@pytest.mark.parametrize("role", [None, "admin"])
def test_the_first_paper_of_a_list_is_in_the_top_half_of_a_phone(browser, site, role):
    base, hub, _ = site
    context = _context(browser, site, role, PHONE)
    page = context.new_page()
    paths = _lists(hub) + (["/for-you"] if role else [])
    late = {}
    for path in paths:
        page.goto(base + path)
        cards = page.locator("article.card")
        assert cards.count() > 0, f"no paper on {path}"
        top = cards.first.bounding_box()["y"]
        if top >= PHONE["height"] / 2:
            late[path] = top
            screenshot(page, f"first-screen-{role or 'visitor'}-{path.strip('/').split('?')[0] or 'home'}")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path  # no sideways scroll
    context.close()
    assert not late, f"first paper starts below the top half (422 px): {late}"


@pytest.mark.parametrize("role", [None, "member", "admin"])
def test_the_header_is_one_row_on_a_wide_screen(browser, site, role):
    base, hub, _ = site
    context = _context(browser, site, role, WIDE)
    page = context.new_page()
    for path in ("/", f"/papers/{hub.paper}", "/search?q=video"):
        page.goto(base + path)
        boxes = page.eval_on_selector_all(
            "header.top .bar > *", "els => els.map(e => { const r = e.getBoundingClientRect();"
            " return [e.className || e.tagName, r.top, r.bottom]; })")
        assert len(boxes) >= 3, boxes
        tops = [b[1] for b in boxes]
        assert max(tops) - min(tops) < 12, (path, boxes)  # side by side, not wrapped
        assert page.locator("header.top").bounding_box()["height"] < 70, path
    context.close()
