"""For you against a real database: 1,000 real arXiv papers with their real vectors, a
member's real votes, saved papers, library entries and "not interested" marks."""

from __future__ import annotations

from datetime import date

from tests.community.people import add
from tests.recommend import topics

from paperboy import recommend
from paperboy.community import votes
from paperboy.recommend import signals
from paperboy.recommend.corpus import CACHE

ALL = {"since": date(1900, 1, 1)}


def _like(conn, member_id: int, ids: list[str]) -> None:
    for pid in ids:
        votes.upvote(conn, pid, member_id)


def test_picks_come_from_the_member_s_interest_and_name_their_own_papers(tconn):
    m = add(tconn, "ada@example.org")
    likes = topics.neighbours(0, 5)
    _like(tconn, m.id, likes)
    assert recommend.refresh_stale(tconn) == 1
    picks = recommend.recommend(tconn, m.id, limit=10, **ALL)
    assert not picks.cold_start and not picks.pending and picks.signals == 5
    ids = [p.paper_id for p in picks.items]
    assert len(ids) == 10 and not set(ids) & set(likes)
    # most of the ten come from the neighbourhood of what was liked
    assert len(set(ids) & set(topics.neighbours(0, 60))) >= 5
    for p in picks.items:
        assert 1 <= len(p.because) <= 2
        for b in p.because:
            assert b.id in likes and b.kind == "upvoted" and b.url == f"/papers/{b.id}"
            assert b.title
    scores = [p.score for p in picks.items]
    assert scores == sorted(scores, reverse=True)


def test_not_interested_removes_the_pick_at_once_and_teaches_the_model(tconn):
    m = add(tconn, "ada@example.org")
    _like(tconn, m.id, topics.neighbours(0, 5))
    recommend.refresh_stale(tconn)
    first = recommend.recommend(tconn, m.id, limit=20, **ALL).items
    gone = first[0].paper_id
    assert recommend.not_interested(tconn, m.id, gone) == gone
    recommend.not_interested(tconn, m.id, gone)  # twice: no error
    # at once, before any refit
    now = recommend.recommend(tconn, m.id, limit=20, **ALL)
    assert gone not in [p.paper_id for p in now.items] and now.pending
    # the refit learns it: what resembles the rejected paper scores lower than before
    before = {p.paper_id: p.score for p in first}
    recommend.refresh_stale(tconn)
    after = recommend.recommend(tconn, m.id, limit=200, **ALL)
    assert not after.pending
    twin = next(i for i in topics.neighbours(topics.lines().index(
        next(d for d in topics.lines() if d["id"] == gone)), 6)[1:] if i in before)
    got = {p.paper_id: p.score for p in after.items}
    assert twin not in got or got[twin] < before[twin]
    # undo: it may come back
    recommend.interested_again(tconn, m.id, gone)
    recommend.refresh_stale(tconn)
    assert gone in [p.paper_id for p in recommend.recommend(tconn, m.id, limit=20, **ALL).items]


def test_an_unknown_paper_cannot_be_turned_down(tconn):
    m = add(tconn, "ada@example.org")
    try:
        recommend.not_interested(tconn, m.id, "9999.99999")
    except LookupError:
        pass
    else:
        raise AssertionError("an unknown paper was accepted")


def test_cold_start_shows_trending_until_three_signals(tconn):
    m = add(tconn, "ada@example.org")
    likes = topics.neighbours(0, 3)
    _like(tconn, m.id, likes[:2])
    recommend.refresh_stale(tconn)
    cold = recommend.recommend(tconn, m.id, limit=5, **ALL)
    assert cold.cold_start and cold.signals == 2
    assert cold.items and all(p.because == () for p in cold.items)
    _like(tconn, m.id, likes[2:])
    assert recommend.recommend(tconn, m.id, **ALL).pending  # the job has not run yet
    recommend.refresh_stale(tconn)
    warm = recommend.recommend(tconn, m.id, limit=5, **ALL)
    assert not warm.cold_start and warm.items[0].because


def test_saved_and_library_only_papers_explain_picks(tconn):
    m = add(tconn, "ada@example.org")
    saved = topics.neighbours(0, 3)
    c = tconn.execute("INSERT INTO collections (member_id, name) VALUES (%s, 'reading')"
                      " RETURNING id", (m.id,)).fetchone()["id"]
    for pid in saved:
        tconn.execute("INSERT INTO collection_papers VALUES (%s, %s)", (c, pid))
    # a library entry the hub does not have, about the far topic, with its own vector
    far = topics.far_seed(0)
    vec = topics.vectors()[far]
    tconn.execute(
        "INSERT INTO library_entries (member_id, title, title_key, doi, embedding)"
        " VALUES (%s, 'A paper only my library has', 'a paper only my library has',"
        " '10.1000/xyz', %s)", (m.id, vec))
    tconn.commit()
    assert signals.count(tconn, m.id) == 4
    recommend.refresh_stale(tconn)
    picks = recommend.recommend(tconn, m.id, limit=40, **ALL).items
    kinds = {b.kind for p in picks for b in p.because}
    assert kinds == {"saved", "library"}
    lib = next(b for p in picks for b in p.because if b.kind == "library")
    assert lib.id is None and lib.url == "https://doi.org/10.1000/xyz"
    assert {b.id for p in picks for b in p.because if b.kind == "saved"} <= set(saved)


