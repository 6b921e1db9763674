"""Composing and delivering digests over real SMTP: content, exactly once, retries, failures."""

from __future__ import annotations

import email
import os
import random
import subprocess
import threading
from collections import Counter
from datetime import UTC, datetime
from email import policy

import psycopg
import pytest
from fastapi.testclient import TestClient

from paperboy import config, trending
from paperboy.digest import compose, outbox, parts, render, send, transport
from paperboy.web.app import create_app
from tests.digest.conftest import NOW, active, context
from tests.helpers import paperboy_cmd, run_cli


def deliver(conn) -> send.SendStats:
    cfg = config.load()
    return send.deliver_pending(conn, transport.delivery_for(cfg.smtp, cfg.home), cfg.mail_from)


def test_period_of_follows_each_subscribers_clock():
    sub = {"timezone": "UTC", "send_hour": 8, "frequency": "daily", "weekday": 0}
    assert compose.period_of(sub, NOW) == "2024-11-08"
    assert compose.period_of({**sub, "send_hour": 10}, NOW) is None  # not yet
    assert compose.period_of(sub, datetime(2024, 11, 9, 12, tzinfo=UTC)) is None  # Saturday
    tokyo = {**sub, "timezone": "Asia/Tokyo", "send_hour": 18}  # 09:30 UTC = 18:30 in Tokyo
    assert compose.period_of(tokyo, NOW) == "2024-11-08"
    weekly = {**sub, "frequency": "weekly", "weekday": 4}
    assert compose.period_of(weekly, NOW) == "2024-W45"
    assert compose.period_of({**weekly, "weekday": 3}, NOW) is None
    assert compose.period_of({**weekly, "weekday": 3}, NOW, force=True) == "2024-W45"


