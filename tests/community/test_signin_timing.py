"""In invite mode the sign-in form told members from strangers by its timing (issue 21, item
16): a member's request made the link and composed the email, 5–7 ms more, and one request
guessed right 73% of the time. Now a request records the asking and nothing else, whatever
the address; the mailer finds out, afterwards, whether to send. These tests check the work
itself, not the clock (bench/signin_timing.py prints the times)."""

from __future__ import annotations

from paperboy.community import members
from tests.community.people import add
from tests.community.test_signin import ask_link, delivered, make_client
from tests.digest.conftest import smtp  # noqa: F401 - a real SMTP server on loopback

TABLES = ("signin_requests", "subscribe_requests", "signin_tokens", "outbox")


def _rows(conn) -> dict[str, int]:
    counts = {t: conn.execute(f"SELECT count(*) AS n FROM {t}").fetchone()["n"] for t in TABLES}  # noqa: S608
    conn.commit()
    return counts


def test_asking_for_a_link_does_the_same_work_for_a_member_and_a_stranger(db, conn, smtp, monkeypatch):  # noqa: F811
    client = make_client(db, monkeypatch, "invite")
    add(conn, "ada@example.org")
    looked_up: list[str] = []  # whether anyone is a member, asked while a request is answered
    for name in ("by_email", "may_join"):
        real = getattr(members, name)
        monkeypatch.setattr(members, name, lambda *a, _real=real, _name=name: (looked_up.append(_name), _real(*a))[1])
    mailer = client.app.state.mailer
    wakes: list[str] = []
    monkeypatch.setattr(mailer, "wake", lambda: wakes.append("wake"))  # the mailer waits: see the request alone

    did = {}
    for address in ("ada@example.org", "nobody@example.org"):
        before = _rows(conn)
        r = ask_link(client, address)
        after = _rows(conn)
        did[address] = (r.status_code, r.text, {t: after[t] - before[t] for t in TABLES})
    assert did["ada@example.org"] == did["nobody@example.org"], "a member's request must do what a stranger's does"
    assert did["ada@example.org"][2] == {"signin_requests": 1, "subscribe_requests": 1, "signin_tokens": 0,
                                         "outbox": 0}
    assert looked_up == [], "the request itself must not find out whether the address is a member"
    assert wakes == ["wake", "wake"]

    type(mailer).wake(mailer)  # now the mailer: only the member gets a link
    delivered(client)
    assert smtp.recipients() == ["ada@example.org"]
    assert _rows(conn) == {"signin_requests": 0, "subscribe_requests": 2, "signin_tokens": 1, "outbox": 1}
    assert set(looked_up) >= {"by_email", "may_join"}
