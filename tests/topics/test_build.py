"""Topic builds on real papers and vectors: named, sized, counted by week; ids stable across a
refresh that adds a day, and a member's follow of a topic survives it."""

from __future__ import annotations

from datetime import date

from paperboy.community import members
from paperboy.topics import build, cluster, matching
from tests.topics.conftest import load_sample


def _active(conn) -> dict[int, dict]:
    return {r["id"]: r for r in conn.execute("SELECT * FROM topics WHERE active ORDER BY id")}


def test_topics_named_sized_and_stable_across_a_refresh(conn, tmp_path):
    load_sample(conn, tmp_path, until=date(2026, 6, 30))
    first = build.run(conn)
    assert first.until == date(2026, 6, 30) and first.since == date(2026, 4, 2)  # 90 days
    assert first.papers > 300
    topics = _active(conn)
    assert len(topics) == cluster.choose_k(first.papers) == len(first.ids) >= 5
    in_topics = conn.execute("SELECT count(*) AS n, count(DISTINCT paper_id) AS d FROM topic_papers").fetchone()
    assert in_topics["n"] == in_topics["d"] == first.papers  # every paper in exactly one topic
    for t in topics.values():
        assert t["label"] and not t["label"].startswith("topic "), t
        assert len(t["keywords"]) >= 3 and t["label"].startswith(t["keywords"][0])
        assert t["size"] > 0 and sum(w["n"] for w in t["weekly"]) == t["size"]
        assert t["weekly"][0]["week"] <= "2026-04-02" <= t["weekly"][1]["week"]
        size = conn.execute("SELECT count(*) AS n FROM topic_papers WHERE topic_id = %s", (t["id"],)).fetchone()["n"]
        assert size == t["size"]
    labels = " | ".join(t["label"] for t in topics.values()).lower()
    assert any(w in labels for w in ("llm", "language", "agent", "reasoning")), labels  # cs in 2026
    assert any(w in labels for w in ("image", "video", "3d", "segmentation", "visual", "diffusion")), labels

    ada, _ = members.add(conn, "ada@lab.example.org")
    followed = max(topics.values(), key=lambda t: t["size"])
    conn.execute("INSERT INTO follows (member_id, kind, key, label) VALUES (%s, 'topic', %s, %s)",
                 (ada.id, str(followed["id"]), followed["label"]))
    conn.commit()

    load_sample(conn, tmp_path)  # one more day: 2026-07-01
    second = build.run(conn)
    assert second.until == date(2026, 7, 1) and second.papers > first.papers
    after = _active(conn)
    kept = set(after) & set(topics)
    assert len(kept) >= 0.8 * len(topics), (len(kept), len(topics))
    assert second.kept == len(kept) and second.retired == len(set(topics) - kept)
    assert max(after) <= max(topics) + (len(after) - len(kept))  # new ids only for new clusters
    follow = conn.execute("SELECT key FROM follows WHERE member_id = %s AND kind = 'topic'", (ada.id,)).fetchone()
    assert int(follow["key"]) in after  # the followed topic lives on under its id
    gone = conn.execute("SELECT count(*) AS n FROM topics WHERE NOT active").fetchone()["n"]
    assert gone == second.retired
    assert build.last(conn)["papers"] == second.papers


def test_matching_keeps_ids_by_overlap_and_refuses_weak_matches():
    old = [{"a", "b", "c", "d"}, {"e", "f", "g"}, {"h", "i"}]
    new = [{"e", "f", "g", "x"}, {"a", "b", "c"}, {"z", "y", "h"}]
    assert matching.match(new, old) == {0: 1, 1: 0, 2: 2}  # h: 1 of 4 = 0.25
    assert matching.match(new, old, least=0.3) == {0: 1, 1: 0}
    assert matching.match(new, []) == {}