def test_daily_digest_arrives_with_both_parts_the_right_papers_and_a_working_unsubscribe(smtp, week, db, tmp_path):
    conn = week
    sid = active(conn, "ada@example.org", max_papers=5, topics=["diffusion"])
    ctx = context(conn, tmp_path)
    stats = compose.compose_due(conn, ctx)
    assert (stats.due, stats.composed) == (1, 1)
    assert deliver(conn).sent == 1
    (msg,) = smtp.to("ada@example.org")
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    # the period's top trending papers, in order
    rows, _, _ = trending.trending(conn, ref=ctx.latest, limit=50)
    expected = [r["title"] for r in rows if r["day"] == ctx.latest][:5]
    positions = [text.index(f"* {t}") for t in expected]
    assert positions == sorted(positions)
    for t in expected:
        assert t.replace("&", "&amp;") in html or t in html
    assert "New on “diffusion”" in text
    assert "<img" not in html.lower()  # no tracking pixel, no images at all
    sent = {r["paper_id"] for r in conn.execute("SELECT paper_id FROM sent_papers WHERE subscriber_id = %s", (sid,))}
    assert len(sent) >= 5
    # headers for leaving
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = str(msg["List-Unsubscribe"]).strip().strip("<>")
    assert url in text and url in html
    client = TestClient(create_app(db, cache_seconds=0, rate_limit=0))
    path = url.removeprefix("http://testserver")
    assert client.get(path).status_code == 200
    r = client.post(path, content=b"List-Unsubscribe=One-Click",
                    headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200
    assert conn.execute("SELECT status FROM subscribers WHERE id = %s", (sid,)).fetchone()["status"] == "unsubscribed"
    # a rerun the same day composes nothing; an unsubscribed address gets nothing
    conn.commit()
    assert compose.compose_due(conn, context(conn, tmp_path)).composed == 0


def test_rerun_same_period_and_no_paper_twice(smtp, week, tmp_path):
    conn = week
    sid = active(conn, "bo@example.org", max_papers=3)
    compose.compose_due(conn, context(conn, tmp_path))
    again = compose.compose_due(conn, context(conn, tmp_path))
    assert again.composed == 0 and again.already == 1
    # next day: other papers (the ones already sent are skipped)
    first = {r["paper_id"] for r in conn.execute("SELECT paper_id FROM sent_papers WHERE subscriber_id = %s", (sid,))}
    nxt = compose.compose_due(conn, context(conn, tmp_path, NOW.replace(day=11)))  # Monday
    assert nxt.composed == 1
    allsent = [r["paper_id"] for r in conn.execute("SELECT paper_id FROM sent_papers WHERE subscriber_id = %s", (sid,))]
    assert len(allsent) == len(set(allsent)) == len(first) + 3


def _compose_many(conn, tmp_path, n: int) -> list[str]:
    addresses = [f"reader{i}@example.org" for i in range(n)]
    for a in addresses:
        active(conn, a, max_papers=3)
    assert compose.compose_due(conn, context(conn, tmp_path)).composed == n
    return addresses


def test_sender_killed_midway_then_rerun_delivers_exactly_one_each(smtp, week, db_url, tmp_path):
    addresses = _compose_many(week, tmp_path, 30)
    env = {**os.environ, **smtp.env, "DATABASE_URL": db_url, "PAPERBOY_NOW": ""}
    smtp.kill_at = random.randint(3, 25)
    # one sender: with several, a kill can also land inside another connection's window
    # between the server accepting a message and the commit (see the README)
    proc = subprocess.Popen([*paperboy_cmd(), "digest", "send", "--now", NOW.isoformat(), "--senders", "1"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    smtp.kill_pid = proc.pid
    proc.wait(timeout=120)
    assert proc.returncode == -9, "the sender must have been killed mid-run"
    delivered = len(smtp.messages)
    assert delivered == smtp.kill_at - 1
    smtp.kill_at = None
    r = run_cli(["digest", "send", "--now", NOW.isoformat()], {**smtp.env, "DATABASE_URL": db_url})
    assert r.returncode == 0, r.stderr
    counts = Counter(m["To"] for m in smtp.messages)
    assert set(counts) == set(addresses) and set(counts.values()) == {1}


def test_messages_sent_weeks_ago_are_emptied_and_never_sent_again(smtp, week, db_url, tmp_path):
    """After KEEP_DAYS a sent digest's text is emptied; its row stays, so the period is still
    done: the next run sends nothing twice."""
    addresses = _compose_many(week, tmp_path, 3)
    assert deliver(week).sent == 3
    old, recent = addresses[:2], addresses[2]
    week.execute("UPDATE outbox SET sent = now() - make_interval(days => %s) WHERE recipient = ANY(%s)",
                 (outbox.KEEP_DAYS + 1, old))
    # a message that failed is kept whole, however old (what went wrong may be looked into)
    week.execute("INSERT INTO outbox (kind, period, recipient, subject, message, status, created)"
                 " VALUES ('digest', '1999-01-01', 'bounced@example.org', 'refused', 'x', 'failed', '1999-01-01')")
    week.commit()
    r = run_cli(["digest", "send", "--now", NOW.isoformat()], {**smtp.env, "DATABASE_URL": db_url})
    assert r.returncode == 0, r.stderr
    assert f"emptied the text of 2 messages sent over {outbox.KEEP_DAYS} days ago" in r.stdout
    assert "already done this period: 3" in r.stdout
    rows = {x["recipient"]: x for x in week.execute(
        "SELECT recipient, status, subject, message, part_ids, part_at, octet_length(message) AS size FROM outbox")}
    assert {a: (rows[a]["size"], rows[a]["part_ids"]) for a in old} == {a: (0, None) for a in old}
    assert rows["bounced@example.org"]["size"] == 1
    # the recent one is kept whole: its own bytes and its shared parts give what was sent
    kept = email.message_from_bytes(parts.assemble(week, rows[recent], parts.PartCache()), policy=policy.default)
    (received,) = smtp.to(recent)
    assert kept["Message-ID"] == received["Message-ID"]
    assert kept.get_body(("plain",)).get_content() == received.get_body(("plain",)).get_content()
    assert all(rows[a]["status"] == "sent" and rows[a]["subject"] for a in addresses)
    assert Counter(m["To"] for m in smtp.messages) == dict.fromkeys(addresses, 1)
    assert outbox.forget_sent_messages(week) == 0  # nothing left to empty


def test_a_digests_papers_are_emptied_once_no_digest_reads_them(smtp, week, tmp_path):
    """The papers a digest carried are read for SENT_DAYS (so nobody gets a paper twice), then
    emptied with the old messages' text: the outbox must not grow by every paper ever sent."""
    addresses = _compose_many(week, tmp_path, 3)
    assert deliver(week).sent == 3
    gone, read, recent = addresses
    week.execute("UPDATE outbox SET sent = now() - make_interval(days => %s) WHERE recipient = ANY(%s)",
                 (outbox.KEEP_DAYS + 1, [gone, read]))
    week.execute("UPDATE outbox SET created = now() - make_interval(days => %s) WHERE recipient = %s",
                 (outbox.SENT_DAYS + 1, gone))
    week.execute("UPDATE outbox SET created = now() - make_interval(days => %s) WHERE recipient = %s",
                 (outbox.SENT_DAYS - 1, read))
    week.commit()
    papers = {r["recipient"]: r["papers"] for r in week.execute("SELECT recipient, papers FROM outbox")}
    assert all(papers[a] for a in addresses)
    ids = {r["recipient"]: r["subscriber_id"] for r in week.execute("SELECT recipient, subscriber_id FROM outbox")}
    before = compose.recently_sent(week, [ids[read], ids[recent]])
    assert outbox.forget_sent_messages(week) == 2
    after = {r["recipient"]: r["papers"] for r in week.execute("SELECT recipient, papers FROM outbox")}
    assert after == {gone: None, read: papers[read], recent: papers[recent]}
    assert compose.recently_sent(week, [ids[read], ids[recent]]) == before  # what is still read, kept


def test_two_senders_at_once_still_deliver_one_each(smtp, week, db, tmp_path):
    addresses = _compose_many(week, tmp_path, 40)
    smtp.delay = 0.01
    results = []

    def run():
        with db.connection() as c:
            results.append(deliver(c))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts = Counter(m["To"] for m in smtp.messages)
    assert set(counts) == set(addresses) and set(counts.values()) == {1}
    assert sum(r.sent for r in results) == 40 and all(r.sent > 0 for r in results)


def test_each_message_commits_without_waiting_for_the_disk_and_hands_the_connection_back(smtp, week, db, tmp_path):
    """The claim's commit is asynchronous inside the message's own transaction only: the
    connection (a pooler's, perhaps) comes back with the server's setting."""
    _compose_many(week, tmp_path, 3)
    week.commit()
    cfg = config.load()
    seen = []
    with db.connection() as c:
        c.execute("SET synchronous_commit = on")  # what a real server has (the test server: off)
        c.commit()
        smtp_delivery = transport.delivery_for(cfg.smtp, cfg.home)

        class Watching:
            def deliver(self, *args, **kwargs):
                seen.append(c.execute("SHOW synchronous_commit").fetchone()["synchronous_commit"])
                smtp_delivery.deliver(*args, **kwargs)

            def close(self):
                smtp_delivery.close()

        stats = send.deliver_pending(c, Watching(), cfg.mail_from)
        after = c.execute("SHOW synchronous_commit").fetchone()["synchronous_commit"]
    assert stats.sent == 3 and len(smtp.messages) == 3
    assert seen == ["off"] * 3
    assert after == "on"


def test_temporary_refusal_is_retried_with_backoff(smtp, week, tmp_path):
    conn = week
    active(conn, "cy@example.org")
    compose.compose_due(conn, context(conn, tmp_path))
    smtp.refuse["cy@example.org"] = ["451 4.7.1 greylisted, try later"]
    first = deliver(conn)
    assert (first.sent, first.retry) == (0, 1)
    row = conn.execute("SELECT status, attempts, last_error, next_attempt > now() AS later FROM outbox"
                       " WHERE kind = 'digest'").fetchone()
    assert row["status"] == "pending" and row["attempts"] == 1 and row["later"] and "451" in row["last_error"]
    assert deliver(conn).sent == 0  # not before its time
    conn.execute("UPDATE outbox SET next_attempt = now()")
    conn.commit()
    assert deliver(conn).sent == 1
    assert len(smtp.to("cy@example.org")) == 1
    assert conn.execute("SELECT status, attempts FROM outbox WHERE kind = 'digest'").fetchone() == \
        {"status": "sent", "attempts": 2}


def test_permanent_refusal_is_recorded_and_pauses_after_repeats(smtp, week, tmp_path):
    conn = week
    sid = active(conn, "gone@example.org")
    for day in (6, 7, 8):  # three weekdays, three digests, three bounces
        compose.compose_due(conn, context(conn, tmp_path, NOW.replace(day=day)))
        smtp.refuse["gone@example.org"] = ["550 5.1.1 no such user"]
        stats = deliver(conn)
        assert stats.failed == 1
    rows = conn.execute("SELECT status, last_error FROM outbox WHERE kind = 'digest' ORDER BY id").fetchall()
    assert len(rows) == 3 and all(r["status"] == "failed" and "550" in r["last_error"] for r in rows)
    sub = conn.execute("SELECT status, failures FROM subscribers WHERE id = %s", (sid,)).fetchone()
    assert sub == {"status": "paused", "failures": 3}
    assert smtp.messages == []


def test_no_smtp_writes_eml_files_and_says_where(week, db_url, tmp_path):
    conn = week
    active(conn, "file@example.org")
    home = tmp_path / "home"
    env = {"DATABASE_URL": db_url, "PAPERBOY_HOME": str(home), "PAPERBOY_SMTP_HOST": ""}
    r = run_cli(["digest", "send", "--now", NOW.isoformat()], env)
    assert r.returncode == 0, r.stderr
    files = list((home / "outbox").glob("*.eml"))
    assert len(files) == 1 and b"file@example.org" in files[0].read_bytes()
    assert str(home / "outbox") in r.stdout.replace("\n", "")
    dry = run_cli(["digest", "send", "--dry-run", "--now", NOW.replace(day=11).isoformat()], env)
    assert "would send to file@example.org" in dry.stdout
    with psycopg.connect(db_url) as c:
        assert c.execute("SELECT count(*) FROM outbox WHERE kind = 'digest'").fetchone()[0] == 1


def test_preview_writes_html(week, db_url, tmp_path):
    active(week, "pre@example.org")
    out = tmp_path / "p.html"
    r = run_cli(["digest", "preview", "pre@example.org", "--out", str(out), "--now", NOW.isoformat()],
                {"DATABASE_URL": db_url, "PAPERBOY_HOME": str(tmp_path / "h")})
    assert r.returncode == 0, r.stderr
    assert "<table" in out.read_text() and "Unsubscribe" in out.read_text()
    with psycopg.connect(db_url) as c:
        assert c.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0  # nothing recorded
    bad = run_cli(["digest", "preview", "nobody@example.org"], {"DATABASE_URL": db_url})
    assert bad.returncode == 2 and "not a subscriber" in bad.stderr


def test_header_injection_is_impossible():
    with pytest.raises(ValueError):
        render.message(sender="p <p@x.org>", to="a@x.org\r\nBcc: b@x.org", subject="s", text="t")
    raw = render.message(sender="p <p@x.org>", to="a@x.org", subject="two\r\nlines · ü", text="t",
                         html="<p>ü</p>")
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg["Subject"] == "two lines · ü"
    assert msg.get_body(("plain",)).get_content().strip() == "t"
    assert msg.get_body(("html",)).get_content().strip() == "<p>ü</p>"
    assert all(line.endswith(b"\r") or not line for line in raw.split(b"\n")[:-1])  # CRLF only


def test_serve_worker_composes_and_sends_on_schedule(smtp, week, db, tmp_path):
    from paperboy.jobs import BackgroundJobs
    from paperboy.search import Searcher

    active(week, "sched@example.org", send_hour=0)
    with db.connection() as c:
        jobs = BackgroundJobs(db, Searcher(tmp_path, c), embed=False, clock=lambda: NOW)
    jobs.send_digests()  # what serve's worker does once a minute
    (msg,) = smtp.to("sched@example.org")
    assert "paperboy:" in msg["Subject"]
    jobs.send_digests()
    assert len(smtp.to("sched@example.org")) == 1  # once per period
