"""Digests stored as their own bytes plus shared parts (digest/parts.py): what is sent is the
whole digest, a shared part is written once, parts no message holds are deleted, and a part
that went missing fails its message alone."""

from __future__ import annotations

import email
import quopri
import re
from email import policy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperboy import config
from paperboy.digest import compose, outbox, parts, render, send, transport
from tests.digest.conftest import active, context


def deliver(conn) -> send.SendStats:
    cfg = config.load()
    return send.deliver_pending(conn, transport.delivery_for(cfg.smtp, cfg.home), cfg.mail_from)


def _bodies(msg: email.message.EmailMessage) -> tuple[str, str]:
    return tuple(msg.get_body((k,)).get_content().replace("\r\n", "\n") for k in ("plain", "html"))


def _unsigned(bodies: tuple[str, str]) -> tuple[str, ...]:
    """The bodies with each signed link's token taken out (a token holds the second it was made)."""
    return tuple(re.sub(r"/(unsubscribe|preferences)/[\w.-]+", r"/\1/TOKEN", b) for b in bodies)


@given(st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300),
                min_size=1, max_size=5))
def test_quoted_printable_pieces_end_to_end_decode_to_the_pieces_end_to_end(pieces):
    # what storing a digest as parts rests on; \r\n is written as \n (text's line break)
    joined = b"".join(render.qp(p) for p in pieces)
    assert quopri.decodestring(joined).replace(b"\r\n", b"\n") == "".join(pieces).replace("\r\n", "\n").encode()
    assert all(len(line) <= 998 for line in joined.split(b"\r\n"))  # SMTP's limit


def test_readers_sharing_sections_get_whole_digests_from_parts_stored_once(smtp, week, tmp_path):
    conn = week
    readers = [f"r{i}@example.org" for i in range(4)]
    for a in readers:
        active(conn, a, max_papers=3, topics=["language model agents"])
    ctx = context(conn, tmp_path)
    assert compose.compose_due(conn, ctx).composed == 4
    rows = conn.execute("SELECT recipient, octet_length(message) AS own, part_ids FROM outbox").fetchall()
    # each holds the page's two heads and the same two sections in text and HTML: six parts
    # stored once, not four times
    assert {len(r["part_ids"]) for r in rows} == {6}
    assert conn.execute("SELECT count(*) AS n FROM mail_parts").fetchone()["n"] == 6
    assert max(r["own"] for r in rows) < 3000  # headers, links, MIME glue

    assert deliver(conn).sent == 4
    assert all(len(line) <= 998 for raw in smtp.raw for line in raw.split(b"\r\n"))
    for a in readers:
        (got,) = smtp.to(a)
        sub = conn.execute("SELECT * FROM subscribers WHERE email = %s", (a,)).fetchone()
        # the same digest built again (whole, nothing stored) says the same
        again = compose.build(conn, ctx, sub, "2024-11-08", ["language model agents"], sent=set())
        whole = email.message_from_bytes(again.message, policy=policy.default)
        assert _unsigned(_bodies(got)) == _unsigned(_bodies(whole))
        assert a in got["To"] and "/unsubscribe/" in _bodies(got)[0]


def test_parts_no_message_holds_are_deleted_and_the_others_kept(smtp, week, tmp_path):
    conn = week
    active(conn, "a@example.org", max_papers=2)
    compose.compose_due(conn, context(conn, tmp_path))
    held = {r["id"] for r in conn.execute("SELECT id FROM mail_parts")}
    conn.execute("INSERT INTO mail_parts (hash, body, used) VALUES ('orphan-old', 'x', now() - interval '3 days'),"
                 " ('orphan-new', 'y', now())")
    conn.execute("UPDATE mail_parts SET used = now() - interval '3 days'")  # all old, some still held
    conn.execute("UPDATE mail_parts SET used = now() WHERE hash = 'orphan-new'")
    conn.commit()
    assert parts.forget_unused(conn) == 1  # the old orphan: held (pending) and recent ones stay
    left = {r["hash"]: r["id"] for r in conn.execute("SELECT id, hash FROM mail_parts")}
    assert held <= set(left.values()) and b"orphan-new" in {bytes(h) for h in left}


