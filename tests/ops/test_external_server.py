"""paperboy against a real external PostgreSQL, as a team runs it on a managed server: every
command through ``DATABASE_URL=postgresql://user:password@127.0.0.1:PORT/db`` with a role that
is no superuser (pgserver.py). Migrate, import, search, a member's vote over HTTP, a digest
over SMTP, and a backup restored into a second, empty database on the same server. Each test
runs twice: directly, and with every command and node behind PgBouncer in transaction mode
(pgbouncer.py) but backup and restore, which need the server itself (docs/operations.md)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from aiosmtpd.controller import Controller

from paperboy.db import migrate
from paperboy.demo import data_dir
from tests.digest.conftest import Sink
from tests.fixtures import http
from tests.helpers import free_port, run_cli
from tests.ops import nodes
from tests.ops.pgbouncer import LEASE_SECONDS
from tests.ops.pgserver import APP_PASSWORD, APP_ROLE, SUPER_PASSWORD, PgServer, superuser_url

DAYS = data_dir() / "hf-daily"


def first_paper(day: str) -> dict:
    """(arXiv id, title) of the first paper of a demo day."""
    rec = json.loads((DAYS / f"{day}.json").read_text())["papers"][0]
    return {"id": rec["url"].rstrip("/").split("/")[-1], "title": rec["title"]}


@dataclass
class Hub:
    url: str  # what paperboy is given: the server, or PgBouncer in front of it
    home: Path
    env: dict[str, str]
    direct: str = ""  # the server itself (looks behind paperboy's back, backups)
    pooled: dict[str, str] = field(default_factory=dict)  # PAPERBOY_DB_POOLER and leases

    def cli(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        done = run_cli(list(args), {**self.env, **env}, timeout=180)
        for said in (done.stdout, done.stderr):
            assert APP_PASSWORD not in said and SUPER_PASSWORD not in said
        return done


@pytest.fixture(scope="module", params=["direct", "pgbouncer"])
def hub(request: pytest.FixtureRequest, external_pg: PgServer,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """A database of the external server, migrated and filled by the real command."""
    direct = url = external_pg.create_database("paperboy" if request.param == "direct" else "paperboy_pooled")
    pooled: dict[str, str] = {}
    if request.param == "pgbouncer":
        url = request.getfixturevalue("pgbouncer").url(direct)
        pooled = {"PAPERBOY_DB_POOLER": "transaction", "PAPERBOY_DB_LEASE_SECONDS": LEASE_SECONDS}
    home = tmp_path_factory.mktemp("external-home")
    h = Hub(url, home, {"DATABASE_URL": url, "PAPERBOY_HOME": str(home), **pooled}, direct, pooled)
    done = h.cli("migrate")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("applied: 0001_papers.sql"), done.stdout
    assert h.cli("migrate").stdout.strip() == "schema is current"
    done = h.cli("import", str(DAYS))
    assert done.returncode == 0, done.stderr
    yield h
    external_pg.drop_database(direct)


def search_ids(hub: Hub, query: str, **env: str) -> list[str]:
    done = hub.cli("search", query, "--mode", "keyword", "--json", **env)
    assert done.returncode == 0, done.stderr
    return [item["paper"]["id"] for item in json.loads(done.stdout)]


def test_migrated_and_imported_as_the_application_role(hub: Hub) -> None:
    with psycopg.connect(superuser_url(hub.direct)) as conn:
        versions = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
        owners = {r[0] for r in conn.execute(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")}
        papers = conn.execute("SELECT count(*) FROM papers").fetchone()[0]
        superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", (APP_ROLE,)).fetchone()
    assert versions == {v for v, _, _ in migrate.available()}
    assert owners == {APP_ROLE}  # every table made by paperboy's own role, no superuser
    assert superuser == (False,)
    assert papers > 300
    status = hub.cli("status")
    assert status.returncode == 0, status.stderr
    assert f"papers: {papers}" in status.stdout
    assert "database: DATABASE_URL" in status.stdout


def test_keyword_search(hub: Hub) -> None:
    paper = first_paper("2024-11-04")
    ids = search_ids(hub, paper["title"])
    assert ids and ids[0] == paper["id"], (paper, ids)


def test_member_votes_over_http(hub: Hub, tmp_path: Path) -> None:
    paper = first_paper("2024-10-21")
    assert hub.cli("user", "add", "ada@example.org").returncode == 0
    done = hub.cli("user", "token", "ada@example.org")
    assert done.returncode == 0, done.stderr
    token = done.stdout.split()[1]
    node = nodes.ready(nodes.start(hub.url, tmp_path / "node", "--no-fetch", **hub.pooled))
    try:
        before = node.get(f"/api/papers/{paper['id']}").json()
        voted = http.post(f"{node.base}/api/papers/{paper['id']}/upvote", timeout=30,
                           headers={"Authorization": f"Bearer {token}"})
        assert voted.status_code == 200, voted.text
        assert voted.json()["upvoted"] is True
        after = nodes.wait_for(lambda: (r := node.get(f"/api/papers/{paper['id']}").json())
                               ["communityUpvotes"] == 1 and r, 10, "the vote shows in the API")
        assert after["upvotes"] == before["upvotes"] + 1
    finally:
        nodes.stop(node)
    assert nodes.count(superuser_url(hub.direct), "SELECT count(*) FROM votes v JOIN members m"
                       " ON m.id = v.member_id WHERE m.email = %s AND v.paper_id = %s",
                       ("ada@example.org", paper["id"])) == 1


def test_digest_over_smtp(hub: Hub) -> None:
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        with psycopg.connect(hub.direct) as conn:
            nodes.due_now(conn, "reader@example.org")
        smtp = {"PAPERBOY_SMTP_HOST": "127.0.0.1", "PAPERBOY_SMTP_PORT": str(controller.port),
                "PAPERBOY_SMTP_SECURITY": "none", "PAPERBOY_MAIL_FROM": "paperboy <digest@example.org>"}
        done = hub.cli("digest", "send", **smtp)
        assert done.returncode == 0, done.stderr
        again = hub.cli("digest", "send", **smtp)  # one digest a period
        assert again.returncode == 0, again.stderr
    finally:
        controller.stop()
    assert [m["To"] for m in sink.messages] == ["reader@example.org"]
    text = sink.messages[0].get_body(("plain",)).get_content()
    week = {first_paper(f"2024-11-{d:02d}")["id"] for d in range(4, 11)}
    assert any(f"/papers/{pid}" in text for pid in week), text[:2000]  # the week's papers


def test_backup_and_restore_into_another_database(hub: Hub, external_pg: PgServer, tmp_path: Path) -> None:
    """A backup of the external database, restored into a second, empty database of the same
    server (pgvector created there by the administrator, as for the first): the same papers,
    members and votes, and search answers the same."""
    if hub.cli("backup", "--help").returncode != 0:
        pytest.fail("`paperboy backup` does not exist yet")
    dump = tmp_path / "paperboy.dump"
    # pg_dump, pg_restore: never through a pooler (test_pooler.py: refused)
    done = hub.cli("backup", str(dump), DATABASE_URL=hub.direct, PAPERBOY_DB_POOLER="off")
    assert done.returncode == 0, done.stderr
    assert dump.stat().st_size > 10_000
    second = external_pg.create_database("restored")
    try:
        restored = Hub(second, tmp_path / "restored-home",
                       {"DATABASE_URL": second, "PAPERBOY_HOME": str(tmp_path / "restored-home")})
        done = restored.cli("restore", str(dump))
        assert done.returncode == 0, done.stdout + done.stderr
        for table in ("papers", "listings", "members", "votes", "subscribers", "outbox",
                      "schema_migrations"):
            sql = f"SELECT count(*) FROM {table}"  # noqa: S608 (a fixed table name)
            assert nodes.count(second, sql) == nodes.count(hub.direct, sql), table
        votes = "SELECT string_agg(member_id || ' ' || paper_id, ',' ORDER BY paper_id) FROM votes"
        with psycopg.connect(hub.direct) as a, psycopg.connect(second) as b:
            assert a.execute(votes).fetchone() == b.execute(votes).fetchone()
        for query in ("diffusion video generation", first_paper("2024-10-28")["title"]):
            assert search_ids(restored, query) == search_ids(hub, query)
        again = restored.cli("restore", str(dump))  # into a database that is no longer empty
        assert again.returncode != 0
        assert len(again.stderr.strip().splitlines()) == 1 and "Traceback" not in again.stderr
    finally:
        external_pg.drop_database(second)
