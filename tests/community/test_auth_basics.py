"""Who is asking: session cookies, tokens, roles, CSRF — the rules every member route uses."""

from __future__ import annotations

from paperboy.community import sessions, tokens
from tests.community.people import add, sign_in, token_for


def test_the_shared_page_names_the_signed_in_member_and_no_one_else(client, other, conn, hub):
    csrf = sign_in(client, conn, "ada@example.org")
    page = client.get("/").text
    assert ">ada</a>" in page and f'content="{csrf}"' in page and "Sign in" not in page
    anonymous = other.get("/").text
    assert ">ada</a>" not in anonymous and csrf not in anonymous and "Sign in" in anonymous


def test_a_forged_or_ended_session_is_no_one(client, conn, hub):
    sign_in(client, conn, "ada@example.org")
    assert ">ada</a>" in client.get("/").text
    sessions.end_all(conn, add(conn, "ada@example.org").id)
    import time
    time.sleep(1.1)  # the worker's lookup cache lives a second
    assert "Sign in" in client.get("/").text
    client.cookies.set(sessions.COOKIE, "forged.cookie.value")
    assert "Sign in" in client.get("/").text


def test_revoked_tokens_stop_working(conn, client):
    headers = token_for(conn, "bob@example.org")
    member = add(conn, "bob@example.org")
    [row] = tokens.list_for(conn, member.id)
    assert tokens.member_of(conn, headers["Authorization"].split()[1]).email == "bob@example.org"
    tokens.revoke(conn, member.id, row["id"])
    conn.commit()
    assert tokens.member_of(conn, headers["Authorization"].split()[1]) is None
