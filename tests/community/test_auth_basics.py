"""Who is asking: session cookies, tokens, roles, CSRF — the rules every member route uses."""

from __future__ import annotations

from datetime import timedelta

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


def test_a_tokens_use_and_a_members_visit_are_written_once_a_minute(conn):
    """A script calling the API many times a second does not write a row per call; a use after
    a minute is noted again, and the member read back carries the time just written."""
    token = token_for(conn, "cy@example.org")["Authorization"].split()[1]

    def stamps() -> tuple:
        row = conn.execute("SELECT t.last_used, m.last_seen FROM api_tokens t JOIN members m ON m.id = t.member_id"
                           " WHERE m.email = 'cy@example.org'").fetchone()
        conn.commit()
        return row["last_used"], row["last_seen"]

    first = tokens.member_of(conn, token)
    used, seen = stamps()
    assert used is not None and seen is not None and first.last_seen == seen
    tokens.member_of(conn, token)
    assert stamps() == (used, seen)  # within the minute: nothing written
    conn.execute("UPDATE api_tokens SET last_used = last_used - interval '2 minutes'")
    conn.execute("UPDATE members SET last_seen = last_seen - interval '2 minutes'")
    conn.commit()
    again = tokens.member_of(conn, token)
    later_used, later_seen = stamps()
    assert later_used > used - timedelta(minutes=2) and later_seen > seen - timedelta(minutes=2)
    assert again.last_seen == later_seen
