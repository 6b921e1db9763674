"""Open redirects and file names (issue 14): every ``next``-style parameter (signing in by
password or link, a vote, a save, removing from a collection, For you, commenting or
submitting before signing in) sends the browser to a path of this site only, whatever it
is given; and every export's Content-Disposition names one plain file, whatever the
collection or member it is named after."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from paperboy.community import passwords, signin
from tests.helpers import Page
from tests.security.conftest import count
from tests.security.payloads import REDIRECTS, redirect_stays

SAME = {"Origin": "http://testserver"}


def _forms(town, who):
    """(what, method, url, form fields without ``next``) of every form taking ``next``."""
    w = town.world
    pid = w.papers[5]
    return [
        ("vote", f"/papers/{pid}/upvote", {}),
        ("remove from a collection", f"/collections/{who.private}/remove", {"paper": w.papers[0]}),
        ("save", "/collections/save", {"paper": pid, "collection": str(who.private)}),
        ("not interested", f"/for-you/{pid}/not-interested", {}),
        ("undo", f"/for-you/{pid}/undo", {}),
    ]


def _location(r) -> str:
    assert r.status_code in (301, 302, 303, 307, 308), (r.status_code, r.text[:200])
    return r.headers["location"]


def _stays(location: str, what: str) -> None:
    assert redirect_stays(location), (what, location)
    assert "\r" not in location and "\n" not in location, (what, location)
    # a sign-in detour carries the way back: it must stay too
    for back in parse_qs(urlsplit(location).query).get("next", []):
        assert redirect_stays(back), (what, location, back)


@pytest.mark.parametrize("role", ["member", "anonymous"])
def test_next_parameters_never_leave_the_site(town, role):
    w = town.world
    who = w.ada
    if role == "member":
        browser, csrf = town.fresh_session(who)
    else:
        browser, csrf = town.browser(), ""
    for what, url, data in _forms(town, who):
        for target in REDIRECTS:
            r = browser.post(url, data={**data, "next": target, "csrf": csrf}, headers=SAME)
            count("open redirect", role)
            if role == "anonymous" and r.status_code == 401:
                continue  # a member's form: no one is sent anywhere
            _stays(_location(r), f"{what}: {target!r}")
    if role == "anonymous":  # forms that send someone not signed in to sign in first
        for url, data in [(f"/papers/{w.papers[5]}/comments", {"body": "hi"}), ("/submit", {"id": "2410.12345"})]:
            r = browser.post(url, data=data, headers=SAME)
            count("open redirect", role)
            _stays(_location(r), url)


def test_signing_in_never_sends_anyone_off_the_site(town):
    from paperboy.web import csrf as forms

    w = town.world
    with town.conn() as conn:
        passwords.set_password(conn, w.bob.id, "a long enough password")
        conn.commit()
    for target in REDIRECTS:
        anon = town.browser()
        page = anon.get("/signin", params={"next": target})
        count("open redirect", "anonymous")
        kept = [i.attrs.get("value") for i in Page(page.text).find_all("input", name="next")]
        assert kept and all(redirect_stays(v or "/") for v in kept), (target, kept)
        r = anon.post("/signin", data={"email": w.bob.member.email, "password": "a long enough password",
                                       "next": target, "csrf": forms.token(w.secret, "/signin")}, headers=SAME)
        count("open redirect", "anonymous")
        _stays(_location(r), f"password sign-in: {target!r}")
        with town.conn() as conn:
            token = signin.new_link(conn, w.bob.member.email)
            conn.commit()
        link = f"/signin/{token}"
        page = anon.get(link, params={"next": target})
        kept = [i.attrs.get("value") for i in Page(page.text).find_all("input", name="next")]
        assert kept and all(redirect_stays(v or "/") for v in kept), (target, kept)
        r = anon.post(link, data={"next": target, "csrf": forms.token(w.secret, link)}, headers=SAME)
        count("open redirect", "anonymous", 2)
        _stays(_location(r), f"link sign-in: {target!r}")


DISPOSITION = re.compile(r'attachment; filename="[A-Za-z0-9._-]+"')
NAMES = ['evil"; filename="evil.exe', "a\\b/../../c", "x; filename*=UTF-8''evil.exe", "ü & more",
         ". ..", "name\u202egpj.exe", "%0d%0aSet-Cookie: evil=1", "<script>", "  ", "con", "a" * 100]


def test_export_file_names_are_one_plain_name(town):
    w = town.world
    api = town.browser()
    exports = ["/api/library?format=bibtex", "/api/upvotes?format=ris", "/api/recommendations?format=csl-json",
               "/api/daily_papers?format=bibtex", "/api/papers/search?q=model&mode=keyword&format=ris",
               "/account/export.json"]
    for i, name in enumerate(NAMES):
        made = api.post("/api/collections", json={"name": f"{name[:90]} {i}".strip() or f"x{i}"}, headers=w.ada.bearer)
        assert made.status_code == 201, made.text
        exports.append(f"/api/collections/{made.json()['id']}?format=bibtex")
    for url in exports:
        headers = w.ada.bearer if url.startswith("/api/") else {}
        browser = town.browser(w.ada) if not headers else api
        r = browser.get(url, headers=headers)
        count("Content-Disposition", "member")
        assert r.status_code == 200, (url, r.status_code, r.text[:200])
        value = r.headers.get("content-disposition", "")
        assert DISPOSITION.fullmatch(value), (url, value)
        name = value.split('"')[1]  # (the collection's name, made plain: letters, digits, ._-)
        assert not name.startswith(".") and name.endswith((".bib", ".ris", ".json")), value  # no path, no dot file