def test_a_stored_part_that_went_missing_fails_its_message_alone(smtp, week, tmp_path):
    conn = week
    active(conn, "a@example.org", max_papers=2)
    active(conn, "b@example.org", max_papers=2, topics=["language model agents"])
    compose.compose_due(conn, context(conn, tmp_path))
    only_b = conn.execute(
        "SELECT p.id FROM mail_parts p JOIN outbox o ON p.id = ANY(o.part_ids) GROUP BY p.id"
        " HAVING count(*) = 1 LIMIT 1").fetchone()["id"]
    conn.execute("DELETE FROM mail_parts WHERE id = %s", (only_b,))
    conn.commit()
    stats = deliver(conn)
    assert (stats.sent, stats.failed) == (1, 1)
    assert [m["To"] for m in smtp.messages] == ["a@example.org"]
    row = conn.execute("SELECT status, last_error FROM outbox WHERE recipient = 'b@example.org'").fetchone()
    assert row["status"] == "failed" and "no longer stored" in row["last_error"]
    assert conn.execute("SELECT failures FROM subscribers WHERE email = 'b@example.org'"
                        ).fetchone()["failures"] == 0  # not the address's fault


def test_a_chunk_rolled_back_leaves_no_part_id_behind_for_the_next(smtp, week, tmp_path, monkeypatch):
    """The run learns the ids of the parts it stored only once they are committed: after a
    chunk fails, the next stores its parts again rather than pointing at rows that never were."""
    conn = week
    active(conn, "a@example.org", max_papers=2)
    ctx = context(conn, tmp_path)
    real = compose._csv

    def broken(numbers):
        raise RuntimeError("the database went away mid-chunk")

    monkeypatch.setattr(compose, "_csv", broken)  # fails after the parts are written, before the commit
    with pytest.raises(RuntimeError):
        compose.compose_due(conn, ctx)
    conn.rollback()
    assert conn.execute("SELECT count(*) AS n FROM mail_parts").fetchone()["n"] == 0
    monkeypatch.setattr(compose, "_csv", real)
    assert compose.compose_due(conn, ctx).composed == 1
    assert deliver(conn).sent == 1
    assert "/unsubscribe/" in _bodies(smtp.messages[0])[0]


def test_a_message_let_go_behind_the_sender_is_still_sent(smtp, week, tmp_path, db_url, monkeypatch):
    """A sender claims forward from its last message; one that another sender held and let go
    (a sender that died) is behind it, and is sent once nothing is left ahead."""
    import psycopg

    conn = week
    for a in ("a@example.org", "b@example.org", "c@example.org"):
        active(conn, a, max_papers=2)
    compose.compose_due(conn, context(conn, tmp_path))
    first = conn.execute("SELECT min(id) AS id FROM outbox").fetchone()["id"]
    other = psycopg.connect(db_url)  # another sender, holding the first message
    other.execute("SELECT id FROM outbox WHERE id = %s FOR UPDATE", (first,))
    real = send._deliver_one

    def then_let_go(*args, **kwargs):
        outcome = real(*args, **kwargs)
        other.rollback()  # it dies: the first message is pending again, behind this sender
        return outcome

    monkeypatch.setattr(send, "_deliver_one", then_let_go)
    try:
        assert deliver(conn).sent == 3
    finally:
        other.close()
    assert sorted(m["To"] for m in smtp.messages) == ["a@example.org", "b@example.org", "c@example.org"]


