"""IDOR, one member against another (issue 14): ada tries every route that takes an id with
bob's ids (his private collections, comments, library entries, API tokens, subscription,
member id), signed in by cookie (with her own CSRF token: the refusal must not be the CSRF
check's) and with her API token. Each answer is the one a missing object gets (404; 403 where
the code documents it: another's comment, a member-only role), and the database is unchanged.
What ada may read of her own (her account page, her export, her library, her picks) holds
nothing of bob's."""

from __future__ import annotations

import base64
import re

import pytest

from tests.security.conftest import changed, count

MISSING = 2_000_000_000


def probes(w) -> list[tuple[str, str, dict | None, int]]:
    """(method, url, body, expected status) with bob's ids; ``{id}`` marks where a missing id
    goes for the comparison."""
    b = w.bob
    paper = w.papers[10]  # in bob's private collection
    return [
        ("GET", f"/api/collections/{b.private}", None, 404),
        ("GET", f"/api/collections/{b.private}?format=bibtex", None, 404),
        ("GET", f"/api/collections/{b.private}?format=csl-json", None, 404),
        ("GET", f"/collections/{b.private}", None, 404),
        ("GET", f"/collections/{b.private}/feed.atom", None, 404),
        ("PATCH", f"/api/collections/{b.private}", {"name": "pwned", "public": True}, 404),
        ("DELETE", f"/api/collections/{b.private}", None, 404),
        ("PUT", f"/api/collections/{b.private}/papers/{w.papers[40]}", None, 404),
        ("DELETE", f"/api/collections/{b.private}/papers/{paper}", None, 404),
        ("POST", f"/collections/{b.private}/edit", {"name": "pwned", "public": "1"}, 404),
        ("POST", f"/collections/{b.private}/delete", {}, 404),
        ("POST", f"/collections/{b.private}/remove", {"paper": paper}, 404),
        ("POST", "/collections/save", {"paper": w.papers[40], "collection": str(b.private)}, 404),
        ("PATCH", f"/api/comments/{b.comment}", {"body": "pwned"}, 403),
        ("DELETE", f"/api/comments/{b.comment}", None, 403),
        ("GET", f"/comments/{b.comment}/edit", None, 403),
        ("POST", f"/comments/{b.comment}/edit", {"body": "pwned"}, 403),
        ("POST", f"/comments/{b.comment}/delete", {}, 403),
        ("POST", f"/api/comments/{b.comment}/hide", None, 403),  # a member is no curator
        ("DELETE", f"/api/library/{b.entry}", None, 404),
        ("POST", f"/account/library/{b.entry}/remove", {}, 404),
        ("POST", f"/account/tokens/{b.token_id}/revoke", {}, 404),
        ("POST", f"/admin/members/{b.id}/role", {"role": "admin"}, 403),
        ("POST", f"/admin/members/{b.id}/remove", {}, 403),
        ("POST", "/account/delete", {"confirm": b.member.email}, 400),
        ("DELETE", f"/api/recommendations/{b.not_interested}/not-interested", None, 200),  # ada's own list
    ]


def _missing(url: str, w) -> str:
    """The same request with a missing id in place of bob's."""
    b = w.bob
    for real in (b.private, b.comment, b.entry, b.token_id):
        url = re.sub(rf"/{real}(?=/|$|\?)", f"/{MISSING}", url)
    return url


def _same_shape(a: str, b: str) -> bool:
    return re.sub(r"\d+", "N", a) == re.sub(r"\d+", "N", b)


@pytest.mark.parametrize("how", ["cookie", "token"])
def test_another_members_things_answer_as_missing_and_stay_unchanged(town, how):
    w = town.world
    browser = town.browser(w.ada) if how == "cookie" else town.browser()
    headers = {"X-CSRF-Token": town.csrf(w.ada)} if how == "cookie" else w.ada.bearer
    wrong = []
    for method, url, body, want in probes(w):
        if how == "token" and not url.startswith("/api/"):
            continue  # pages and forms are for browsers
        form = not url.startswith("/api/")
        kw = {"data": {**(body or {}), "csrf": town.csrf(w.ada)}} if form and method == "POST" else (
            {"json": body} if body is not None else {})
        before = town.snapshot()
        r = browser.request(method, url, headers=headers, **kw)
        count("IDOR", f"member ({how})")
        if changed(before, town.snapshot()):
            wrong.append(f"{method} {url}: changed {changed(before, town.snapshot())}")
        if r.status_code != want:
            wrong.append(f"{method} {url}: {r.status_code}, not {want}: {r.text[:150]}")
            continue
        if want == 404:  # exactly as for an id that does not exist
            other = browser.request(method, _missing(url, w), headers=headers, **kw)
            count("IDOR", f"member ({how})")
            if other.status_code != 404 or not _same_shape(r.text, other.text):
                wrong.append(f"{method} {url}: unlike a missing one: {r.text[:100]!r} / {other.text[:100]!r}")
    assert not wrong, "\n".join(wrong)
    # bob's things are all still his, and work
    assert town.browser().get("/api/whoami", headers=w.bob.bearer).json()["name"] == "bob"
    assert town.browser().get(f"/api/collections/{w.bob.private}", headers=w.bob.bearer).status_code == 200


