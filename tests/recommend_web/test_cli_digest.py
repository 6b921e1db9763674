"""`paperboy recommend` (the real command against the test's database) and the For you
section of a member's digest."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email import message_from_bytes, policy

from paperboy.community import members
from paperboy.digest import compose
from paperboy.papers import picks
from tests.community.people import add
from tests.digest.conftest import active, context
from tests.helpers import run_cli
from tests.recommend_web.conftest import ALL_TIME, VIDEO, upvote_all

MONDAY = datetime(2024, 11, 11, 9, 30, tzinfo=UTC)  # the week of 4–10 November is done


def recommend(db_url: str, *args: str):
    return run_cli(["recommend", *args], {"DATABASE_URL": db_url, "COLUMNS": "220"})


def _member(conn, email: str, ids: list[str]) -> int:
    member = add(conn, email)
    upvote_all(conn, member.id, ids)
    return member.id


def test_the_command_prints_the_picks_with_their_reasons(db_url, conn):
    ada = _member(conn, "ada@example.org", VIDEO)
    expected = picks.for_you(conn, ada, since=datetime(1900, 1, 1).date(), limit=5)
    r = recommend(db_url, "Ada@Example.org", "--since", ALL_TIME, "--limit", "5")
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stdout + r.stderr and "cold start" not in r.stderr
    lines = r.stdout.splitlines()
    for rank, shown in enumerate(expected.items, 1):
        row = next(line for line in lines if shown.paper.arxiv_id in line)
        assert row.split("│")[1].strip() == str(rank)
        assert f"{shown.score:.3f}" in row
    assert not any(pid in r.stdout for pid in VIDEO)  # the member's own papers are reasons only
    titles = {b.title for s in expected.items for b in s.because}
    assert any(t[:30] in r.stdout for t in titles)
    as_json = recommend(db_url, "ada@example.org", "--since", ALL_TIME, "--limit", "5", "--json")
    items = json.loads(as_json.stdout)
    assert [i["id"] for i in items] == [s.paper.id for s in expected.items]
    assert all(b["id"] in VIDEO for i in items for b in i["because"])


def test_the_command_says_cold_start_and_refuses_strangers(db_url, conn):
    _member(conn, "bob@example.org", VIDEO[:1])
    cold = recommend(db_url, "bob@example.org")
    assert cold.returncode == 0 and "cold start" in cold.stderr and "1 signal " in cold.stderr
    assert "Trending" in cold.stdout
    stranger = recommend(db_url, "nobody@example.org")
    assert stranger.returncode == 2 and "nobody@example.org is not a member" in stranger.stderr
    assert "Traceback" not in stranger.stderr
    bad = recommend(db_url, "bob@example.org", "--since", "2024-02-30")
    assert bad.returncode == 2 and "--since" in bad.stderr
    backwards = recommend(db_url, "bob@example.org", "--since", "2024-11-08", "--until", "2024-11-01")
    assert backwards.returncode == 2 and "--until is before --since" in backwards.stderr


def _parts(raw: bytes) -> tuple[str, str]:
    """(text, html), with "\n" line ends: text goes on the wire with CRLF line breaks, as
    RFC 2046 has it, and the email package gives quoted-printable text back as it came."""
    msg = message_from_bytes(raw, policy=policy.default)
    return (msg.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n"),
            msg.get_body(preferencelist=("html",)).get_content().replace("\r\n", "\n"))


def _digest(conn, tmp_path, address: str) -> tuple[str, str]:
    sid = active(conn, address, frequency="weekly", weekday=0)
    sub = conn.execute("SELECT * FROM subscribers WHERE id = %s", (sid,)).fetchone()
    built = compose.build(conn, context(conn, tmp_path, MONDAY), sub, "2024-W46", [])
    assert built is not None
    return _parts(built.message)


def test_a_members_digest_has_a_for_you_section_and_a_strangers_none(conn, tmp_path):
    _member(conn, "ada@example.org", VIDEO)
    text, html = _digest(conn, tmp_path, "ada@example.org")
    assert "For you\n-------" in text and "Because you upvoted “" in text
    assert "<h2" in html and ">For you</h2>" in html
    links = [f'href="http://testserver/papers/{pid}"' for pid in VIDEO]
    assert any(link in html for link in links)  # the because line links the member's own paper
    section = text.split("For you\n-------")[1].split("\n-- \n")[0]
    listed = {r["paper_id"] for r in conn.execute(
        "SELECT paper_id FROM listings WHERE day BETWEEN '2024-11-04' AND '2024-11-10'")}
    urls = [line.strip().split()[0] for line in section.splitlines() if line.strip().startswith("http://testserver/papers/")]
    shown = [u.removeprefix("http://testserver/papers/") for u in urls]
    assert 1 <= len(shown) <= 5 and set(shown) <= listed and not set(shown) & set(VIDEO)
    trending_part = text.split("For you\n-------")[0]
    assert not any(f"/papers/{pid}\n" in trending_part or f"/papers/{pid} " in trending_part for pid in shown)

    _member(conn, "cy@example.org", VIDEO[:2])  # a member with too few signals: no section
    for address in ("bob@example.org", "cy@example.org"):
        text, html = _digest(conn, tmp_path, address)
        assert "For you" not in text and "For you" not in html and "Because you" not in text
    assert members.by_email(conn, "bob@example.org") is None
