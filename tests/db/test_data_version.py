"""The page cache's counter is bumped by the writes themselves (issue 22 item 4): every
table a cached public page reads carries the trigger of migration 0017, so a new write path
cannot forget to invalidate, and a new table cannot slip past this test unnamed."""

from __future__ import annotations

from paperboy.community import members, votes
from paperboy.papers.store import data_version
from tests.helpers import import_files, shared

# Tables no cached page reads (web/cache.py caches /, /papers…, /trending, /new, /feeds/…
# and their API twins), and why their writes must not empty every worker's cache.
NOT_SHOWN = {
    "data_version": "the counter itself",
    "embeddings_version": "which model made the vectors (jobs read it)",
    "api_tokens": "a member's own, never on a public page",
    "sessions": "a member's own",
    "email_tokens": "digest links, private",
    "signin_tokens": "sign-in links, private",
    "signin_attempts": "password limits",
    "signin_requests": "sign-in requests waiting for the mailer",
    "outbox": "email waiting to be sent",
    "mail_parts": "the parts digests in the outbox share",
    "subscribe_requests": "subscription limits",
    "subscribers": "digest subscribers, private",
    "subscriber_topics": "digest topics, private",
    "sent_papers": "what a digest sent, private",
    "fetch_runs": "the admin status page (never cached)",
    "fetch_state": "the admin status page (never cached)",
    "enrich_state": "the admin status page and /healthz (never cached); what it fills is in papers",
    "github_repos": "what GitHub said of a repository; a paper's stars and growth are written to papers",
    "github_star_history": "star counts by day, read when a paper's growth is written to papers",
    "enrich_leases": "which process enriches from a service: read by no page",
    "leases": "the jobs' locks behind a transaction-mode pooler (db/leases.py): read by no page",
    "imports": "the admin status page (never cached)",
    "library_entries": "a member's library (pages per member, never cached)",
    "library_imports": "a member's imports",
    "recommender_models": "For you (per member, never cached)",
    "not_interested": "For you (per member)",
    "collections": "collection pages are per asker, never cached",
    "collection_papers": "collection pages are per asker, never cached",
    "moderation_log": "/moderation is never cached",
    "mentions": "a member's own mentions (account page)",
    "rate_limits": "counts of the rate limits (ratelimit/)",
    "follows": "what a member follows (account page, For you, digests: per member)",
    "author_papers": "papers.authors by name, kept by a trigger on papers: a write to papers bumps already",
}


def _tables(conn) -> set[str]:
    return {r["relname"] for r in conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> 'schema_migrations'")}


def _triggered(conn) -> set[str]:
    return {r["relname"] for r in conn.execute(
        "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
        " JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname = 'bump_data_version'")}


def test_every_table_bumps_the_counter_or_says_why_not(conn):
    tables, triggered = _tables(conn), _triggered(conn)
    assert {"papers", "listings", "votes", "comments", "members", "pins", "embeddings"} <= triggered
    unnamed = tables - triggered - set(NOT_SHOWN) - {t for t in tables if t.startswith("pg_")}
    assert not unnamed, f"tables neither bumping data_version nor named in NOT_SHOWN: {sorted(unnamed)}"
    assert not (triggered & set(NOT_SHOWN)), "a table is both triggered and said to be unread"


def test_a_write_bumps_once_a_transaction_and_a_no_op_not_at_all(conn):
    import_files(conn, [shared("hf-daily-papers-2024", "2024-11-07.json")])
    conn.commit()
    before = data_version(conn)
    with conn.transaction():  # dozens of papers, listings and counts: one bump
        import_files(conn, [shared("hf-daily-papers-2024", "2024-11-08.json")])
    assert data_version(conn) == before + 1

    ada, _ = members.add(conn, "ada@example.org", "member")
    conn.commit()
    pid = conn.execute("SELECT id FROM papers ORDER BY id LIMIT 1").fetchone()["id"]
    start = data_version(conn)
    votes.upvote(conn, pid, ada.id)
    assert data_version(conn) == start + 1
    votes.upvote(conn, pid, ada.id)  # there already: no row changed
    assert members.seen(conn, ada.id).last_seen  # a visit changes last_seen, which no public page shows
    conn.commit()
    assert data_version(conn) == start + 1
    conn.execute("UPDATE members SET name = 'ada2' WHERE id = %s", (ada.id,))  # names are shown
    conn.commit()
    assert data_version(conn) == start + 2
