"""Stored XSS through links (issue 10, finding 1), as a person meets it: Chromium clicks every
link of a feed page and of each paper page while the hub holds papers whose code, project
and PDF links are `javascript:` URLs — some stored by an older paperboy straight into the
table (the templates must check again), some arriving through `paperboy import`."""

from __future__ import annotations

import json

import pytest

from tests.helpers import run_cli, screenshot

HOSTILE = ["javascript:alert(1)", "JaVaScRiPt:alert(2)", " javascript:alert(3)",
           "java\tscript:alert(4)", "\njavascript:alert(5)", "data:text/html,<script>alert(6)</script>"]
DAY = "2024-11-08"


@pytest.fixture
def hub(conn, db_url, tmp_path):
    """Hostile links in the table (as older versions stored them) and through the importer."""
    with conn.transaction():
        for i, url in enumerate(HOSTILE):
            pid = f"2411.{i:05d}"
            conn.execute(
                "INSERT INTO papers (id, arxiv_id, title, title_key, summary, github_repo,"
                " project_page, pdf_url, published_at, listed_on, upvotes)"
                " VALUES (%s, %s, %s, %s, 'An abstract with words.', %s, %s, %s, %s, %s, %s)",
                (pid, pid, f"Stored hostile paper {i}", f"stored hostile paper {i}", url, url, url,
                 DAY, DAY, 10 + i))
            conn.execute("INSERT INTO listings (paper_id, day, source) VALUES (%s, %s, 'hf-api')",
                         (pid, DAY))
    items = [{"paper": {"id": f"2411.1{i:04d}", "title": f"Imported hostile paper {i}",
                        "summary": "Another abstract.", "authors": [{"name": "Eve"}], "upvotes": i,
                        "githubRepo": url, "projectPage": url},
              "publishedAt": f"{DAY}T09:00:00.000Z"} for i, url in enumerate(HOSTILE)]
    f = tmp_path / "hostile.json"
    f.write_text(json.dumps(items))
    r = run_cli(["import", str(f)], {"DATABASE_URL": db_url, "PAPERBOY_HOME": str(tmp_path / "home")})
    assert r.returncode == 0, r.stderr
    return conn


# Safe links (http, https, this site's pages) are clicked but not followed, so one page
# serves every click; any other link (javascript:, data:…) is left to do what it does.
_STAY = """document.addEventListener("click", e => {
  const a = e.target.closest("a");
  if (a && (a.protocol === "http:" || a.protocol === "https:")) e.preventDefault();
}, true)"""


def _click_every_link(page, url: str, dialogs: list[str]) -> int:
    """Click every link of ``url`` as a person would (a skip link sits off-screen until
    focused, so each is activated like a click); any script a link runs opens a dialog."""
    page.goto(url)
    page.evaluate(_STAY)
    links = page.locator("a[href]")
    n = links.count()
    for i in range(n):
        links.nth(i).evaluate("a => a.click()")
    page.wait_for_timeout(300)  # a javascript: URL runs as a task after the click
    assert page.url == url, f"a link left the page: {page.url}"
    return n


@pytest.mark.e2e
def test_chromium_clicks_every_link_and_no_script_runs(server, page):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.set_default_timeout(15_000)  # a stuck page fails the test, never stalls it
    page.goto(f"{server}/papers?date={DAY}")
    assert page.locator("article.card").count() == 2 * len(HOSTILE)
    # What the browser itself makes of every href: only http(s) and our own pages.
    protocols = page.eval_on_selector_all("a[href]", "as => as.map(a => a.protocol)")
    assert set(protocols) <= {"http:", "https:"}, protocols
    screenshot(page, "hostile-links")
    clicked = _click_every_link(page, f"{server}/papers?date={DAY}", dialogs)
    assert clicked > 4 * len(HOSTILE)
    for i in range(len(HOSTILE)):
        for pid in (f"2411.{i:05d}", f"2411.1{i:04d}"):
            page.goto(f"{server}/papers/{pid}")
            protocols = page.eval_on_selector_all("a[href]", "as => as.map(a => a.protocol)")
            assert set(protocols) <= {"http:", "https:"}, (pid, protocols)
    for pid in ("2411.00003", "2411.10001"):  # one stored, one imported: click them all too
        _click_every_link(page, f"{server}/papers/{pid}", dialogs)
    assert dialogs == [], f"a hostile link ran script: {dialogs}"
