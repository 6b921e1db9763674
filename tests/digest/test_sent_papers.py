"""What a digest sent is kept on its outbox row (migration 0036) and read back through the
``sent_papers`` view: no paper twice, a merged paper read as the one it was merged into."""

from __future__ import annotations

from paperboy.community import merging
from paperboy.digest import compose
from tests.digest.conftest import active, context


def test_a_digest_keeps_its_papers_on_its_outbox_row(week, tmp_path):
    conn = week
    sid = active(conn, "ada@example.org", max_papers=4, topics=["diffusion"])
    assert compose.compose_due(conn, context(conn, tmp_path)).composed == 1
    row = conn.execute("SELECT papers FROM outbox WHERE subscriber_id = %s AND kind = 'digest'", (sid,)).fetchone()
    assert len(row["papers"]) >= 4 and len(set(row["papers"])) == len(row["papers"])
    assert compose.recently_sent(conn, [sid]) == {sid: set(row["papers"])}


def test_a_paper_merged_after_it_was_sent_is_not_sent_again_under_the_kept_id(week, tmp_path):
    conn = week
    sid = active(conn, "ada@example.org", max_papers=3)
    assert compose.compose_due(conn, context(conn, tmp_path)).composed == 1
    sent = compose.recently_sent(conn, [sid])[sid]
    old = sorted(sent)[0]
    keep = conn.execute("SELECT id FROM papers WHERE NOT (id = ANY(%s)) ORDER BY id LIMIT 1",
                        (list(sent),)).fetchone()["id"]
    with conn.transaction():
        merging.merge_paper(conn, old, keep)
    assert compose.recently_sent(conn, [sid])[sid] == sent - {old} | {keep}
