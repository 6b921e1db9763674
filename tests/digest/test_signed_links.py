"""Signed links in emails expire and survive key rotation (issue 10): preferences links last
PAPERBOY_PREFERENCES_LINK_DAYS, unsubscribe links PAPERBOY_UNSUBSCRIBE_LINK_DAYS; of the old
untimed links, only unsubscribe ones are still honoured."""

from __future__ import annotations

import email
import re
import time
from email import policy

import pytest
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner, URLSafeSerializer

from paperboy.digest import compose
from paperboy.digest.subscriptions import sign, unsign
from paperboy.web.app import create_app
from tests.digest.conftest import active, context

DAY = 86400
ONE_CLICK = {"content": b"List-Unsubscribe=One-Click",
             "headers": {"content-type": "application/x-www-form-urlencoded"}}


@pytest.fixture
def keyed(db, smtp, monkeypatch):
    """An app whose PAPERBOY_SECRET_KEY lists a retired key, then the current one."""
    monkeypatch.setenv("PAPERBOY_SECRET_KEY", "retired-key-1234, current-key-5678")
    return TestClient(create_app(db, cache_seconds=0, rate_limit=0), raise_server_exceptions=False)


def signed_days_ago(monkeypatch, secret: str, purpose: str, sid: int, days: float) -> str:
    with monkeypatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time() - days * DAY))
        return sign(secret, purpose, sid)


def status(conn, sid: int) -> str:
    conn.commit()
    return conn.execute("SELECT status FROM subscribers WHERE id = %s", (sid,)).fetchone()["status"]


def test_links_expire_with_a_clear_page(keyed, conn, monkeypatch):
    sid = active(conn, "ada@example.org")
    secret = "current-key-5678"
    fresh = signed_days_ago(monkeypatch, secret, "preferences", sid, 89)
    assert keyed.get(f"/preferences/{fresh}").status_code == 200
    old = signed_days_ago(monkeypatch, secret, "preferences", sid, 91)
    page = keyed.get(f"/preferences/{old}")
    assert page.status_code == 410 and "This link has expired" in page.text
    assert "latest digest" in page.text
    # unsubscribe links last longer: a year
    still = signed_days_ago(monkeypatch, secret, "unsubscribe", sid, 200)
    assert keyed.get(f"/unsubscribe/{still}").status_code == 200
    gone = signed_days_ago(monkeypatch, secret, "unsubscribe", sid, 366)
    assert keyed.post(f"/unsubscribe/{gone}", **ONE_CLICK).status_code == 410
    assert status(conn, sid) == "active"
    assert keyed.post(f"/unsubscribe/{still}", **ONE_CLICK).status_code == 200
    assert status(conn, sid) == "unsubscribed"


def test_lifetimes_are_settings(keyed, db, conn, monkeypatch):
    sid = active(conn, "bo@example.org")
    token = signed_days_ago(monkeypatch, "current-key-5678", "preferences", sid, 3)

    def app_with(days: str) -> TestClient:  # settings are read once, when the app is made
        monkeypatch.setenv("PAPERBOY_PREFERENCES_LINK_DAYS", days)
        return TestClient(create_app(db, cache_seconds=0, rate_limit=0), raise_server_exceptions=False)

    assert app_with("2").get(f"/preferences/{token}").status_code == 410
    assert app_with("5").get(f"/preferences/{token}").status_code == 200


def test_a_retired_key_still_verifies_an_unknown_one_does_not(keyed, conn):
    sid = active(conn, "cy@example.org")
    for key in ("retired-key-1234", "current-key-5678", "retired-key-1234, current-key-5678"):
        assert keyed.get(f"/preferences/{sign(key, 'preferences', sid)}").status_code == 200, key
    forged = sign("some-other-key", "preferences", sid)
    page = keyed.get(f"/preferences/{forged}")
    assert page.status_code == 404 and "not one we sent" in page.text
    assert keyed.post(f"/unsubscribe/{sign('some-other-key', 'unsubscribe', sid)}", **ONE_CLICK).status_code == 404
    # the last key signs: a link made from the list verifies with that key alone
    both = sign("retired-key-1234 current-key-5678", "preferences", sid)
    assert unsign("current-key-5678", "preferences", both) == sid
    assert unsign("retired-key-1234", "preferences", both) is None


def test_old_untimed_links_still_unsubscribe_but_no_longer_open_preferences(keyed, conn):
    sid = active(conn, "dee@example.org")
    legacy = {p: URLSafeSerializer("retired-key-1234", salt=f"paperboy-{p}").dumps(sid)
              for p in ("unsubscribe", "preferences")}
    page = keyed.get(f"/preferences/{legacy['preferences']}")
    assert page.status_code == 410 and "This link has expired" in page.text
    assert keyed.get(f"/unsubscribe/{legacy['unsubscribe']}").status_code == 200
    assert keyed.post(f"/unsubscribe/{legacy['unsubscribe']}", **ONE_CLICK).status_code == 200
    assert status(conn, sid) == "unsubscribed"
    forged = URLSafeSerializer("some-other-key", salt="paperboy-unsubscribe").dumps(sid)
    assert keyed.post(f"/unsubscribe/{forged}", **ONE_CLICK).status_code == 404


def test_each_digest_carries_fresh_links_signed_with_the_current_key(keyed, smtp, week, tmp_path):
    conn = week
    sid = active(conn, "eve@example.org")
    ctx = context(conn, tmp_path)
    ctx.secret = "retired-key-1234, current-key-5678"
    sub = conn.execute("SELECT * FROM subscribers WHERE id = %s", (sid,)).fetchone()
    raw = compose.build(conn, ctx, sub, "2024-11-08", []).message
    text = email.message_from_bytes(raw, policy=policy.default).get_body(("plain",)).get_content()
    for purpose in ("unsubscribe", "preferences"):
        token = re.search(rf"http://testserver/{purpose}/(\S+)", text).group(1)
        assert unsign("current-key-5678", purpose, token, max_age=60) == sid  # signed just now
        assert keyed.get(f"/{purpose}/{token}").status_code == 200
