"""An instance with something in every table: a real week of HF papers, vectors, members with
sessions, tokens, votes, comments and mentions, curation, collections, a library, For you
models, subscribers with digests in the outbox, fetch state and runs, subscribe requests."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import psycopg

from paperboy import embeddings, recommend
from paperboy.collections import lists, saved
from paperboy.community import (
    comments,
    curation,
    members,
    passwords,
    sessions,
    signin,
    tokens,
    votes,
)
from paperboy.db import Database
from paperboy.digest import compose, subscriptions
from paperboy.enrich import github, state
from paperboy.fetch import runs
from paperboy.fulltext import store as fulltext_store
from paperboy.fulltext.convert import Heading
from paperboy.keyphrases import store as keyphrase_store
from paperboy.library.importer import import_library
from paperboy.recommend import signals
from tests.digest.conftest import active, context
from tests.helpers import import_files, shared

# Tables a running instance fills that this fill leaves empty, and why (a test checks that
# every other table holds rows, so a new table cannot slip past the backup test unnoticed).
LEFT_EMPTY: dict[str, str] = {
    "leases": "the jobs' locks, only behind a transaction-mode pooler (db/leases.py); none held at a backup",
}

BIB = """@article{attn, title={Attention Is All You Need}, author={Vaswani, Ashish},
  year={2017}, eprint={1706.03762}, archivePrefix={arXiv}}
