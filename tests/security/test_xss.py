"""XSS, with members (issue 14): hostile text a member stores (collection names and
descriptions, comments, library titles through a BibTeX import, digest topics, a display
name) and hostile text in the address (search, submit, next=, the For you undo) is escaped
in every page, sanitised in stored HTML, and well-formed in feeds; seen as an anonymous
visitor, a member and a curator."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import quote, urlencode, urljoin

import pytest

from tests.fuzz import safe_html
from tests.helpers import Page
from tests.security.conftest import count
from tests.security.payloads import XSS, page_is_inert, redirect_stays

BIB = "\n".join(f"@article{{x{i}, title = {{{p.replace('{', '').replace('}', '')} {i}}}, year = {{2021}}}}"
                for i, p in enumerate(XSS))


@pytest.fixture(scope="module")
def stored(town):
    """Every payload stored by ada through the API and the forms; what was made."""
    w = town.world
    ada = town.browser()
    made = {"collections": [], "paper": w.papers[35]}
    for i, p in enumerate(XSS):
        r = ada.post("/api/collections", json={"name": f"{p[:90]} {i}".replace("\u2028", " ").replace("\u2029", " "),
                                                "description": p, "public": True}, headers=w.ada.bearer)
        assert r.status_code == 201, r.text
        made["collections"].append(r.json()["id"])
        ada.put(f"/api/collections/{r.json()['id']}/papers/{w.papers[35]}", headers=w.ada.bearer)
        r = ada.post(f"/api/papers/{w.papers[35]}/comments", json={"body": p}, headers=w.ada.bearer)
        assert r.status_code == 201, r.text
        safe_html.check(r.json()["html"])
    r = ada.post("/api/library/import?format=bibtex", content=BIB.encode(), headers=w.ada.bearer)
    assert r.status_code == 200 and r.json()["libraryOnly"], r.text
    count("XSS stored", "member", 3 * len(XSS) + 1)
    return made


def _roles(town):
    w = town.world
    return [("anonymous", town.browser()), ("member", town.browser(w.ada)), ("curator", town.browser(w.curator))]


def _inert(r, url: str) -> None:
    assert r.status_code < 500, (url, r.status_code)
    if 300 <= r.status_code < 400:
        assert redirect_stays(r.headers["location"]), (url, r.headers["location"])
        return
    kind = r.headers.get("content-type", "")
    if kind.startswith("text/html"):
        assert page_is_inert(r.text) == [], (url, page_is_inert(r.text))
    elif "atom" in kind:
        feed = ET.fromstring(r.content)  # well-formed: every payload was escaped
        assert not [e for e in feed.iter() if e.tag.split("}")[-1] in ("script", "img", "svg", "iframe")], url
    else:
        assert kind.startswith(("application/json", "application/x-", "application/vnd", "text/plain")), (url, kind)
        assert r.headers.get("x-content-type-options") == "nosniff", url


def test_stored_payloads_are_escaped_on_every_page_for_everyone(town, stored):
    w = town.world
    pages = ["/", f"/papers/{stored['paper']}", "/collections", "/account", "/for-you", "/members/ada",
             "/moderation", f"/api/papers/{stored['paper']}/comments", "/api/library", "/api/collections",
             "/api/library?format=bibtex", "/api/library?format=ris", "/api/library?format=csl-json",
             "/account/export.json"]
    for cid in stored["collections"]:
        pages += [f"/collections/{cid}", f"/collections/{cid}/feed.atom", f"/api/collections/{cid}",
                  f"/api/collections/{cid}?format=bibtex"]
    for role, browser in _roles(town):
        headers = {} if role == "anonymous" else (w.ada.bearer if role == "member" else w.curator.bearer)
        for url in pages:
            r = browser.get(url, headers=headers if url.startswith("/api/") else {})
            count("XSS stored", role)
            _inert(r, url)
    comments = town.browser().get(f"/api/papers/{stored['paper']}/comments").json()
    assert len(comments) >= len(XSS)
    for c in comments:
        safe_html.check(c["html"])


REFLECTED = [
    "/search?q={p}", "/feeds/search.atom?q={p}", "/api/papers/search?q={p}&mode=keyword", "/submit?id={p}",
    "/signin?next={p}", "/signin?next=/{p}", "/for-you?done=removed&paper={p}", "/collections?done={p}",
    "/account?done={p}", "/papers?date={p}", "/papers/{p}", "/api/papers/{p}", "/papers/{p}.md",
    "/api/daily_papers?date={p}", "/members/{p}", "/for-you?since={p}", "/collections/1?page={p}",
    "/new?date={p}", "/trending?page={p}", "/api/collections?paper={p}", "/nope/{p}",
]


def test_reflected_payloads_are_escaped(town, stored):
    for role, browser in _roles(town):
        for template in REFLECTED:
            for p in XSS:
                url = template.replace("{p}", quote(p, safe=""))
                r = browser.get(url)
                count("XSS reflected", role)
                _inert(r, url)


def test_form_echoes_are_escaped(town, stored):
    """Forms that show the text back on an error: a display name, a collection's name,
    digest topics, a submission, a sign-in address."""
    from paperboy.digest import subscriptions

    w = town.world
    ada, csrf = town.fresh_session(w.ada)
    prefs = f"/preferences/{subscriptions.sign(w.secret, 'preferences', w.ada.subscriber)}"
    from paperboy.web import csrf as forms
    for p in XSS:
        posts = [("/account/name", {"name": p}), ("/collections", {"name": p * 20, "description": p}),
                 ("/collections", {"name": "", "description": p}), ("/submit", {"id": p}),
                 ("/account/tokens", {"name": p}),
                 (prefs, {"topics": p, "timezone": p, "csrf": forms.token(w.secret, prefs)}),
                 (prefs, {"topics": p, "csrf": forms.token(w.secret, prefs)}),
                 ("/signin", {"email": p, "csrf": forms.token(w.secret, "/signin"), "next": p}),
                 ("/subscribe", {"email": p})]
        for url, data in posts:
            r = ada.post(url, data={"csrf": csrf, **data}, headers={"Origin": "http://testserver"})
            count("XSS forms", "member")
            _inert(r, url)
            if r.status_code == 303:
                _inert(ada.get(r.headers["location"]), r.headers["location"])
    page = ada.get(prefs)
    assert page.status_code == 200
    _inert(page, prefs)


def test_the_undo_form_cannot_be_pointed_at_another_route(town):
    """/for-you?done=removed&paper=… puts the paper into the Undo form's action (with the
    member's form token): it must never resolve outside /for-you/…/undo (it could clear the
    member's library with one click on "Undo")."""
    ada = town.browser(town.world.ada)
    for paper in ["../../account/library/clear?", "..%2f..%2faccount%2fdelete?", "%2e%2e/%2E%2E/signout?",
                  "./../../account/tokens?", "2410.12345/../../../account/signout-everywhere?x=",
                  "x/..", "..", "a?b", "/account", "\\..\\..\\signout", "2410.12345"]:
        r = ada.get("/for-you?" + urlencode({"done": "removed", "paper": paper}))
        count("form action injection", "member")
        assert r.status_code == 200
        undo = [f.attrs.get("action") or "" for f in Page(r.text).find_all("form")
                if (f.attrs.get("action") or "").endswith("/undo")]
        for action in undo:
            seen = action.replace("%2e", ".").replace("%2E", ".").replace("\\", "/")
            resolved = urljoin("http://testserver/for-you", seen)
            assert resolved.startswith("http://testserver/for-you/"), (paper, action, resolved)
        assert bool(undo) == (paper == "2410.12345"), (paper, undo)
