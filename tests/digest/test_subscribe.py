"""Subscribing from any page: double opt-in, single-use links, preferences, leaving."""

from __future__ import annotations

import re
import threading

import pytest
from fastapi.testclient import TestClient

from paperboy.digest import compose
from paperboy.web.app import create_app
from tests.digest.conftest import active, context
from tests.helpers import Page

SAME_SITE = {"origin": "http://testserver"}


@pytest.fixture
def client(db, smtp):
    return TestClient(create_app(db, cache_seconds=0, rate_limit=0), raise_server_exceptions=False)


def delivered(client) -> None:
    """Wait until the app's mailer has sent what the requests queued (it sends off the request)."""
    assert client.app.state.mailer.wait_idle(30)


def link(msg, path: str) -> str:
    text = msg.get_body(("plain",)).get_content()
    return re.search(rf"http://testserver(/{path}/[^\s]+)", text).group(1)


def test_double_opt_in(client, smtp, conn, tmp_path, week):
    page = client.get("/")
    assert 'action="/subscribe"' in page.text and "Get trending papers in your email inbox!" in page.text
    r = client.post("/subscribe", data={"email": " Ada@Example.ORG "}, headers=SAME_SITE)
    assert r.status_code == 200 and "Check your inbox" in r.text
    delivered(client)
    (msg,) = smtp.to("ada@example.org")
    assert msg["Subject"] == "Confirm your paperboy subscription"
    assert msg.get_body(("html",)) is not None
    # nothing but the confirmation before the link is used
    stats = compose.compose_due(conn, context(conn, tmp_path))
    assert stats.due == 0
    url = link(msg, "confirm")
    page = client.get(url)  # a mail scanner opening the link changes nothing
    assert page.status_code == 200 and "Confirm your subscription" in page.text
    assert conn.execute("SELECT status FROM subscribers").fetchone()["status"] == "pending"
    conn.commit()
    done = client.post(url, headers=SAME_SITE)
    assert done.status_code == 200 and "Subscribed" in done.text
    assert conn.execute("SELECT status FROM subscribers").fetchone()["status"] == "active"
    conn.commit()
    again = client.post(url, headers=SAME_SITE)
    assert "Already confirmed" in again.text
    unknown = client.get("/confirm/not-a-real-token")
    assert unknown.status_code == 404 and "not one we sent" in unknown.text
    # subscribing again while active sends nothing and says the same thing
    client.post("/subscribe", data={"email": "ada@example.org"}, headers=SAME_SITE)
    delivered(client)
    assert len(smtp.to("ada@example.org")) == 1


def test_one_confirmation_per_few_minutes(client, smtp):
    for _ in range(3):
        client.post("/subscribe", data={"email": "bob@example.org"}, headers=SAME_SITE)
    delivered(client)
    assert len(smtp.to("bob@example.org")) == 1


@pytest.mark.parametrize("address", ["", "not-an-email", "a@b", "x" * 300 + "@example.org",
                                     "ada@example.org\r\nBcc: victim@example.org", "ada@exa mple.org"])
def test_invalid_addresses_are_refused(client, smtp, conn, address):
    r = client.post("/subscribe", data={"email": address}, headers=SAME_SITE)
    assert r.status_code == 400 and 'role="alert"' in r.text
    assert smtp.messages == []
    assert conn.execute("SELECT count(*) AS n FROM subscribers").fetchone()["n"] == 0


def test_cross_site_posts_are_refused(client, smtp):
    for headers in ({"origin": "http://evil.example"}, {"sec-fetch-site": "cross-site"}, {}):
        r = client.post("/subscribe", data={"email": "ada@example.org"}, headers=headers)
        assert r.status_code == 403, headers
    assert smtp.messages == []


def test_preferences_from_a_signed_link(client, smtp, conn, week, tmp_path):
    sid = active(conn, "cy@example.org")
    from paperboy.digest.subscriptions import secret_key, sign

    token = sign(secret_key(conn, None), "preferences", sid)
    page = client.get(f"/preferences/{token}")
    assert page.status_code == 200 and "cy@example.org" in page.text
    # the preferences form's token (the page's other forms, for members, carry an empty one)
    csrf = next(i.attrs["value"] for i in Page(page.text).find_all("input", name="csrf") if i.attrs["value"])
    form = {"csrf": csrf, "frequency": "weekly", "weekday": "4", "send_hour": "7", "timezone": "Europe/Paris",
            "max_papers": "5", "topics": "attention sinks\n\nauthor:\"Song Han\"\nattention sinks"}
    r = client.post(f"/preferences/{token}", data=form, headers=SAME_SITE)
    assert r.status_code == 200 and "Saved." in r.text
    row = conn.execute("SELECT * FROM subscribers WHERE id = %s", (sid,)).fetchone()
    assert (row["frequency"], row["weekday"], row["send_hour"], row["timezone"], row["max_papers"]) == \
        ("weekly", 4, 7, "Europe/Paris", 5)
    topics = [t["query"] for t in conn.execute("SELECT query FROM subscriber_topics WHERE subscriber_id = %s ORDER BY id", (sid,))]
    assert topics == ["attention sinks", 'author:"Song Han"']
    bad = client.post(f"/preferences/{token}", data={**form, "timezone": "Mars/Olympus"}, headers=SAME_SITE)
    assert bad.status_code == 400 and "Unknown time zone" in bad.text
    no_token = client.post(f"/preferences/{token}", data={**form, "csrf": ""}, headers=SAME_SITE)
    assert no_token.status_code == 403
    assert client.get(f"/preferences/{token}x").status_code == 404
    assert client.get(f"/preferences/{sign('another-secret', 'preferences', sid)}").status_code == 404
    # an unsubscribe link is no preferences link
    assert client.get(f"/preferences/{sign(secret_key(conn, None), 'unsubscribe', sid)}").status_code == 404


def test_unsubscribe_page_and_one_click(client, conn, smtp):
    from paperboy.digest.subscriptions import secret_key, sign

    sid = active(conn, "dee@example.org")
    token = sign(secret_key(conn, None), "unsubscribe", sid)
    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200 and "Unsubscribe" in page.text
    conn.commit()
    assert conn.execute("SELECT status FROM subscribers WHERE id = %s", (sid,)).fetchone()["status"] == "active"
    conn.commit()
    # RFC 8058: the mail client POSTs without cookies or Origin
    r = client.post(f"/unsubscribe/{token}", content=b"List-Unsubscribe=One-Click",
                    headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200 and "Unsubscribed" in r.text
    assert conn.execute("SELECT status FROM subscribers WHERE id = %s", (sid,)).fetchone()["status"] == "unsubscribed"
    assert client.post("/unsubscribe/forged-token").status_code == 404


def test_subscribing_waits_on_no_smtp_server(client, smtp):
    """The confirmation is queued and sent from the mailer's thread: the page answers while the
    SMTP server is still holding its reply (it used to wait, up to a 30 s timeout)."""
    gate = threading.Event()
    smtp.gate = gate  # the server answers no DATA until the gate opens
    try:
        r = client.post("/subscribe", data={"email": "slow@example.org"}, headers=SAME_SITE)
        assert r.status_code == 200 and "Check your inbox" in r.text
        assert smtp.to("slow@example.org") == []  # answered before the mail could be delivered
    finally:
        gate.set()
    delivered(client)
    assert len(smtp.to("slow@example.org")) == 1
