"""/subscribe cannot be turned into a mail cannon (issue 10): confirmation emails are limited per
client, per mailbox, per domain and in total, counted in the database; and the first
concurrent subscribes after start never exhaust the connection pool."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from paperboy.db import Database
from paperboy.web.app import create_app
from tests.digest.conftest import active
from tests.helpers import Page

SAME_SITE = {"origin": "http://testserver"}


def client_at(db, ip: str) -> TestClient:
    return TestClient(create_app(db, cache_seconds=0, rate_limit=0), raise_server_exceptions=False,
                      client=(ip, 50000))


def post(client: TestClient, address: str):
    """Ask to subscribe, and wait until the app's mailer (which sends off the request) is done."""
    answer = client.post("/subscribe", data={"email": address}, headers=SAME_SITE)
    assert client.app.state.mailer.wait_idle(30)
    return answer


def queued(conn) -> int:
    conn.commit()
    return conn.execute("SELECT count(*) AS n FROM outbox WHERE kind = 'confirm'").fetchone()["n"]


def visible(page: str) -> tuple[str, str]:
    """What a person reads on the page: its heading and message."""
    parsed = Page(page)
    heading, message = parsed.find("h1"), parsed.find("p", class_="message")
    return (heading.text if heading else "", message.text if message else "")


def test_one_mailbox_gets_at_most_three_mails_whatever_its_plus_tags(db, smtp, conn):
    client = client_at(db, "203.0.113.7")
    answers = [post(client, f"Victim+{n}@Example.com") for n in range(100)]
    assert queued(conn) == 3 and len(smtp.messages) == 3
    assert [r.status_code for r in answers[:3]] == [200] * 3
    limited = answers[3:]
    assert {r.status_code for r in limited} == {429}
    assert "try again later" in limited[0].text.lower() and limited[0].headers["retry-after"]


def test_each_limit_holds_on_its_own(db, smtp, conn, monkeypatch):
    monkeypatch.setenv("PAPERBOY_SUBSCRIBE_PER_CLIENT", "1000")
    monkeypatch.setenv("PAPERBOY_SUBSCRIBE_PER_MAILBOX", "2")
    monkeypatch.setenv("PAPERBOY_SUBSCRIBE_PER_DOMAIN", "4")
    monkeypatch.setenv("PAPERBOY_SUBSCRIBE_PER_HOUR", "9")
    a = client_at(db, "198.51.100.1")
    # per mailbox, from many clients, whatever the case and tags
    for i in range(6):
        post(client_at(db, f"198.51.100.{10 + i}"), f"BOB+{i}@one.example")
    assert queued(conn) == 2
    # per domain: other mailboxes of one domain
    for i in range(6):
        post(a, f"user{i}@two.example")
    assert queued(conn) == 2 + 4
    # in total: any domain
    for i in range(6):
        post(a, f"someone@d{i}.example")
    assert queued(conn) == 9
    assert len(smtp.messages) == 9


def test_per_client_limit_and_other_clients_still_served(db, smtp, conn):
    noisy, quiet = client_at(db, "192.0.2.1"), client_at(db, "192.0.2.2")
    codes = [post(noisy, f"n{i}@example.net").status_code for i in range(8)]
    assert codes == [200] * 5 + [429] * 3
    assert post(quiet, "q@example.net").status_code == 200
    # a whole IPv6 /64 is one client (one machine usually holds one)
    codes = [post(client_at(db, f"2001:db8:0:1::{i + 1}"), f"v{i}@example.net").status_code for i in range(7)]
    assert codes == [200] * 5 + [429] * 2
    assert queued(conn) == 5 + 1 + 5


def test_limits_reveal_nothing_about_who_is_subscribed(db, smtp, conn, monkeypatch):
    monkeypatch.setenv("PAPERBOY_SUBSCRIBE_PER_MAILBOX", "2")
    active(conn, "known@example.org")
    client = client_at(db, "192.0.2.9")
    for address in ("known@example.org", "unknown@example.org"):
        pages = [post(client, address) for _ in range(3)]
        assert [p.status_code for p in pages] == [200, 200, 429], address
        if address == "known@example.org":
            known = [visible(p.text) for p in pages]
        else:
            assert [visible(p.text) for p in pages] == known


def test_first_concurrent_subscribes_after_start_do_not_exhaust_a_small_pool(db_url, smtp, monkeypatch):
    monkeypatch.setenv("PAPERBOY_SUBSCRIBE_PER_CLIENT", "1000")
    small = Database(db_url, max_size=2).open()
    try:
        app = create_app(small, cache_seconds=0, rate_limit=0)
        with TestClient(app, raise_server_exceptions=False) as client, ThreadPoolExecutor(24) as pool:
            posts = [pool.submit(post, client, f"first{i}@example.org") for i in range(20)]
            other = pool.submit(client.get, "/api/daily_papers")
            codes = [f.result(timeout=60).status_code for f in posts]
            assert other.result(timeout=60).status_code == 200
    finally:
        small.close()
    assert codes == [200] * 20  # a request starved past the pool's timeout (30 s) is no 200
    assert len(smtp.messages) == 20


@pytest.mark.parametrize("value", ["-1", "many"])
def test_a_bad_limit_setting_is_named(monkeypatch, value):
    from paperboy import config

    monkeypatch.setenv("PAPERBOY_SUBSCRIBE_PER_DOMAIN", value)
    with pytest.raises(config.ConfigError, match="PAPERBOY_SUBSCRIBE_PER_DOMAIN"):
        config.load()
