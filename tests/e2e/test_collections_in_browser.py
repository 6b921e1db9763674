"""Saving to a collection and exporting it in a real browser against `paperboy serve`
(response cache on, the CSP enforced): from a card to the paper page's Save form, a new
collection by name, a second save to the collection chosen, then the collection page's
BibTeX export."""

from __future__ import annotations

import bibtexparser
import pytest
from playwright.sync_api import expect

from tests.community.people import session_cookie
from tests.helpers import import_files, shared

pytestmark = pytest.mark.e2e


@pytest.fixture
def hub(conn):
    import_files(conn, [shared("hf-daily-papers-2024", "2024-11-08.json")])
    conn.commit()
    return conn


@pytest.fixture
def picks(hub) -> list[dict]:
    """The day's two most upvoted papers."""
    return hub.execute("SELECT p.id, p.title FROM papers p JOIN listings l ON l.paper_id = p.id"
                       " ORDER BY p.upvotes DESC, p.id LIMIT 2").fetchall()


def test_save_two_papers_then_export_the_collection_as_bibtex(page, server, hub, picks):
    first, second = picks[0], picks[1]
    cookie = session_cookie(hub, "ada@example.org")
    page.context.add_cookies([{"name": "paperboy_session", "value": cookie, "url": server}])
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # a card links to the paper page's save box
    page.goto(server + "/")
    page.locator(f'a.save-link[href="/papers/{first["id"]}#save"]').first.click()
    page.wait_for_url(f"**/papers/{first['id']}#save")
    form = page.locator("form.save-to-collection")
    form.locator('input[name="new_collection"]').fill("Weekend")
    expect(form.locator("select")).to_have_class("set-aside")  # the new name is what saves
    form.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/papers/{first['id']}#save")
    expect(page.locator(".save-held a")).to_have_text("Weekend")

    page.goto(server + f"/papers/{second['id']}")
    form = page.locator("form.save-to-collection")
    form.locator('select[name="collection"]').select_option(label="Weekend")
    form.get_by_role("button", name="Save").click()
    expect(page.locator(".save-held a")).to_have_text("Weekend")

    page.goto(server + "/collections")
    page.get_by_role("link", name="Weekend").click()
    expect(page.locator("a.title")).to_have_count(2)
    with page.expect_download() as got:
        page.locator(".export").get_by_role("link", name="BibTeX").click()
    text = open(got.value.path(), encoding="utf-8").read()
    entries = bibtexparser.parse_string(text).entries
    assert sorted(e.fields_dict["eprint"].value for e in entries) == sorted([first["id"], second["id"]])
    assert got.value.suggested_filename == "Weekend.bib"
    assert not [e for e in errors if "Content Security Policy" in e], errors
