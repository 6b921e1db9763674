"""/admin/status and its JSON twin show one report, the one `paperboy status` prints."""

from __future__ import annotations

from tests.community.people import sign_in
from tests.helpers import Page


def test_the_json_twin_shows_what_the_page_shows_and_nothing_private(client, hub):
    sign_in(client, hub, "root@example.org", "admin")  # /admin/* is for admins only
    n = hub.execute("SELECT count(*) AS n FROM papers").fetchone()["n"]
    report = client.get("/admin/status.json")
    assert report.status_code == 200 and report.headers["cache-control"] == "no-store"
    body = report.json()
    assert body["papers"] == n and body["latest_day"] == "2024-11-10"
    assert "database" not in body and "index_path" not in body  # where this host keeps things
    page = client.get("/admin/status")
    assert page.status_code == 200
    assert f"{n:,}" in Page(page.text).find("main").text or str(n) in Page(page.text).find("main").text