def test_senders_in_a_process_of_their_own_deliver_each_message_once(smtp, week, tmp_path, db, monkeypatch):
    """What `digest send` does for thousands of readers (outbox.PROCESS_FROM): the senders in a
    child process, the running totals and progress here."""
    conn = week

    def not_here(*args, **kwargs):
        raise AssertionError("sent from this process")

    monkeypatch.setattr(send, "deliver_pending", not_here)  # (a spawned process imports its own)
    readers = [f"p{i}@example.org" for i in range(6)]
    for a in readers:
        active(conn, a, max_papers=2)
    ticks = []
    with outbox.sending_alongside(db, config.load(), 2, progress=ticks.append,
                                  expected=outbox.PROCESS_FROM) as sent:
        assert compose.compose_due(conn, context(conn, tmp_path)).composed == 6
    assert (sent.sent, sent.retry, sent.failed) == (6, 0, 0) and sum(ticks) == 6
    assert sorted(m["To"] for m in smtp.messages) == readers


def test_an_error_in_the_sending_process_is_raised_here(smtp, week, db):
    conn = week
    conn.execute("ALTER TABLE outbox RENAME COLUMN part_at TO part_at_gone")  # every claim fails
    conn.commit()
    with pytest.raises(Exception, match="part_at"):  # noqa: PT011 - psycopg's own error, from the child
        with outbox.sending_alongside(db, config.load(), 1, expected=outbox.PROCESS_FROM):
            pass


def test_a_sender_thread_ended_by_a_base_exception_fails_the_run(smtp, week, db, monkeypatch):
    """SystemExit is not an Exception: a sender thread ended by it used to go unseen, the run
    then reporting fewer sent and succeeding. Both ways of running senders now say so."""
    def leave(*args, **kwargs):
        raise SystemExit(7)

    monkeypatch.setattr(send, "deliver_pending", leave)
    with pytest.raises(RuntimeError, match="a sender ended on SystemExit"):
        with outbox.sending_alongside(db, config.load(), 2):
            pass
    with pytest.raises(RuntimeError, match="a sender ended on SystemExit"):
        outbox.send_now(db, config.load(), senders=2)


def test_emptying_old_messages_lets_their_parts_go(smtp, week, tmp_path):
    conn = week
    active(conn, "a@example.org", max_papers=2)
    compose.compose_due(conn, context(conn, tmp_path))
    assert deliver(conn).sent == 1
    assert outbox.forget_sent_messages(conn) == 0
    assert conn.execute("SELECT count(*) AS n FROM mail_parts").fetchone()["n"] > 0
    conn.execute("UPDATE outbox SET sent = now() - make_interval(days => %s)", (outbox.KEEP_DAYS + 1,))
    conn.execute("UPDATE mail_parts SET used = now() - interval '15 days'")
    conn.commit()
    assert outbox.forget_sent_messages(conn) == 1
    assert conn.execute("SELECT count(*) AS n FROM mail_parts").fetchone()["n"] == 0


def test_a_sender_stopped_mid_message_leaves_it_pending_and_its_connection_as_it_was(smtp, week, tmp_path,
                                                                                   monkeypatch):
    """A sender stopped between its claim and its commit (Ctrl+C while the SMTP server
    answers) rolls back, and hands the connection back as it got it."""
    conn = week
    active(conn, "a@example.org", max_papers=2)
    compose.compose_due(conn, context(conn, tmp_path))
    real = transport.SMTPDelivery.deliver

    def interrupted(self, *args):
        raise KeyboardInterrupt

    monkeypatch.setattr(transport.SMTPDelivery, "deliver", interrupted)
    with pytest.raises(KeyboardInterrupt):
        deliver(conn)
    assert conn.autocommit is False and conn.info.transaction_status == 0  # idle, as it came
    row = conn.execute("SELECT status, attempts FROM outbox").fetchone()
    assert (row["status"], row["attempts"]) == ("pending", 0)
    conn.commit()
    monkeypatch.setattr(transport.SMTPDelivery, "deliver", real)
    assert deliver(conn).sent == 1 and [m["To"] for m in smtp.messages] == ["a@example.org"]
