"""CSRF, with members (issue 14): every state-changing route of the app (enumerated from
``app.routes``, so a new route cannot be forgotten) refuses a request that another site could
make a signed-in browser send, and such a request changes nothing in the database.

- A member's route, with the session cookie but without the session's CSRF token, with a
  wrong one, with another member's, or from a foreign Origin: 403, nothing changed. With an
  invalid bearer token beside the cookie: answered as for no one (the cookie is not used).
- The anonymous forms (sign in, subscribe, confirm, a sign-in link, digest preferences):
  from a foreign Origin, with no Origin at all, or with a wrong form token: 403.
- The control, so these refusals are not an accident: the same request with the right token
  (or a bearer token, the API's way, which needs no CSRF token by design) is not refused.
- A GET, with a member's cookie, changes nothing; and no answer lets another origin read it
  (no CORS header for a foreign Origin).
"""

from __future__ import annotations

import pytest

from tests.security.conftest import changed, count
from tests.security.routes import (
    LAST,
    actor,
    api_routes,
    concrete,
    fields,
    form_token,
    send,
    write_routes,
)

# The one state-changing route with no CSRF check, and why (RFC 8058 one-click unsubscribe:
# mail clients POST without cookies or Origin; its signed URL is its authority).
EXEMPT = {"/unsubscribe/{token}"}
# Form routes for someone not signed in: the Origin check and a token signed for the form.
ANONYMOUS = {"/signin", "/subscribe", "/confirm/{token}", "/signin/{token}", "/preferences/{token}"}
# Of those, the ones with no form token, by design (web/csrf.py): the subscribe form lives on
# cached pages shared by every visitor, and a confirmation's secret is the emailed token in
# its address. The browser's Origin (or Sec-Fetch-Site) is their protection.
ORIGIN_ONLY = {"/subscribe", "/confirm/{token}"}
FOREIGN = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
SAME = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}


def test_every_state_changing_route_is_known_to_this_test(town):
    """The enumeration finds them all (about 70), and each one's path parameters can be
    filled: a new route with a new kind of id fails here until this test knows it."""
    routes = write_routes(town.app)
    assert len(routes) >= 60, routes
    assert {p for _, p in routes} >= EXEMPT | ANONYMOUS | {"/api/collections", "/account/delete"}
    for _, path in routes:
        if "{token}" not in path:
            assert concrete(town, path).startswith("/"), path


