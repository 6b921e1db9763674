"""Strangers cannot lock a member out (issue 21, item 16): five link requests with `+tag`
variants used to block the member's links for an hour, and ten wrong passwords their
password sign-in. The limits now hold the stranger's client; per address, only what the
owner would not notice is held back. Clients are told apart as the app does: by the address
uvicorn reports (behind a trusted proxy, from X-Forwarded-For)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from paperboy.community import passwords, signin
from tests.community.people import add
from tests.community.test_signin import SAME_SITE, ask_link, delivered, follow, form_token, link_in
from tests.community.test_signin import make_client as app_client
from tests.digest.conftest import smtp  # noqa: F401 - a real SMTP server on loopback

STRANGER, OWNER = ("203.0.113.7", 50000), ("198.51.100.2", 50000)


def browser(app, client: tuple[str, int]) -> TestClient:
    return TestClient(app, client=client, raise_server_exceptions=False)


def test_a_stranger_asking_for_links_does_not_block_the_owners(db, conn, smtp, monkeypatch):  # noqa: F811
    app = app_client(db, monkeypatch).app
    add(conn, "ada@example.org")
    stranger, owner = browser(app, STRANGER), browser(app, OWNER)
    answers = [ask_link(stranger, f"ada+{i}@example.org") for i in range(6)]
    answers += [ask_link(stranger, "ada@example.org") for _ in range(3)]
    assert len({(r.status_code, r.text) for r in answers}) == 1  # the stranger learns nothing
    delivered(stranger)
    assert smtp.to("ada@example.org") == []  # the stranger is held back …
    ask_link(owner, "ada@example.org")
    delivered(owner)
    (msg,) = smtp.to("ada@example.org")  # … and the owner still gets a link
    assert follow(owner, link_in(msg)).status_code == 303


def test_a_mailbox_holding_working_links_gets_no_more_until_one_is_used(db, conn, smtp, monkeypatch):  # noqa: F811
    app = app_client(db, monkeypatch).app
    add(conn, "ada@example.org")
    clients = [browser(app, (f"192.0.2.{i}", 50000)) for i in range(1, 5)]
    for c in clients:  # 12 requests from four clients: the inbox is not flooded
        for _ in range(signin.LINKS_PER_MAILBOX_FROM_CLIENT):
            ask_link(c, "ada@example.org")
    delivered(clients[0])
    links = [link_in(m) for m in smtp.to("ada@example.org")]
    assert len(links) == signin.LINKS_PER_MAILBOX
    assert follow(browser(app, OWNER), links[-1]).status_code == 303  # any of them works
    later = browser(app, OWNER)  # signed out again, say
    r = ask_link(later, "ada@example.org")  # the others are used up now: a new one is sent
    assert r.status_code == 200
    delivered(later)
    assert len(smtp.to("ada@example.org")) == signin.LINKS_PER_MAILBOX + 1


def _password(client: TestClient, email: str, password: str):
    return client.post("/signin", data={"email": email, "password": password, "csrf": form_token(client)},
                       headers=SAME_SITE, follow_redirects=False)


def test_a_strangers_wrong_passwords_do_not_block_the_owner(db, conn, monkeypatch):
    app = app_client(db, monkeypatch).app
    ada = add(conn, "ada@example.org")
    passwords.set_password(conn, ada.id, "correct horse battery")
    conn.commit()
    stranger, owner = browser(app, STRANGER), browser(app, OWNER)
    for _ in range(passwords.FAILURES_PER_ADDRESS):
        assert _password(stranger, "ada@example.org", "guess guess guess").status_code == 400
    held = _password(stranger, "ada@example.org", "correct horse battery")
    assert held.status_code == 429 and "set-cookie" not in held.headers  # the stranger is limited
    right = _password(owner, "ada@example.org", "correct horse battery")
    assert right.status_code == 303 and "set-cookie" in right.headers
    assert owner.get("/api/whoami").json()["name"] == "ada"


def test_one_client_is_limited_whatever_addresses_it_tries(db, conn, monkeypatch):
    app = app_client(db, monkeypatch).app
    stranger = browser(app, STRANGER)
    for i in range(passwords.FAILURES_PER_CLIENT):
        assert _password(stranger, f"someone{i}@example.org", "guess guess guess").status_code == 400
    assert _password(stranger, "another@example.org", "guess guess guess").status_code == 429
    assert _password(browser(app, OWNER), "another@example.org", "guess guess guess").status_code == 400