@book{own, title={Sch{\\"o}n \\& Gut: a book of our own}, author={M{\\"u}ller, Jo}, year={2020}}
"""


def fill(conn: psycopg.Connection, home: Path) -> dict[str, int]:
    import_files(conn, [shared("hf-daily-papers-2024", f"2024-11-0{d}.json") for d in range(4, 9)])
    conn.commit()
    embeddings.embed_pending(conn, batch=16, limit=48)
    conn.commit()
    ids = [r["id"] for r in conn.execute("SELECT id FROM papers p JOIN embeddings e ON e.paper_id = p.id"
                                         " ORDER BY p.id LIMIT 12")]
    ada, bob, cat = (members.add(conn, f"{n}@lab.example.org", role)[0]
                     for n, role in (("ada", "member"), ("bob", "member"), ("cat", "curator")))
    conn.commit()
    secret = subscriptions.secret_key(conn, None)
    sessions.start(conn, secret, ada.id, days=30)
    tokens.create(conn, bob.id, "laptop")
    signin.new_link(conn, "dan@lab.example.org")
    signin.request_link(conn, "http://testserver", "192.0.2.7", "eve@lab.example.org")
    conn.commit()
    db = Database(conn.info.dsn, max_size=1).open()
    try:  # a wrong password is counted before it is checked (signin_attempts)
        passwords.check(db, "192.0.2.7", "ada@lab.example.org", "not her password")
    finally:
        db.close()
    for who, papers in ((ada, ids[:5]), (bob, ids[3:8]), (cat, ids[6:9])):
        for p in papers:
            votes.upvote(conn, p, who.id)
    conn.commit()
    comments.post(conn, ada, ids[0], "Nice, see $x^2$ and @bob's take: **bold** <script>x</script>")
    conn.commit()
    curation.pin(conn, cat, ids[1], date(2024, 11, 8))
    curation.merge(conn, cat, ids[11], ids[10])
    conn.commit()
    mine = lists.create(conn, ada.id, "To read", "for the reading group", public=True)
    secret_list = lists.create(conn, bob.id, "Private", "")
    saved.add_paper(conn, ada.id, mine.id, ids[2])
    saved.add_paper(conn, bob.id, secret_list.id, ids[4])
    signals.not_interested(conn, ada.id, ids[9])
    conn.commit()
    import_library(conn, bob.id, BIB, "mine.bib")
    conn.commit()
    recommend.refresh_stale(conn, limit=10)
    conn.commit()
    for address in ("reader@lab.example.org", "weekly@lab.example.org"):
        active(conn, address, topics=["diffusion"])
    subscriptions.subscribe(conn, "pending@lab.example.org")
    conn.commit()
    compose.compose_due(conn, context(conn, home / "compose"))
    conn.commit()
    run = runs.begin(conn, "hf", {"days": 3}, trigger="schedule")
    assert run is not None
    runs.save_cursor(conn, "hf:daily", {"day": "2024-11-08"}, None)
    run.finish("ok", requests=3)
    runs.release(conn, "hf")
    # a member's submission and an arXiv listing, as `submit` and an arXiv fetch store them
    conn.execute("INSERT INTO submissions (paper_id, member_id, day) VALUES (%s, %s, '2024-11-08')",
                 (ids[7], bob.id))
    conn.execute("INSERT INTO new_listings (paper_id, day, source) VALUES (%s, '2024-11-08', 'arxiv-atom')",
                 (ids[7],))
    # enrichment's state, as `paperboy enrich` leaves it: papers queued, one done, a failure
    # waiting for its retry, and the lease of the service it talked to, released
    state.add_pending(conn, "arxiv", ids[:4])
    state.done(conn, "arxiv", ids[0], "filled published_at")
    state.failed(conn, "arxiv", ids[1:2], "HTTP 503 (1 ids from x; gave up after 6 attempts)")
    conn.commit()
    state.release(conn, state.take(conn, "arxiv"))
    # what the other sources leave: keyphrases, a full text and a paper without one, a
    # repository's stars with a day of history
    keyphrase_store.compute_pending(conn, batch=2, limit=2)
    fulltext_store.save_text(conn, ids[0], 1, "## 1 Introduction\n\nWe study $x^2$.\n",
                             [Heading(2, "1 Introduction", "S1")])
    fulltext_store.save_none(conn, ids[1], 1, "arXiv has no HTML version of it (404)")
    github.apply(conn, [dict(conn.execute("SELECT * FROM papers WHERE id = %s", (ids[2],)).fetchone())],
                 {ids[2]: ("octocat/Hello-World", "paper", {"stargazers_count": 1234, "full_name": "octocat/Hello-World"})})
    conn.commit()
    # (author_papers holds every paper's names already: migration 0024's trigger on papers)
    assert conn.execute("SELECT count(*) AS n FROM author_papers").fetchone()["n"] > 0
    # a topic with its papers, and a member's follows of an author and of that topic
    topic = conn.execute("INSERT INTO topics (label, keywords, size, weekly, growth)"
                         " VALUES ('diffusion models', '{diffusion,denoising}', 2,"
                         " '[{\"week\": \"2024-11-04\", \"n\": 2}]', 0.5) RETURNING id").fetchone()["id"]
    conn.execute("INSERT INTO topic_papers (topic_id, paper_id) SELECT %s, unnest(%s::text[])",
                 (topic, ids[:2]))
    conn.execute("INSERT INTO follows (member_id, kind, key, label) VALUES (%s, 'topic', %s, 'diffusion models'),"
                 " (%s, 'author', 'ashish vaswani', 'Ashish Vaswani')", (ada.id, str(topic), ada.id))
    conn.commit()
    conn.execute("INSERT INTO subscribe_requests (client, mailbox, domain)"
                 " VALUES ('203.0.113.0/24', 'reader@lab.example.org', 'lab.example.org')")
    conn.commit()
    return {"ada": ada.id, "bob": bob.id}


def empty_tables(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").fetchall()
    out = []
    for r in rows:
        name = r["tablename"]
        has = conn.execute(psycopg.sql.SQL("SELECT EXISTS (SELECT 1 FROM {}) AS x").format(
            psycopg.sql.Identifier(name))).fetchone()["x"]
        if not has:
            out.append(name)
    return sorted(out)


def table_rows(url: str) -> dict[str, list[str]]:
    """Every table's rows, each as its text form, sorted: equal dicts mean identical tables."""
    out: dict[str, list[str]] = {}
    with psycopg.connect(url) as conn:
        names = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")]
        for name in names:
            q = psycopg.sql.SQL("SELECT t::text FROM {} t").format(psycopg.sql.Identifier(name))
            out[name] = sorted(r[0] for r in conn.execute(q))
    return out


__all__ = ["fill", "empty_tables", "table_rows", "LEFT_EMPTY", "timedelta"]
