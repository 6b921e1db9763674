"""Signing in: by a one-time link sent through the real outbox and SMTP, by password; who may
join; what the form says (the same for everyone); the session cookie; signing out."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from paperboy.community import members, passwords, sessions, signin
from paperboy.web.app import create_app
from tests.community.people import add, sign_in
from tests.community.people import form_token as page_token
from tests.digest.conftest import smtp  # noqa: F401 - a real SMTP server on loopback
from tests.helpers import Page

SAME_SITE = {"origin": "http://testserver"}


def make_client(db, monkeypatch, signup: str = "invite", **kw) -> TestClient:
    monkeypatch.setenv("PAPERBOY_SIGNUP", signup)
    return TestClient(create_app(db, cache_seconds=0, rate_limit=0, **kw), raise_server_exceptions=False)


@pytest.fixture
def mail(db, smtp, monkeypatch):  # noqa: F811
    """A client of an app that sends its mail to the ``smtp`` fixture."""
    return make_client(db, monkeypatch)


def form_token(client: TestClient, path: str = "/signin") -> str:
    return page_token(client.get(path).text)


def ask_link(client: TestClient, email: str, **extra) -> object:
    return client.post("/signin", data={"email": email, "csrf": form_token(client), **extra}, headers=SAME_SITE)


def delivered(client: TestClient) -> None:
    assert client.app.state.mailer.wait_idle(30)


def link_in(msg) -> str:
    text = msg.get_body(("plain",)).get_content()
    return re.search(r"http://testserver(/signin/[^\s]+)", text).group(1)


def follow(client: TestClient, path: str, next_path: str | None = "/", **headers):
    """Open a sign-in link and press its button, as a person would (``next_path`` None: send
    the form as the page filled it in)."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    token = page_token(page.text)
    if next_path is None:
        next_path = Page(page.text).find_all("input", name="next")[-1].attrs["value"]
    return client.post(path.split("?")[0], data={"csrf": token, "next": next_path},
                       headers={**SAME_SITE, **headers}, follow_redirects=False)


def test_a_member_signs_in_by_the_emailed_link_once(mail, conn, smtp):  # noqa: F811
    add(conn, "ada@example.org")
    r = ask_link(mail, " Ada@Example.ORG ")
    assert r.status_code == 200 and "If this address may sign in, a link is on its way" in r.text
    delivered(mail)
    (msg,) = smtp.to("ada@example.org")
    assert msg["Subject"] == "Your paperboy sign-in link" and msg.get_body(("html",)) is not None
    path = link_in(msg)
    # Opening the link (a mail scanner does) changes nothing: it still works afterwards.
    assert "Sign in as ada@example.org" in mail.get(path).text
    assert conn.execute("SELECT used FROM signin_tokens").fetchone()["used"] is None
    conn.commit()
    done = follow(mail, path)
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert sessions.COOKIE in done.headers["set-cookie"]
    assert mail.get("/api/whoami").json() == {"name": "ada", "email": "ada@example.org",
                                               "role": "member", "type": "user"}
    # The link works once: a second browser following it is refused, and gets no session.
    stranger = TestClient(mail.app, raise_server_exceptions=False)
    again = stranger.get(path)
    assert again.status_code == 410 and "used already" in again.text
    refused = stranger.post(path, data={"csrf": form_token(stranger)}, headers=SAME_SITE)
    assert refused.status_code == 403  # a form token signed for /signin is not this form's
    refused = stranger.post(path, data={"csrf": signed_for(stranger, path)}, headers=SAME_SITE,
                            follow_redirects=False)
    assert refused.status_code == 410 and "set-cookie" not in refused.headers
    assert stranger.get("/api/whoami").status_code == 401


def test_the_link_leads_back_to_where_sign_in_began_on_this_site_only(mail, conn, smtp):  # noqa: F811
    add(conn, "ada@example.org")
    add(conn, "bob@example.org")
    ask_link(mail, "ada@example.org", next="/papers?date=2024-11-08")
    ask_link(mail, "bob@example.org", next="//evil.example/x")
    delivered(mail)
    ada, bob = link_in(smtp.to("ada@example.org")[0]), link_in(smtp.to("bob@example.org")[0])
    assert ada.endswith("?next=/papers%3Fdate%3D2024-11-08") and "?" not in bob
    assert follow(mail, ada, next_path=None).headers["location"] == "/papers?date=2024-11-08"
    other = TestClient(mail.app, raise_server_exceptions=False)
    page = other.get(bob + "?next=https://evil.example")
    assert Page(page.text).find("input", name="next").attrs["value"] == "/"


