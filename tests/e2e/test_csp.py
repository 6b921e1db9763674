"""The Content-Security-Policy in a real browser: pages and /docs work under it, and Chromium
reports no violation (an inline script or style, or a file from another site, would be one)."""

from __future__ import annotations

import pytest

from paperboy.community.sessions import COOKIE
from tests.community.people import session_cookie
from tests.helpers import import_files, shared

pytestmark = pytest.mark.e2e

# Chromium fires securitypolicyviolation for each blocked script, style, image or request.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture
def hub(conn):
    import_files(conn, [shared("hf-daily-papers-2024", "2024-11-08.json")])
    conn.commit()
    return conn


@pytest.fixture
def watched(page):
    """The page, with every CSP violation and console error it meets recorded."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script(WATCH)
    page.errors = errors
    return page


def violations(page) -> list[str]:
    return page.evaluate("window.__csp") + [e for e in page.errors if "Content Security Policy" in e]


def test_pages_work_under_the_csp(watched, server, hub):
    page = watched
    response = page.goto(server + "/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    more = page.locator("button.more").first  # made by app.js: the script ran
    more.click()
    assert more.get_attribute("aria-expanded") == "true"
    page.locator("a.title").first.click()
    page.wait_for_selector("#similar-h")
    # the rest as an admin (the status page is theirs only): the member pages too
    page.context.add_cookies([{"name": COOKIE, "value": session_cookie(hub, "root@example.org", "admin"),
                               "url": server}])
    for path in ("/trending", "/search?q=diffusion&mode=keyword", "/subscribe", "/admin/status", "/admin",
                 "/account", "/signin", "/nope"):
        page.goto(server + path)
        assert violations(page) == [], path
    # /nope (and /favicon.ico) answer 404, which Chromium logs; nothing else may be logged
    assert [e for e in page.errors if not e.startswith("Failed to load resource")] == []


def test_api_docs_work_under_the_csp_from_local_files(watched, server, hub):
    page = watched
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(server + "/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "paperboy" in page.locator(".swagger-ui .info .title").inner_text()
    # try one call from the page: Swagger UI's request must pass the CSP too
    page.locator(".opblock-summary", has_text="/api/trending").first.click()
    page.locator(".try-out__btn").first.click()
    page.locator(".execute").first.click()
    status = page.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "200"
    assert violations(page) == [], violations(page)
    assert all(u.startswith(server) for u in requested), [u for u in requested if not u.startswith(server)]