def _bobs_secrets(w) -> list[str]:
    return [w.bob.member.email, "bob private", "bob's secret list", "bob's token", "entry of bob"]


@pytest.mark.parametrize("url", ["/account", "/account/export.json", "/api/library", "/api/library?format=bibtex",
                                 "/api/library?format=ris", "/api/upvotes", "/api/collections",
                                 "/collections", "/for-you", "/api/recommendations", "/members/bob",
                                 "/members/ada", "/api/whoami"])
def test_what_a_member_reads_of_their_own_holds_nothing_of_anothers(town, url):
    w = town.world
    for how, browser, headers in [("cookie", town.browser(w.ada), {}), ("token", town.browser(), w.ada.bearer)]:
        for extra in ("", f"member={w.bob.id}", f"id={w.bob.id}", f"email={w.bob.member.email}", "member_id=2"):
            full = url + ("&" if "?" in url else "?") + extra if extra else url
            r = browser.get(full, headers=headers)
            count("IDOR reads", f"member ({how})")
            assert r.status_code in (200, 401), (full, r.status_code)  # 401: a page needs a cookie
            leaked = [s for s in _bobs_secrets(w) if s.lower() in r.text.lower() and s not in extra]  # (not an echo)
            assert not leaked, (how, full, leaked)


def test_a_paper_page_offers_a_member_only_their_own_collections(town):
    w = town.world
    page = town.browser(w.ada).get(f"/papers/{w.papers[10]}")  # saved in bob's private collection
    count("IDOR reads", "member (cookie)")
    assert page.status_code == 200 and "ada private" in page.text
    assert not [s for s in _bobs_secrets(w) if s in page.text]


def _forge(token: str, subscriber: int) -> str:
    """``token`` (itsdangerous: payload.time.signature) with another subscriber as payload."""
    payload = base64.urlsafe_b64encode(str(subscriber).encode()).rstrip(b"=").decode()
    return ".".join([payload, *token.split(".")[1:]])


def test_digest_preferences_links_cannot_be_turned_to_another_subscriber(town):
    from paperboy.digest import subscriptions
    from paperboy.web import csrf

    w = town.world
    mine = subscriptions.sign(w.secret, "preferences", w.ada.subscriber)
    unsubscribe = subscriptions.sign(w.secret, "unsubscribe", w.ada.subscriber)
    forged = [_forge(mine, w.bob.subscriber), _forge(unsubscribe, w.bob.subscriber), unsubscribe,
              mine[:-2], str(w.bob.subscriber), f"{w.bob.subscriber}.{mine}", "../" + mine]
    browser = town.browser(w.ada)
    ok = browser.get(f"/preferences/{mine}")
    assert ok.status_code == 200 and w.ada.member.email in ok.text and w.bob.member.email not in ok.text
    before = town.snapshot()
    for token in forged:
        page = browser.get(f"/preferences/{token}")
        path = f"/preferences/{token}"
        post = browser.post(path, data={"frequency": "weekly", "topics": "pwned",
                                        "csrf": csrf.token(w.secret, path)},
                            headers={"Origin": "http://testserver"})
        count("IDOR digest links", "member (cookie)", 2)
        assert page.status_code in (404, 410) and post.status_code in (404, 410), (token, page.status_code,
                                                                                  post.status_code)
        assert w.bob.member.email not in page.text
    assert not changed(before, town.snapshot())


def test_ending_ones_own_sessions_leaves_anothers(town):
    w = town.world
    me = town.newcomer()
    browser, csrf = town.fresh_session(me)
    with town.conn() as conn:
        before = conn.execute("SELECT member_id, count(*) AS n FROM sessions WHERE member_id <> %s"
                              " GROUP BY member_id ORDER BY member_id", (me.id,)).fetchall()
    r = browser.post("/account/signout-everywhere", data={"csrf": csrf})
    count("IDOR sessions", "member (cookie)")
    assert r.status_code == 200
    with town.conn() as conn:
        after = conn.execute("SELECT member_id, count(*) AS n FROM sessions WHERE member_id <> %s"
                             " GROUP BY member_id ORDER BY member_id", (me.id,)).fetchall()
        mine = conn.execute("SELECT count(*) AS n FROM sessions WHERE member_id = %s", (me.id,)).fetchone()["n"]
    assert before == after and mine == 0
    assert town.browser(w.bob).get("/account").status_code == 200
