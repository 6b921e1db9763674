"""Hostile or unusual mail (issue 10): internationalised addresses, a message that crashes its
delivery, and `javascript:` links in stored papers. All over the real SMTP server (aiosmtpd)."""

from __future__ import annotations

import re
import smtplib

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from paperboy import config
from paperboy.config import SMTPSettings
from paperboy.digest import compose, send, transport
from paperboy.web.app import create_app
from tests.digest.conftest import NOW, Sink, active, context
from tests.helpers import free_port, run_cli

SAME_SITE = {"origin": "http://testserver"}
IDN = "x@пример.рф"  # stored as typed (Unicode); on the wire its domain is punycode
IDN_WIRE = "x@xn--e1afmkfd.xn--p1ai"


def deliver(conn) -> send.SendStats:
    cfg = config.load()
    return send.deliver_pending(conn, transport.delivery_for(cfg.smtp, cfg.home), cfg.mail_from)


def outbox(conn) -> list[dict]:
    conn.commit()
    return conn.execute("SELECT recipient, status, last_error FROM outbox ORDER BY id").fetchall()


def test_an_idn_subscriber_first_in_the_queue_gets_mail_and_stops_no_one(smtp, week, tmp_path):
    conn = week
    active(conn, IDN)  # lowest outbox id: senders take it first
    active(conn, "y@xn--strae-oqa.de")  # typed as punycode, stored as straße.de
    ordinary = [f"r{i}@example.org" for i in range(3)]
    for a in ordinary:
        active(conn, a)
    assert compose.compose_due(conn, context(conn, tmp_path)).composed == 5
    stats = deliver(conn)
    assert (stats.sent, stats.retry, stats.failed) == (5, 0, 0)
    assert sorted(smtp.recipients()) == sorted([IDN_WIRE, "y@xn--strae-oqa.de", *ordinary])
    (msg,) = smtp.to(IDN_WIRE)  # the To header carries the punycode domain too
    assert msg["Subject"].startswith("paperboy:")
    assert {r["status"] for r in outbox(conn)} == {"sent"}


def test_an_idn_address_can_subscribe(smtp, db):
    client = TestClient(create_app(db, cache_seconds=0, rate_limit=0), raise_server_exceptions=False)
    r = client.post("/subscribe", data={"email": "Ada@XN--E1AFMKFD.XN--P1AI"}, headers=SAME_SITE)
    assert r.status_code == 200 and "Check your inbox" in r.text
    assert client.app.state.mailer.wait_idle(30)  # it sends off the request
    assert smtp.recipients() == ["ada@xn--e1afmkfd.xn--p1ai"]
    assert "confirm" in smtp.messages[0]["Subject"].lower()


def test_a_non_ascii_local_part_fails_clearly_unless_the_server_speaks_smtputf8(smtp, week, tmp_path):
    conn = week
    # /subscribe refuses these; one may still sit in the table from elsewhere
    conn.execute("INSERT INTO subscribers (email, status) VALUES ('ü@example.org', 'active')")
    conn.commit()
    active(conn, "after@example.org")
    compose.compose_due(conn, context(conn, tmp_path))
    sink, port = Sink(), free_port()
    plain = Controller(sink, hostname="127.0.0.1", port=port, enable_SMTPUTF8=False)
    plain.start()
    try:
        delivery = transport.SMTPDelivery(SMTPSettings(host="127.0.0.1", port=port, security="none", user=None))
        stats = send.deliver_pending(conn, delivery, "paperboy <digest@paperboy.test>")
    finally:
        plain.stop()
    assert (stats.sent, stats.failed) == (1, 1)
    assert sink.recipients() == ["after@example.org"]
    failed = [r for r in outbox(conn) if r["status"] == "failed"]
    assert len(failed) == 1 and "SMTPUTF8" in failed[0]["last_error"]
    # a server that offers SMTPUTF8 (the test server does) takes it as it is
    conn.execute("UPDATE outbox SET status = 'pending', last_error = NULL WHERE status = 'failed'")
    conn.commit()
    assert deliver(conn).sent == 1
    assert smtp.recipients() == ["ü@example.org"]


@pytest.mark.parametrize("layer", ["smtplib", "pipelined", "delivery"])
def test_a_message_whose_delivery_crashes_is_failed_and_the_queue_moves_on(smtp, week, tmp_path,
                                                                          monkeypatch, layer):
    conn = week
    addresses = ["crash@example.org", *(f"r{i}@example.org" for i in range(4))]
    for a in addresses:
        active(conn, a)
    compose.compose_due(conn, context(conn, tmp_path))
    if layer == "pipelined":  # MAIL, RCPT and DATA written: the server waits for the message
        real_send = smtplib.SMTP.send

        def send_(self, s):
            real_send(self, s)
            if "RCPT TO:<crash@example.org>" in (s if isinstance(s, str) else s.decode()):
                raise RuntimeError("boom")

        monkeypatch.setattr(smtplib.SMTP, "send", send_)
    elif layer == "smtplib":  # inside smtplib, halfway through an SMTP transaction
        smtp.pipelining = False  # (else rcpt is not called: MAIL, RCPT and DATA go in one write)
        real_rcpt = smtplib.SMTP.rcpt

        def rcpt(self, recip, options=()):
            if recip == "crash@example.org":
                raise RuntimeError("boom")
            return real_rcpt(self, recip, options)

        monkeypatch.setattr(smtplib.SMTP, "rcpt", rcpt)
    else:  # anywhere in the delivery object
        real_deliver = transport.SMTPDelivery.deliver

        def crash(self, sender, recipient, message):
            if recipient == "crash@example.org":
                raise RuntimeError("boom")
            return real_deliver(self, sender, recipient, message)

        monkeypatch.setattr(transport.SMTPDelivery, "deliver", crash)
    stats = deliver(conn)
    assert (stats.sent, stats.retry, stats.failed) == (4, 0, 1)
    assert sorted(smtp.recipients()) == sorted(addresses[1:])
    rows = {r["recipient"]: r for r in outbox(conn)}
    assert rows["crash@example.org"]["status"] == "failed"
    assert "RuntimeError: boom" in rows["crash@example.org"]["last_error"]
    # our own crash says nothing about the address: the subscription is not counted against
    assert conn.execute("SELECT failures FROM subscribers WHERE email = 'crash@example.org'"
                        ).fetchone()["failures"] == 0


