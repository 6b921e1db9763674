"""Migrations are numbered, recorded, and applied only once."""

import psycopg
from psycopg.conninfo import make_conninfo
from psycopg.rows import dict_row

from paperboy.db import migrate
from paperboy.papers.record import clean_author


def _empty_database(pg_server: str, name: str) -> str:
    """A new, empty database of the test server (dropped first if a run left it)."""
    with psycopg.connect(pg_server, autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {name}")
        c.execute(f"CREATE DATABASE {name}")
    return make_conninfo(pg_server, dbname=name)


def _migrated_before(pg_server: str, monkeypatch, name: str, number: int) -> tuple[str, list]:
    """A database migrated as an older paperboy left it (every migration before ``number``),
    and the real list of migrations, for the test to put back before upgrading."""
    url = _empty_database(pg_server, name)
    real = migrate.available()
    monkeypatch.setattr(migrate, "available", lambda: [m for m in real if m[0] < number])
    migrate.migrate(url)
    return url, real


def test_fresh_database_gets_every_migration_then_nothing(pg_server):
    url = _empty_database(pg_server, "mig_fresh")
    shipped = [name for _, name, _ in migrate.available()]
    assert shipped and shipped[0].startswith("0001_")
    assert migrate.migrate(url) == shipped
    assert migrate.migrate(url) == []
    assert migrate.pending(url) == []
    with psycopg.connect(url) as c:
        versions = [r[0] for r in c.execute("SELECT version FROM schema_migrations ORDER BY 1")]
        assert versions == [v for v, _, _ in migrate.available()]
        assert c.execute("SELECT extname FROM pg_extension WHERE extname = 'vector'").fetchone()


def test_upgrade_applies_only_the_new_ones(pg_server, monkeypatch):
    url = _empty_database(pg_server, "mig_upgrade")
    real = migrate.available()
    monkeypatch.setattr(migrate, "available", lambda: real[:1])
    migrate.migrate(url)
    extra = (9999, "9999_test_extra.sql", "CREATE TABLE upgrade_marker (x int);")
    monkeypatch.setattr(migrate, "available", lambda: [*real, extra])
    assert migrate.migrate(url) == [n for _, n, _ in real[1:]] + ["9999_test_extra.sql"]
    with psycopg.connect(url) as c:
        assert c.execute("SELECT to_regclass('upgrade_marker') IS NOT NULL").fetchone()[0]


def test_a_failing_migration_is_rolled_back_and_reported(pg_server, monkeypatch):
    url = _empty_database(pg_server, "mig_fail")
    bad = (1, "0001_bad.sql", "CREATE TABLE half_done (x int); SELECT no_such_function();")
    monkeypatch.setattr(migrate, "available", lambda: [bad])
    try:
        migrate.migrate(url)
    except Exception as e:  # noqa: BLE001 - checking the message below
        assert "0001_bad.sql" in str(e)
    else:
        raise AssertionError("a broken migration must raise")
    with psycopg.connect(url) as c:
        assert not c.execute("SELECT to_regclass('half_done') IS NOT NULL").fetchone()[0]
        assert c.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == 0


def test_upgrading_cleans_what_older_versions_stored_unchecked(pg_server, monkeypatch):
    """Migration 0007 (issue 10): hostile links, impossible dates, control characters and
    oversized values stored by an older paperboy are brought within today's rules."""
    url, real = _migrated_before(pg_server, monkeypatch, "mig_clean", 7)
    with psycopg.connect(url) as c:
        c.execute(
            "INSERT INTO papers (id, title, title_key, summary, comment, authors, github_repo,"
            " project_page, pdf_url, published_at, listed_on, extra) VALUES"
            " ('a', 'Bad\x01 title', 'bad title', %s, %s, %s, 'javascript:alert(1)',"
            "  ' JaVaScRiPt:x', 'https://arxiv.org/pdf/a', '0001-01-01', '9999-12-31',"
            "  '{\"github_stars\": -3, \"num_comments\": 2}'),"
            " ('b', 'Good', 'good', 'fine', NULL, '{}', 'https://github.com/a/b', NULL, NULL,"
            "  '2024-01-02', '2024-01-03', '{}')",
            ("x" * 12_000, "c" * 3_000, ["ok", "n" * 1_500]))
        c.execute("INSERT INTO listings VALUES ('a', '9999-12-31', 'hf-api'), ('b', '2024-01-03', 'hf-api')")
    monkeypatch.setattr(migrate, "available", lambda: real)
    assert "0007_clean_stored_input.sql" in migrate.migrate(url)
    with psycopg.connect(url) as c:
        a = c.execute("SELECT title, length(summary), length(comment), authors[2], github_repo,"
                      " project_page, pdf_url, published_at, listed_on, extra FROM papers"
                      " WHERE id = 'a'").fetchone()
        b = c.execute("SELECT github_repo, published_at FROM papers WHERE id = 'b'").fetchone()
        days = [r[0] for r in c.execute("SELECT paper_id FROM listings ORDER BY 1")]
    assert a[:4] == ("Bad title", 10_000, 2_000, "n" * 1_000)
    assert a[4:9] == (None, None, "https://arxiv.org/pdf/a", None, None)
    assert a[9] == {"num_comments": 2}
    assert b[0] == "https://github.com/a/b" and str(b[1]) == "2024-01-02"
    assert days == ["b"]


def test_upgrading_moves_arxiv_listings_from_daily_to_new(pg_server, monkeypatch):
    """Migration 0009 (issue 12): papers fetched or imported from arXiv were on the Daily
    list; they move to New, and what Hugging Face listed stays on Daily."""
    url, real = _migrated_before(pg_server, monkeypatch, "mig_new", 9)
    with psycopg.connect(url) as c:
        c.execute("INSERT INTO papers (id, title, title_key, summary) VALUES"
                  " ('2501.00001', 'Fetched', 'fetched', ''), ('2501.00002', 'Imported', 'imported', ''),"
                  " ('2501.00003', 'Both', 'both', ''), ('2501.00004', 'Hugging Face', 'hugging face', '')")
        c.execute("INSERT INTO listings VALUES ('2501.00001', '2025-01-02', 'arxiv-atom'),"
                  " ('2501.00002', '2025-01-03', 'arxiv-jsonl'), ('2501.00003', '2025-01-02', 'arxiv-atom'),"
                  " ('2501.00003', '2025-01-04', 'hf-api'), ('2501.00004', '2025-01-04', 'hf-page')")
    monkeypatch.setattr(migrate, "available", lambda: real)
    assert "0009_community.sql" in migrate.migrate(url)
    with psycopg.connect(url) as c:
        daily = c.execute("SELECT paper_id, day::text, source FROM listings ORDER BY 1, 2").fetchall()
        new = c.execute("SELECT paper_id, day::text, source FROM new_listings ORDER BY 1, 2").fetchall()
    assert daily == [("2501.00003", "2025-01-04", "hf-api"), ("2501.00004", "2025-01-04", "hf-page")]
    assert new == [("2501.00001", "2025-01-02", "arxiv-atom"), ("2501.00002", "2025-01-03", "arxiv-jsonl"),
                   ("2501.00003", "2025-01-02", "arxiv-atom")]


def test_a_database_newer_than_the_code_is_refused_naming_both_versions(pg_server, tmp_path):
    """A newer paperboy migrated it: this one changes nothing and says so in one line."""
    import os

    from tests.helpers import run_cli

    url = _empty_database(pg_server, "mig_newer")
    migrate.migrate(url)
    known = migrate.available()[-1][0]
    with psycopg.connect(url) as c:
        c.execute("INSERT INTO schema_migrations (version, name, paperboy)"
                  " VALUES (%s, 'future.sql', '7.3.0')", (known + 5,))
    try:
        migrate.migrate(url)
    except migrate.DatabaseError as e:
        message = str(e)
    else:
        raise AssertionError("a newer database was migrated")
    assert f"schema version {known + 5}" in message and f"schema version {known})" in message
    assert "paperboy 7.3.0" in message
    env = {**os.environ, "DATABASE_URL": url, "PAPERBOY_HOME": str(tmp_path)}
    for args in (["status"], ["migrate"], ["serve", "--port", "1"]):
        r = run_cli(args, env)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert "Traceback" not in r.stderr and "7.3.0" in r.stderr
        assert lines and lines[0].startswith("error:"), r.stderr
    with psycopg.connect(url) as c:
        assert c.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == known + 5


def test_each_migration_records_the_paperboy_that_applied_it(pg_server):
    from paperboy import __version__

    url = _empty_database(pg_server, "mig_by")
    migrate.migrate(url)
    with psycopg.connect(url) as c:
        assert {r[0] for r in c.execute("SELECT paperboy FROM schema_migrations")} == {__version__}
        assert migrate.newest(c) == (migrate.available()[-1][0], __version__)


def test_upgrading_drops_stray_conjunctions_from_stored_author_names(pg_server, monkeypatch):
    """Migration 0013 (issue 21): names stored as "and Lei Bai" (a scraped list's "and")
    become "Lei Bai"; a name that holds "and" in the middle, or inside a word, stays."""
    url, real = _migrated_before(pg_server, monkeypatch, "mig_and", 13)
    names = ["Wanli Ouyang", "and Lei Bai", "and", "Ada Lovelace, and", "& Co", "AND Bo",
             "Alexander Anderson", "Donald Johann Jr. and Fred Prior", "Sandy"]
    with psycopg.connect(url) as c:
        c.execute("INSERT INTO papers (id, title, title_key, authors) VALUES"
                  " ('2410.13925', 'FiTv2', 'fitv2', %s), ('b', 'B', 'b', %s)", (names, ["Sandy"]))
        version = c.execute("SELECT version FROM data_version").fetchone()[0]
    monkeypatch.setattr(migrate, "available", lambda: real)
    assert "0013_author_conjunctions.sql" in migrate.migrate(url)
    with psycopg.connect(url) as c:
        fixed = c.execute("SELECT authors FROM papers WHERE id = '2410.13925'").fetchone()[0]
        assert c.execute("SELECT authors FROM papers WHERE id = 'b'").fetchone()[0] == ["Sandy"]
        assert c.execute("SELECT version FROM data_version").fetchone()[0] > version
    assert fixed == ["Wanli Ouyang", "Lei Bai", "Ada Lovelace", "Co", "Bo", "Alexander Anderson",
                     "Donald Johann Jr. and Fred Prior", "Sandy"]
    # the parsers' rule (papers/record.py) gives the same names
    assert [c for n in names if (c := clean_author(n))] == fixed


def test_upgrading_links_the_moderation_logs_members_by_id(pg_server, monkeypatch):
    """Migration 0015 (issue 21): entries written with copies of names now name members by
    id, so a later rename or deletion shows in the log."""
    from paperboy.community import modlog

    url, real = _migrated_before(pg_server, monkeypatch, "mig_modlog", 15)
    with psycopg.connect(url) as c:
        c.execute("INSERT INTO papers (id, title, title_key, summary) VALUES ('2501.00001', 'P', 'p', '')")
        c.execute("INSERT INTO members (id, email, name, role) VALUES (1, 'root@example.org', 'root', 'admin'),"
                  " (2, 'ada@example.org', 'ada', 'member'), (3, 'bob@example.org', 'bob', 'member')")
        c.execute("INSERT INTO comments (id, paper_id, member_id, body, html) VALUES (7, '2501.00001', 3, 'x', 'x')")
        c.execute("INSERT INTO moderation_log (actor_id, actor_name, action, target, detail) VALUES"
                  " (1, 'root', 'role', 'ADA', '{\"to\": \"curator\"}'),"
                  " (2, 'ada', 'hide-comment', '7', '{\"paper\": \"2501.00001\", \"author\": \"bob\"}'),"
                  " (NULL, 'command line', 'invite', 'gone-long-ago', '{}'),"
                  " (NULL, 'deleted member', 'hide-paper', '2501.00001', '{}')")
    monkeypatch.setattr(migrate, "available", lambda: real)
    assert "0015_modlog_member_ids.sql" in migrate.migrate(url)
    with psycopg.connect(url, row_factory=dict_row) as c:
        c.execute("UPDATE members SET name = 'ada2' WHERE id = 2")
        c.execute("UPDATE members SET name = 'bob2' WHERE id = 3")
        rows, _ = modlog.recent(c)
    assert [(r["actor_name"], r["action"], r["target"]) for r in reversed(rows)] == [
        ("root", "role", "ada2"), ("ada2", "hide-comment", "7"), ("command line", "invite", "gone-long-ago"),
        ("deleted member", "hide-paper", "2501.00001")]
    assert rows[2]["detail"] == {"paper": "2501.00001", "author": "bob2"}


def test_upgrading_keeps_the_papers_each_digest_sent_on_its_outbox_row(pg_server, monkeypatch):
    """Migration 0036: the sent_papers table's rows of the last 60 days move onto the outbox
    rows they were written with, and read back the same through the view of that name."""
    url, real = _migrated_before(pg_server, monkeypatch, "mig_sent_papers", 36)
    with psycopg.connect(url) as c:
        c.execute("INSERT INTO papers (id, title, title_key, summary) VALUES"
                  " ('2501.00001', 'P', 'p', ''), ('2501.00002', 'Q', 'q', ''), ('2501.00003', 'R', 'r', '')")
        c.execute("INSERT INTO subscribers (id, email) VALUES (1, 'ada@example.org'), (2, 'bob@example.org')")
        for sid, period, days_ago, papers in ((1, '2026-11-30', 5, ['2501.00001', '2501.00002']),
                                              (1, '2026-12-01', 4, ['2501.00003']),
                                              (2, '2026-08-01', 90, ['2501.00001'])):
            c.execute("INSERT INTO outbox (subscriber_id, kind, period, recipient, subject, message, created, status)"
                      " VALUES (%s, 'digest', %s, 'x@example.org', 's', 'm', now() - make_interval(days => %s), 'sent')",
                      (sid, period, days_ago))
            for p in papers:
                c.execute("INSERT INTO sent_papers (subscriber_id, paper_id, sent)"
                          " VALUES (%s, %s, now() - make_interval(days => %s))", (sid, p, days_ago))
    monkeypatch.setattr(migrate, "available", lambda: real)
    assert "0036_sent_papers_in_outbox.sql" in migrate.migrate(url)
    with psycopg.connect(url, row_factory=dict_row) as c:
        rows = c.execute("SELECT subscriber_id, period, papers FROM outbox ORDER BY id").fetchall()
        seen = c.execute("SELECT subscriber_id, paper_id FROM sent_papers ORDER BY 1, 2").fetchall()
    assert [(r["subscriber_id"], r["period"], r["papers"]) for r in rows] == [
        (1, "2026-11-30", ["2501.00001", "2501.00002"]), (1, "2026-12-01", ["2501.00003"]),
        (2, "2026-08-01", None)]  # older than any digest's window: never read, not kept
    assert [(r["subscriber_id"], r["paper_id"]) for r in seen] == [
        (1, "2501.00001"), (1, "2501.00002"), (1, "2501.00003")]