def test_the_default_period_is_the_last_days_up_to_the_newest(tconn):
    m = add(tconn, "ada@example.org")
    _like(tconn, m.id, topics.neighbours(0, 5))
    recommend.refresh_stale(tconn)
    picks = recommend.recommend(tconn, m.id, limit=50, days=1)
    newest = tconn.execute("SELECT max(coalesce(listed_on, published_at)) AS d FROM papers").fetchone()["d"]
    assert picks.since == picks.until == newest
    days = {r["d"] for r in tconn.execute(
        "SELECT coalesce(listed_on, published_at) AS d FROM papers WHERE id = ANY(%s)",
        ([p.paper_id for p in picks.items],)).fetchall()}
    assert days == {newest}


def test_hidden_papers_are_never_picked_and_new_vectors_are_seen(tconn):
    m = add(tconn, "ada@example.org")
    _like(tconn, m.id, topics.neighbours(0, 5))
    recommend.refresh_stale(tconn)
    top = recommend.recommend(tconn, m.id, limit=5, **ALL).items[0].paper_id
    tconn.execute("UPDATE papers SET hidden = true WHERE id = %s", (top,))
    tconn.commit()
    assert top not in [p.paper_id for p in recommend.recommend(tconn, m.id, limit=5, **ALL).items]
    # a vector removed (say, an edited abstract awaiting its new one) leaves the corpus
    size = CACHE.get(tconn).size
    other = recommend.recommend(tconn, m.id, limit=1, **ALL).items[0].paper_id
    tconn.execute("DELETE FROM embeddings WHERE paper_id = %s", (other,))
    tconn.commit()
    assert CACHE.get(tconn).size == size - 1
    assert other not in [p.paper_id for p in recommend.recommend(tconn, m.id, limit=5, **ALL).items]


def test_deleting_a_member_with_signals_leaves_nothing_behind(tconn):
    m = add(tconn, "ada@example.org")
    _like(tconn, m.id, topics.neighbours(0, 5))
    recommend.not_interested(tconn, m.id, topics.neighbours(0, 6)[5])
    recommend.refresh_stale(tconn)
    tconn.execute("DELETE FROM members WHERE id = %s", (m.id,))
    tconn.commit()
    left = tconn.execute("SELECT count(*) AS n FROM recommender_models").fetchone()["n"]
    assert left == 0  # and the delete raised nothing: the triggers skip a deleted member


def test_a_liked_paper_without_a_vector_joins_the_model_when_it_gets_one(tconn):
    m = add(tconn, "ada@example.org")
    likes = topics.neighbours(0, 5)
    saved = tconn.execute("SELECT embedding FROM embeddings WHERE paper_id = %s", (likes[0],)).fetchone()
    tconn.execute("DELETE FROM embeddings WHERE paper_id = %s", (likes[0],))
    _like(tconn, m.id, likes)
    recommend.refresh_stale(tconn)
    stored = tconn.execute("SELECT positives, fitted_seq < signals_seq AS stale FROM recommender_models"
                           " WHERE member_id = %s", (m.id,)).fetchone()
    assert stored["positives"] == 4 and not stored["stale"]
    tconn.execute("INSERT INTO embeddings (paper_id, model, text_hash, embedding)"
                  " VALUES (%s, 'm', 'h', %s)", (likes[0], saved["embedding"]))
    tconn.commit()
    assert recommend.refresh_stale(tconn) == 1
    assert tconn.execute("SELECT positives FROM recommender_models WHERE member_id = %s",
                         (m.id,)).fetchone()["positives"] == 5


def test_the_corpus_in_memory_follows_new_and_changed_vectors(tconn):
    before = CACHE.get(tconn)
    pid = before.id_at(0)
    vec = tconn.execute("SELECT embedding FROM embeddings WHERE paper_id = %s", (pid,)).fetchone()["embedding"]
    tconn.execute("DELETE FROM embeddings WHERE paper_id = %s", (pid,))
    tconn.commit()
    smaller = CACHE.get(tconn)  # a deletion: reloaded whole
    assert pid not in smaller and smaller.size == before.size - 1
    tconn.execute("INSERT INTO embeddings (paper_id, model, text_hash, embedding) VALUES (%s, 'm', 'h', %s)",
                  (pid, vec))
    tconn.commit()
    after = CACHE.get(tconn)  # an addition: read alone, centred on the mean already held
    assert pid in after and after.size == before.size
    assert after.mean is smaller.mean and after.base is smaller.base and after.tail_ids == [pid]
    assert abs(float(after.vector(pid) @ before.vector(pid)) - 1) < 1e-3


def test_a_cold_start_leaves_out_the_member_s_own_and_turned_down_papers(tconn):
    m = add(tconn, "ada@example.org")
    anyone = recommend.recommend(tconn, add(tconn, "bob@example.org").id, limit=3, **ALL).items
    assert len(anyone) == 3
    votes.upvote(tconn, anyone[0].paper_id, m.id)
    recommend.not_interested(tconn, m.id, anyone[1].paper_id)
    cold = recommend.recommend(tconn, m.id, limit=3, **ALL)
    assert cold.cold_start
    assert [p.paper_id for p in cold.items][0] == anyone[2].paper_id
    assert not {anyone[0].paper_id, anyone[1].paper_id} & {p.paper_id for p in cold.items}
