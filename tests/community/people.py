"""Members for tests: make one, sign a TestClient in as them, or give them a token."""

from __future__ import annotations

from fastapi.testclient import TestClient

from paperboy.community import members, sessions, tokens
from paperboy.community.members import Member


def add(conn, email: str, role: str = "member") -> Member:
    member, _ = members.add(conn, email, role)
    conn.commit()
    return member


def sign_in(client: TestClient, conn, email: str, role: str = "member") -> str:
    """Sign ``client`` in as a (new or existing) member by session cookie, as the sign-in
    link would; returns the session's CSRF token (send it as X-CSRF-Token or form csrf)."""
    member = add(conn, email, role)
    secret = client.app.state.secret
    cookie = sessions.start(conn, secret, member.id, days=30)
    conn.commit()
    client.cookies.set(sessions.COOKIE, cookie)
    key = sessions.key_of(secret, cookie, 30)
    return sessions.csrf_token(secret, key)


def token_for(conn, email: str, role: str = "member") -> dict[str, str]:
    """Authorization headers with a new API token of a (new or existing) member."""
    member = add(conn, email, role)
    token = tokens.create(conn, member.id, "test")
    conn.commit()
    return {"Authorization": f"Bearer {token}"}


def form_token(html: str) -> str:
    """The signed form token of a page made for no one (the sign-in forms): the first
    non-empty ``csrf`` field (forms for members carry an empty one until personalised)."""
    from tests.helpers import Page

    return next(i.attrs["value"] for i in Page(html).find_all("input", name="csrf") if i.attrs.get("value"))


def session_cookie(conn, email: str, role: str = "member") -> str:
    """The session cookie of a (new or existing) member, signed with the instance's own key
    as a separate `paperboy serve` reads it from the database (for real-browser tests: set
    it as the ``paperboy_session`` cookie)."""
    from paperboy.digest.subscriptions import secret_key

    member = add(conn, email, role)
    cookie = sessions.start(conn, secret_key(conn, None), member.id, days=1)
    conn.commit()
    return cookie
