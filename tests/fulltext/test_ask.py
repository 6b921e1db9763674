"""A member asks for one paper's full text from its page: the form (CSRF, sign-in first), the
API, the limit (policy "fulltext_asks"), and what the page then says."""

from __future__ import annotations

import dataclasses
from datetime import date

from fastapi.testclient import TestClient

from paperboy import config
from paperboy.fulltext import store
from paperboy.fulltext.convert import convert
from paperboy.papers.record import Paper
from paperboy.papers.store import store_batch
from paperboy.web.app import create_app
from tests.community.people import sign_in, token_for
from tests.fulltext import snippets
from tests.helpers import Page

PAPER = "2601.00001"


def _app(db, tmp_path, scope: str = "library"):
    cfg = dataclasses.replace(config.load(), fetch=dataclasses.replace(config.load().fetch, fulltext=scope))
    return create_app(db, cache_seconds=0, rate_limit=0, home=tmp_path, cfg=cfg)


def _state(conn) -> str | None:
    row = conn.execute("SELECT status FROM enrich_state WHERE paper_id = %s AND source = 'fulltext'",
                       (PAPER,)).fetchone()
    conn.commit()
    return row and row["status"]


def test_a_member_asks_for_a_full_text_from_the_page(db, conn, tmp_path):
    store_batch(conn, [Paper(title="Rotary Scaling", source="arxiv-atom", arxiv_id=PAPER, version=1),
                       Paper(title="No id here", source="hf-page", listed_on=date(2026, 1, 5))])
    conn.commit()
    client = TestClient(_app(db, tmp_path), raise_server_exceptions=False)
    page = client.get(f"/papers/{PAPER}").text
    [form] = [f for f in Page(page).find_all("form") if f.attrs.get("action") == f"/papers/{PAPER}/fulltext"]

    anonymous = client.post(f"/papers/{PAPER}/fulltext", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/signin?")
    csrf = sign_in(client, conn, "ada@example.org")
    assert client.post(f"/papers/{PAPER}/fulltext", data={"csrf": "wrong"}).status_code == 403
    assert _state(conn) is None
    r = client.post(f"/papers/{PAPER}/fulltext", data={"csrf": csrf}, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, f"/papers/{PAPER}")
    assert _state(conn) == "pending"  # queued, although no member saved it (PAPERBOY_FULLTEXT=library)

    c = convert(snippets.LATEXML)
    store.save_text(conn, PAPER, 1, c.markdown, c.outline)
    conn.commit()
    page = client.get(f"/papers/{PAPER}").text
    assert f'<a href="/papers/{PAPER}.md">as Markdown</a>' in page and "Fetch the full text" not in page
    headers = token_for(conn, "bob@example.org")
    assert client.post(f"/api/papers/{PAPER}/fulltext", headers=headers).json() == {"id": PAPER, "status": "known"}
    no_id = conn.execute("SELECT id FROM papers WHERE arxiv_id IS NULL").fetchone()["id"]
    conn.commit()
    refused = client.post(f"/api/papers/{no_id}/fulltext", headers=headers)
    assert refused.status_code == 409 and "no arXiv id" in refused.json()["error"]
    assert client.post("/api/papers/2699.99999/fulltext", headers=headers).status_code == 404
    assert TestClient(client.app).post(f"/api/papers/{PAPER}/fulltext").status_code == 401  # no one
    assert client.post(f"/api/papers/{PAPER}/fulltext").status_code == 403  # a cookie without its CSRF token


def test_asking_is_limited_and_off_means_off(db, conn, tmp_path):
    store_batch(conn, [Paper(title="Rotary Scaling", source="arxiv-atom", arxiv_id=PAPER, version=1)])
    conn.commit()
    client = TestClient(_app(db, tmp_path), raise_server_exceptions=False)
    headers = token_for(conn, "ada@example.org")
    for _ in range(20):
        assert client.post(f"/api/papers/{PAPER}/fulltext", headers=headers).json()["status"] == "queued"
    over = client.post(f"/api/papers/{PAPER}/fulltext", headers=headers)
    assert over.status_code == 429 and "at most 20 an hour" in over.json()["error"] and over.headers["Retry-After"]

    off = TestClient(_app(db, tmp_path, "off"), raise_server_exceptions=False)
    assert "Fetch the full text" not in off.get(f"/papers/{PAPER}").text
    r = off.post(f"/api/papers/{PAPER}/fulltext", headers=token_for(conn, "bob@example.org"))
    assert r.status_code == 409 and "PAPERBOY_FULLTEXT=off" in r.json()["error"]