def test_cross_site_requests_are_refused_and_change_nothing(town):
    w = town.world
    refused, done = [], []
    for method, path in write_routes(town.app):
        if path in EXEMPT:
            continue
        who = actor(w, path)
        override = {}
        if path in LAST:  # each ends something: done by (and to) a newcomer, not the world's people
            if who is not w.admin:
                who = town.newcomer()
            override = {"token_id": who.token_id, "member_id": town.newcomer().id}
        url = concrete(town, path, **override)
        data = fields(town, path, who)
        if path in ANONYMOUS:
            anon = town.browser()
            good = form_token(town, path, url)
            attacks = [("foreign Origin, right form token", FOREIGN, good),
                       ("no Origin, right form token", {}, good),
                       ("foreign Referer, right form token", {"Referer": "https://evil.example/x"}, good),
                       ("http Origin posing as ours", {"Origin": "https://testserver"}, good)]
            if path not in ORIGIN_ONLY:
                attacks += [("same origin, wrong form token", SAME, "forged"),
                            ("same origin, no form token", SAME, None)]
            before = town.snapshot()
            for name, headers, token in attacks:
                r = send(anon, method, path, url, data, headers, token)
                count("csrf", "anonymous")
                if r.status_code != 403:
                    refused.append(f"{method} {path} [{name}]: {r.status_code} {r.text[:120]}")
            if changed(before, town.snapshot()):
                refused.append(f"{method} {path}: changed {changed(before, town.snapshot())}")
            r = send(anon, method, path, url, data, SAME, good)
            count("csrf control", "anonymous")
            done.append((path, r.status_code))
            assert r.status_code != 403, (method, path, r.text[:200])
            continue
        role = {w.admin.id: "admin", w.curator.id: "curator"}.get(who.id, "member")
        browser, token = town.fresh_session(who)
        attacks = [("cookie, no token", {}, None),
                   ("cookie, wrong token", SAME, "forged-token"),
                   ("cookie, another member's token", SAME, town.csrf(w.bob if who is not w.bob else w.ada)),
                   ("cookie, foreign Origin, no token", FOREIGN, None),
                   ("cookie, invalid bearer token", {"Authorization": "Bearer not-a-token"}, token)]
        before = town.snapshot()
        for name, headers, token in attacks:
            r = send(browser, method, path, url, data, headers, token)
            count("csrf", role)
            # an invalid bearer token makes the request no one's (401, or a form's redirect to
            # sign in, or a sign-out of no session): never the cookie's member
            want = (401, 303, 403) if "bearer" in name else (403,)
            if r.status_code not in want:
                refused.append(f"{method} {path} [{name}]: {r.status_code} (not {want}) {r.text[:120]}")
        after = town.snapshot()
        if changed(before, after):
            refused.append(f"{method} {path}: a refused request changed {changed(before, after)}")
        # the control: the member's own token, from this site (or, on the API, a bearer token)
        if path.startswith("/api/"):
            r = send(town.browser(), method, path, url, data, who.bearer)
            count("csrf control", role)
            assert r.status_code not in (401, 403), ("bearer", method, path, r.status_code, r.text[:200])
        r = send(browser, method, path, url, data, SAME, token)
        count("csrf control", role)
        done.append((path, r.status_code))
        assert r.status_code != 403 or "token" not in r.text, (method, path, r.text[:200])
    assert not refused, "\n".join(refused)
    assert len(done) >= 60


def test_a_get_changes_nothing_and_no_other_origin_may_read(town):
    """GETs with a member's cookie (what a cross-site link or image makes a browser send)."""
    w = town.world
    browser = town.browser(w.ada)
    before = town.snapshot()
    n = 0
    for methods, path, _ in api_routes(town.app):
        if "GET" not in methods or "{token}" in path:
            continue
        url = concrete(town, path)
        resp = browser.get(url, headers=FOREIGN)
        n += 1
        count("cross-site GET", "member")
        assert resp.status_code < 500, (url, resp.status_code)
        assert "access-control-allow-origin" not in resp.headers, url
        assert "access-control-allow-credentials" not in resp.headers, url
    assert n >= 40
    assert not changed(before, town.snapshot())
    pre = browser.options("/api/collections", headers={**FOREIGN, "Access-Control-Request-Method": "POST",
                                                       "Access-Control-Request-Headers": "authorization"})
    count("CORS preflight", "member")
    assert "access-control-allow-origin" not in pre.headers


@pytest.mark.parametrize("path", ["/api/collections", "/api/papers/{paper_id}/upvote"])
def test_a_cookie_alone_never_writes_through_the_api(town, path):
    """The API takes a bearer token without a CSRF token; a session cookie alone (what
    another site's fetch or form can make a browser send) is refused, whatever the body."""
    w = town.world
    url = concrete(town, path)
    browser = town.browser(w.ada)
    before = town.snapshot()
    for kind, kw in [("json", {"json": {"name": "x"}}), ("form", {"data": {"name": "x"}}),
                     ("text/plain", {"content": b'{"name": "x"}', "headers": {"Content-Type": "text/plain"}}),
                     ("multipart", {"files": {"name": (None, "x")}})]:
        r = browser.post(url, **kw)
        count("csrf cookie-only API", "member")
        assert r.status_code == 403, (kind, r.status_code, r.text[:200])
    assert not changed(before, town.snapshot())
    r = town.browser().post(url, json={"name": "by token"}, headers=w.ada.bearer)
    assert r.status_code in (200, 201), r.text