def signed_for(client: TestClient, path: str) -> str:
    from paperboy.web import csrf
    return csrf.token(client.app.state.secret, path)


def test_an_expired_link_is_refused_and_changes_nothing(mail, conn, smtp):  # noqa: F811
    add(conn, "ada@example.org")
    ask_link(mail, "ada@example.org")
    delivered(mail)
    path = link_in(smtp.to("ada@example.org")[0])
    conn.execute("UPDATE signin_tokens SET expires = now() - interval '1 minute'")
    conn.commit()
    page = mail.get(path)
    assert page.status_code == 410 and "expired" in page.text
    r = mail.post(path, data={"csrf": signed_for(mail, path)}, headers=SAME_SITE, follow_redirects=False)
    assert r.status_code == 410 and "set-cookie" not in r.headers
    assert conn.execute("SELECT used FROM signin_tokens").fetchone()["used"] is None
    assert conn.execute("SELECT count(*) AS n FROM sessions").fetchone()["n"] == 0
    assert mail.get("/signin/not-a-real-token").status_code == 400


def test_the_form_says_the_same_whatever_the_address(mail, conn, smtp):  # noqa: F811
    add(conn, "ada@example.org")
    answers = {a: ask_link(mail, a) for a in ("ada@example.org", "nobody@example.org", "eve@elsewhere.net")}
    bodies = {a: (r.status_code, r.text) for a, r in answers.items()}
    assert len(set(bodies.values())) == 1, "the answer must not tell a member from a stranger"
    delivered(mail)
    # only the member got mail (signup is by invitation)
    assert smtp.recipients() == ["ada@example.org"]
    bad = ask_link(mail, "not an address")
    assert bad.status_code == 400 and 'role="alert"' in bad.text


def test_sign_in_requests_are_limited_per_mailbox_from_one_client_and_refused_the_same(mail, conn, smtp):  # noqa: F811
    add(conn, "ada@example.org")
    answers = [ask_link(mail, f"ada+{i}@example.org") for i in range(signin.LINKS_PER_MAILBOX_FROM_CLIENT + 2)]
    assert {(r.status_code, r.text) for r in answers} == {(answers[0].status_code, answers[0].text)}
    delivered(mail)
    # +tags are one mailbox; the first ones were not members (ada+0…) but still counted
    assert len(smtp.to("ada@example.org")) == 0
    for _ in range(2):
        ask_link(mail, "ada@example.org")
    delivered(mail)
    assert smtp.to("ada@example.org") == []  # this client's hour for the mailbox is used up
    n = conn.execute("SELECT count(*) AS n FROM subscribe_requests WHERE kind = 'signin'").fetchone()["n"]
    assert n == signin.LINKS_PER_MAILBOX_FROM_CLIENT
    # subscribing to the digest has limits of its own, untouched by sign-in requests
    sub = mail.post("/subscribe", data={"email": "ada@example.org"}, headers=SAME_SITE)
    assert sub.status_code == 200 and "Check your inbox" in sub.text


@pytest.mark.parametrize("signup, joins, stays_out", [
    ("open", ["new@anywhere.net"], []),
    ("domain:example.org", ["new@example.org", "x@lab.example.org"], ["new@example.com"]),
    ("invite", [], ["new@example.org"]),
])
def test_who_may_join(db, conn, smtp, monkeypatch, signup, joins, stays_out):  # noqa: F811
    client = make_client(db, monkeypatch, signup)
    for address in joins + stays_out:
        ask_link(client, address)
    delivered(client)
    assert sorted(smtp.recipients()) == sorted(joins)
    for address in joins:
        (msg,) = smtp.to(address)
        browser = TestClient(client.app, raise_server_exceptions=False)
        r = follow(browser, link_in(msg))
        assert r.status_code == 303 and r.headers["location"] == "/account?done=welcome"
        assert browser.get("/api/whoami").json()["email"] == address
    assert members.count(conn) == len(joins)


def test_a_link_whose_address_may_no_longer_join_is_refused(db, conn, monkeypatch):
    client = make_client(db, monkeypatch, "invite")
    token = signin.new_link(conn, "late@example.org")
    conn.commit()
    r = follow(client, f"/signin/{token}")
    assert r.status_code == 403 and members.count(conn) == 0
    assert conn.execute("SELECT used FROM signin_tokens").fetchone()["used"] is None


