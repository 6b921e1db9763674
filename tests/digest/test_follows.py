"""What a member follows reaches them: a digest's "New from authors and topics you follow"
section over real SMTP, and For you picks "because you follow" (real HF daily lists)."""

from __future__ import annotations

from paperboy.community import members
from paperboy.digest import compose
from paperboy.follows import store
from paperboy.papers import picks
from tests.digest.conftest import active, context
from tests.digest.test_digest import deliver

TITLE = "New from authors and topics you follow"


def _a_paper_of_the_day(conn) -> dict:
    """A paper first listed on Friday 8 November with several authors; its last author."""
    return conn.execute("SELECT id, title, authors[cardinality(authors)] AS last FROM papers"
                        " WHERE listed_on = '2024-11-08' AND cardinality(authors) > 2"
                        " ORDER BY upvotes, id LIMIT 1").fetchone()


def test_the_digest_has_a_section_of_what_the_member_follows(smtp, week, tmp_path):
    conn = week
    paper = _a_paper_of_the_day(conn)
    active(conn, "ada@example.org", max_papers=1)
    active(conn, "bob@example.org", max_papers=1)
    ada, _ = members.add(conn, "ada@example.org", "member")
    followed = store.follow_author(conn, ada.id, paper["last"])
    topic = conn.execute("INSERT INTO topics (label) VALUES ('agents') RETURNING id").fetchone()["id"]
    other = conn.execute("SELECT id, title FROM papers WHERE listed_on = '2024-11-08' AND id <> %s"
                         " ORDER BY upvotes, id LIMIT 1", (paper["id"],)).fetchone()
    conn.execute("INSERT INTO topic_papers VALUES (%s, %s)", (topic, other["id"]))
    store.follow_topic(conn, ada.id, topic)
    conn.commit()
    assert compose.compose_due(conn, context(conn, tmp_path)).composed == 2
    assert deliver(conn).sent == 2
    (msg,) = smtp.to("ada@example.org")
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert TITLE in text and TITLE in html
    after = text[text.index(TITLE):]
    assert paper["title"] in after and f"Because you follow “{followed.label}”" in after
    assert other["title"] in after and "Because you follow “agents”" in after
    assert f'href="http://testserver{followed.href}"' in html and 'href="http://testserver/topics/' in html
    (bobs,) = smtp.to("bob@example.org")  # follows nothing: no such section
    assert TITLE not in bobs.get_body(("plain",)).get_content()


def test_for_you_picks_what_the_member_follows_first(week):
    conn = week
    paper = _a_paper_of_the_day(conn)
    ada, _ = members.add(conn, "ada@example.org", "member")
    before = picks.for_you(conn, ada.id, limit=5)
    assert before.cold_start and all(not s.because for s in before.items)
    followed = store.follow_author(conn, ada.id, paper["last"])
    conn.commit()
    found = picks.for_you(conn, ada.id, limit=5)
    first = found.items[0]
    assert first.paper.id == paper["id"]
    assert first.because_text == f"Because you follow “{followed.label}”"
    assert first.hf_item()["because"] == [{"id": None, "title": followed.label, "kind": "follow",
                                           "url": followed.href}]
    assert [s.paper.id for s in found.items].count(paper["id"]) == 1  # not again among trending