def test_digest_send_prints_what_the_server_received(smtp, week, db_url):
    conn = week
    active(conn, IDN)  # first in the queue
    conn.execute("INSERT INTO subscribers (email, status) VALUES ('ü@example.org', 'active')")
    conn.commit()
    active(conn, "bounce@example.org")
    smtp.refuse["bounce@example.org"] = ["550 5.1.1 no such user"]
    for i in range(3):
        active(conn, f"r{i}@example.org")
    r = run_cli(["digest", "send", "--now", NOW.isoformat()], {**smtp.env, "DATABASE_URL": db_url})
    assert r.returncode == 0, r.stderr
    m = re.search(r"sent: (\d+) · to retry later: (\d+) · failed: (\d+)", r.stdout)
    assert m, r.stdout
    assert (int(m[1]), int(m[2]), int(m[3])) == (5, 0, 1)
    assert len(smtp.messages) == 5 and {IDN_WIRE, "ü@example.org"} <= set(smtp.recipients())
    assert [row["status"] for row in outbox(conn)].count("sent") == 5


def test_javascript_urls_in_stored_papers_never_reach_an_email(smtp, week, tmp_path):
    conn = week
    day = compose.latest_day(conn)
    # straight into the table: the Paper record would have cleaned these on the way in
    conn.execute(
        "INSERT INTO papers (id, arxiv_id, title, title_key, summary, listed_on, upvotes, pdf_url,"
        " github_repo, project_page) VALUES"
        " ('t-hostile', NULL, 'Hostile links', 'hostile links', 'x', %(d)s, 100000,"
        "  'javascript:alert(1)', ' JaVaScRiPt:alert(2)', 'javascript:alert(3)'),"
        " ('2411.99999', '2411.99999', 'Hostile links two', 'hostile links two', 'y', %(d)s, 99999,"
        "  E'java\\tscript:alert(4)', 'data:text/html,<script>alert(5)</script>', NULL)",
        {"d": day})
    conn.execute("INSERT INTO listings (paper_id, day, source) VALUES ('t-hostile', %(d)s, 'hf'),"
                 " ('2411.99999', %(d)s, 'hf')", {"d": day})
    conn.commit()
    active(conn, "reader@example.org", max_papers=5)
    ctx = context(conn, tmp_path)
    assert compose.compose_due(conn, ctx).composed == 1
    assert deliver(conn).sent == 1
    (msg,) = smtp.to("reader@example.org")
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    assert "Hostile links" in html and "Hostile links two" in text
    for part in (html, text):
        squashed = re.sub(r"\s", "", part).lower()
        assert "javascript:" not in squashed and "data:text" not in squashed
    # the arXiv paper still gets its PDF link, from its id
    assert 'href="https://arxiv.org/pdf/2411.99999"' in html


@pytest.mark.parametrize("pipelining", [True, False])
def test_lines_that_begin_with_a_dot_arrive_as_written(smtp, pipelining, monkeypatch):
    """SMTP ends a message at a line holding one dot, so every line that begins with a dot is
    sent with a second one (RFC 5321 4.5.2). send.py does that itself, not with smtplib's
    regex; a line missed would end the message early or lose its dot. With and without the
    server offering PIPELINING (send.py then sends MAIL, RCPT and DATA at once)."""
    smtp.pipelining = pipelining
    writes: list[str] = []
    real_send = smtplib.SMTP.send
    monkeypatch.setattr(smtplib.SMTP, "send", lambda self, s: (writes.append(str(s)), real_send(self, s))[1])
    delivery = transport.SMTPDelivery(SMTPSettings(host="127.0.0.1", port=int(smtp.env["PAPERBOY_SMTP_PORT"]),
                                              security="none", user=None))
    body = ".\r\n..two\r\n.one\r\nmiddle. of a line\r\n.\r\n.last"
    try:
        delivery.deliver("p@paperboy.test", "dots@example.org",
                         b"From: p@paperboy.test\r\nTo: dots@example.org\r\nSubject: dots\r\n\r\n"
                         + body.encode())
        delivery.deliver("p@paperboy.test", "first@example.org", b".starts with a dot\r\n")
    finally:
        delivery.close()
    head = b"From: p@paperboy.test\r\nTo: dots@example.org\r\nSubject: dots\r\n\r\n"
    # (the line break added is what ends a message's last line on the wire)
    assert smtp.raw == [head + body.encode() + b"\r\n", b".starts with a dot\r\n"]
    # pipelined: MAIL, RCPT and DATA in one write; else one write each
    commands = [w.upper() for w in writes if "MAIL FROM:" in w.upper()]
    assert len(commands) == 2 and all(("RCPT TO:" in w and "DATA" in w) == pipelining for w in commands)
