"""The For you page: the tab, for no one, a cold start, picks with their because links and
"Not interested" forms (working without JavaScript), the period, never a shared cached page."""

from __future__ import annotations

from fastapi.testclient import TestClient

from paperboy.community import members
from paperboy.web.app import create_app
from tests.community.people import sign_in
from tests.helpers import Page
from tests.recommend_web.conftest import ALL_TIME, VIDEO, upvote_all


def _picks(html: str) -> list[Page]:
    """Each pick of the page (a ``section.pick``) parsed on its own."""
    return [Page('<section class="pick"' + part.split("</section>")[0])
            for part in html.split('<section class="pick"')[1:]]


def _signed_in(client, conn, ids: list[str] = VIDEO, fit: bool = True) -> str:
    csrf = sign_in(client, conn, "ada@example.org")
    upvote_all(conn, members.by_email(conn, "ada@example.org").id, ids, fit)
    return csrf


def test_the_tab_is_on_every_page_and_tells_no_one_what_it_is(client, conn):
    home = Page(client.get("/").text)
    assert home.find("a", href="/for-you").text == "For you"
    r = client.get("/for-you")
    assert r.status_code == 200 and "no-store" in r.headers["cache-control"]
    page = Page(r.text)
    assert page.find("a", href="/for-you").attrs.get("aria-current") == "page"
    assert "Papers picked for you" in page.find("p", class_="foryou-intro").text
    assert page.find("a", href="/signin?next=/for-you") is not None
    assert not _picks(r.text)


def test_cold_start_asks_for_likes_or_a_library_and_shows_trending(client, conn):
    _signed_in(client, conn, VIDEO[:1])
    r = client.get("/for-you")
    assert r.status_code == 200
    page = Page(r.text)
    prompt = page.find("p", class_="cold-start").text
    assert "Upvote or save 3 papers, or import your library, for picks (1 of 3 so far)" in prompt
    assert page.find("a", href="/account#library") is not None
    shown = [p.find("section", class_="pick").attrs["data-paper"] for p in _picks(r.text)]
    trending = [t["paper"]["id"] for t in client.get("/api/trending?limit=100").json()]
    assert len(shown) == 20 and shown == [t for t in trending if t in shown]  # trending, in its order
    assert VIDEO[0] not in shown  # the member's own upvote is no pick
    # trending papers are no picks yet: nothing to explain; but each may be turned down
    assert not page.find_all("p", class_="because")
    assert len(page.find_all("form", class_="not-interested")) == len(shown)


def test_a_change_not_yet_fitted_says_the_picks_are_updating(client, conn):
    _signed_in(client, conn, VIDEO, fit=False)
    page = Page(client.get("/for-you").text)
    assert "Updating your picks…" in page.find("p", class_="pending").text


def test_picks_say_why_with_links_to_the_members_own_papers(client, conn):
    csrf = _signed_in(client, conn)
    r = client.get(f"/for-you?since={ALL_TIME}")
    assert r.status_code == 200 and "no-store" in r.headers["cache-control"]
    page = Page(r.text)
    assert page.find("a", href="/for-you").attrs.get("aria-current") == "page"
    assert any(s.attrs.get("src", "").startswith("/static/foryou.js?v=") for s in page.find_all("script"))
    assert page.find("a", href=f"/for-you?since={ALL_TIME}").attrs.get("aria-current") == "true"  # All time
    picks = _picks(r.text)
    assert len(picks) == 20 and page.find("a", rel="next") is not None
    explained = 0
    for pick in picks:
        pid = pick.find("section", class_="pick").attrs["data-paper"]
        assert pid not in VIDEO and pick.find("a", class_="title", href=f"/papers/{pid}") is not None
        form = pick.find("form", class_="not-interested")
        assert form.attrs["action"] == f"/for-you/{pid}/not-interested" and form.attrs["method"] == "post"
        assert pick.find("input", name="csrf").attrs["value"] == csrf
        assert pick.find("button", **{"data-paper": pid}).text == "Not interested"
        because = pick.find("p", class_="because")
        if because is None:  # a trending paper filling the page, and saying so
            assert pick.find("p", class_="trending-pad").text.startswith("Trending")
            continue
        explained += 1
        assert pick.find("p", class_="trending-pad") is None
        assert because.text.startswith("Because you upvoted ")
        links = [a.attrs["href"] for a in because_links(pick)]
        assert 1 <= len(links) <= 2 and all(h.removeprefix("/papers/") in VIDEO for h in links)
    assert explained >= 5


def because_links(pick: Page) -> list:
    """The links inside the pick's because line (they come after its opening tag)."""
    els = pick.elements
    start = next(i for i, e in enumerate(els) if e.tag == "p" and "because" in (e.attrs.get("class") or ""))
    end = next(i for i, e in enumerate(els) if e.tag == "form" and i > start)
    return [e for e in els[start + 1:end] if e.tag == "a"]


def test_not_interested_without_javascript_and_undo(client, conn):
    csrf = _signed_in(client, conn)
    first = _picks(client.get(f"/for-you?since={ALL_TIME}").text)[0].find("section", class_="pick").attrs["data-paper"]
    back = f"/for-you?since={ALL_TIME}"
    refused = client.post(f"/for-you/{first}/not-interested", data={"csrf": "wrong", "next": back},
                          follow_redirects=False)
    assert refused.status_code == 403
    r = client.post(f"/for-you/{first}/not-interested", data={"csrf": csrf, "next": back}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(back + "&done=removed")
    after = client.get(r.headers["location"])
    shown = [p.find("section", class_="pick").attrs["data-paper"] for p in _picks(after.text)]
    assert first not in shown and shown
    undo = Page(after.text).find("form", action=f"/for-you/{first}/undo")
    assert undo is not None and "Removed from your picks" in after.text
    back_in = client.post(f"/for-you/{first}/undo", data={"csrf": csrf, "next": back}, follow_redirects=False)
    assert back_in.status_code == 303
    again = client.get(back_in.headers["location"])
    assert "Back among your picks" in again.text
    assert first in [p.find("section", class_="pick").attrs["data-paper"] for p in _picks(again.text)]
    # someone signed out is sent to sign in; a redirect never leaves the page
    stranger = TestClient(client.app, raise_server_exceptions=False)
    out = stranger.post(f"/for-you/{first}/not-interested", data={"next": back}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"].startswith("/signin")
    away = client.post(f"/for-you/{first}/not-interested", data={"csrf": csrf, "next": "//evil.example/x"},
                       follow_redirects=False)
    assert away.headers["location"].startswith("/for-you?")
    assert client.post("/for-you/9999.99999/not-interested", data={"csrf": csrf}).status_code == 404


def test_the_page_is_never_a_shared_cached_page(db, conn):
    cached = TestClient(create_app(db, cache_seconds=60, rate_limit=0), raise_server_exceptions=False)
    _signed_in(cached, conn)
    mine = cached.get("/for-you")
    assert "x-cache" not in mine.headers and "no-store" in mine.headers["cache-control"]
    assert _picks(mine.text)
    stranger = TestClient(cached.app, raise_server_exceptions=False).get("/for-you")
    assert "x-cache" not in stranger.headers and not _picks(stranger.text)
    assert "ada" not in Page(stranger.text).find("header").text.lower()


def test_a_bad_period_is_a_400_page(client, conn):
    _signed_in(client, conn, VIDEO[:1], fit=False)
    r = client.get("/for-you?since=2024-02-30")
    assert r.status_code == 400 and "since must look like" in r.text