def test_the_cookie_is_httponly_lax_and_secure_on_https(db, conn, monkeypatch):
    add(conn, "ada@example.org")
    add(conn, "bob@example.org")
    token = signin.new_link(conn, "ada@example.org")
    https_token = signin.new_link(conn, "bob@example.org")
    conn.commit()
    plain = make_client(db, monkeypatch)
    cookie = attributes(follow(plain, f"/signin/{token}").headers["set-cookie"])
    assert {"httponly", "samesite=lax", "path=/", "max-age=2592000"} <= cookie and "secure" not in cookie
    secure = make_client(db, monkeypatch, base_url="https://hub.example.org", trusted_hosts=("*",))
    cookie = attributes(follow(secure, f"/signin/{https_token}", origin="https://hub.example.org"
                               ).headers["set-cookie"])
    assert {"secure", "httponly", "samesite=lax", "path=/"} <= cookie


def attributes(set_cookie: str) -> set[str]:
    name, *attrs = set_cookie.split(";")
    assert name.startswith(sessions.COOKIE + "=")
    return {a.strip().lower() for a in attrs}


def test_the_sign_in_forms_refuse_other_sites(mail, conn):
    add(conn, "ada@example.org")
    token = form_token(mail)
    assert mail.post("/signin", data={"email": "ada@example.org", "csrf": token},
                     headers={"origin": "https://evil.example"}).status_code == 403
    assert mail.post("/signin", data={"email": "ada@example.org", "csrf": "forged"},
                     headers=SAME_SITE).status_code == 403
    assert conn.execute("SELECT count(*) AS n FROM signin_tokens").fetchone()["n"] == 0


def test_password_sign_in_answers_the_same_when_wrong_or_unknown(db, conn, monkeypatch):
    client = make_client(db, monkeypatch)
    ada = add(conn, "ada@example.org")
    add(conn, "bob@example.org")  # a member without a password
    passwords.set_password(conn, ada.id, "correct horse battery")
    conn.commit()

    def attempt(email, password):
        return client.post("/signin", data={"email": email, "password": password, "csrf": form_token(client),
                                            "next": "/account"}, headers=SAME_SITE, follow_redirects=False)

    wrong = [attempt("ada@example.org", "wrong password!"), attempt("nobody@example.org", "correct horse battery"),
             attempt("bob@example.org", "correct horse battery")]
    said = {(r.status_code, Page(r.text).find("p", role="alert").text) for r in wrong}
    assert len(said) == 1 and "do not match" in said.pop()[1]
    assert not any("set-cookie" in r.headers for r in wrong)
    right = attempt("Ada@Example.org", "correct horse battery")
    assert right.status_code == 303 and right.headers["location"] == "/account"
    assert client.get("/api/whoami").json()["name"] == "ada"


def test_password_attempts_are_limited_per_address(db, conn, monkeypatch):
    client = make_client(db, monkeypatch)
    ada = add(conn, "ada@example.org")
    passwords.set_password(conn, ada.id, "correct horse battery")
    conn.commit()
    token = form_token(client)
    for _ in range(passwords.FAILURES_PER_ADDRESS):
        r = client.post("/signin", data={"email": "ada@example.org", "password": "guess guess guess", "csrf": token},
                        headers=SAME_SITE)
        assert r.status_code == 400
    limited = client.post("/signin", data={"email": "ada@example.org", "password": "correct horse battery",
                                           "csrf": token}, headers=SAME_SITE, follow_redirects=False)
    assert limited.status_code == 429 and "set-cookie" not in limited.headers


def test_signing_out_and_out_everywhere(client, other, conn):
    csrf = sign_in(client, conn, "ada@example.org")
    other_csrf = sign_in(other, conn, "ada@example.org")
    assert conn.execute("SELECT count(*) AS n FROM sessions").fetchone()["n"] == 2
    # without the session's form token, nothing happens
    assert client.post("/account/signout-everywhere").status_code == 403
    assert client.post("/account/signout-everywhere", data={"csrf": "wrong"}).status_code == 403
    assert client.post("/signout", data={"csrf": "wrong"}).status_code == 403
    r = client.post("/account/signout-everywhere", data={"csrf": csrf})
    assert r.status_code == 200 and "Signed out everywhere" in r.text and ">ada</a>" not in r.text
    assert conn.execute("SELECT count(*) AS n FROM sessions").fetchone()["n"] == 0
    assert other.get("/api/whoami").status_code == 401
    assert other.post("/signout", data={"csrf": other_csrf}).status_code == 200  # harmless
    csrf = sign_in(client, conn, "ada@example.org")
    out = client.post("/signout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303 and f'{sessions.COOKIE}=""' in out.headers["set-cookie"]
    assert conn.execute("SELECT count(*) AS n FROM sessions").fetchone()["n"] == 0
