"""`paperboy user …`, run as the real command against the test's database."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from paperboy.community import members, modlog, passwords, tokens
from paperboy.web.app import create_app
from tests.community.people import add, form_token
from tests.helpers import run_cli


def user(db_url: str, *args: str, **kw):
    return run_cli(["user", *args], {"DATABASE_URL": db_url, "PAPERBOY_BASE_URL": "http://testserver"}, **kw)


def clean(r) -> None:
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout


def test_add_is_idempotent_and_list_shows_everyone(db_url, conn):
    r = user(db_url, "add", "Ada@Example.org", "bob@example.org", "--role", "curator")
    assert r.returncode == 0, r.stderr
    assert "ada@example.org: added as curator" in r.stdout and "bob@example.org: added as curator" in r.stdout
    again = user(db_url, "add", "ada@example.org", "cy@example.org")
    assert again.returncode == 0, again.stderr
    assert "ada@example.org: already a member (curator" in again.stdout and "cy@example.org: added as member" in again.stdout
    assert members.count(conn) == 3 and members.by_email(conn, "ada@example.org").role == "curator"
    listed = user(db_url, "list")
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["ada@example.org", "bob@example.org", "cy@example.org"]
    assert "curator" in lines[0] and "link only" in lines[0]
    bad = user(db_url, "add", "not-an-address", "dan@example.org")
    assert bad.returncode == 2 and "not-an-address" in bad.stderr and "dan@example.org: added" in bad.stdout
    clean(bad)
    wrong_role = user(db_url, "add", "eve@example.org", "--role", "king")
    assert wrong_role.returncode == 2 and "unknown role" in wrong_role.stderr
    assert members.by_email(conn, "eve@example.org") is None


def test_token_prints_one_line_per_member_and_reports_the_unknown(db_url, conn):
    add(conn, "ada@example.org")
    add(conn, "bob@example.org")
    r = user(db_url, "token", "ada@example.org", "nobody@example.org", "Bob@example.org")
    assert r.returncode == 2 and "nobody@example.org" in r.stderr and "not a member" in r.stderr
    clean(r)
    lines = r.stdout.splitlines()
    assert len(lines) == 2
    for line, email in zip(lines, ["ada@example.org", "bob@example.org"], strict=True):
        assert re.fullmatch(r"\S+@\S+ pb_[A-Za-z0-9_-]{20,}", line), line
        address, token = line.split(" ")
        assert address == email and tokens.member_of(conn, token).email == email
    conn.commit()
    ok = user(db_url, "token", "ada@example.org", "--name", "lab script")
    assert ok.returncode == 0 and len(ok.stdout.splitlines()) == 1
    assert {t["name"] for t in tokens.list_for(conn, add(conn, "ada@example.org").id)} == {"command line", "lab script"}


def test_role_and_remove_are_logged_as_the_command_line(db_url, conn):
    ada = add(conn, "ada@example.org")
    r = user(db_url, "role", "ada@example.org", "admin")
    assert r.returncode == 0 and "ada@example.org is now admin" in r.stdout
    assert members.get(conn, ada.id).role == "admin"
    for args, says in [(["role", "ada@example.org", "king"], "unknown role"),
                       (["role", "nobody@example.org", "admin"], "not a member"),
                       (["remove", "nobody@example.org"], "not a member")]:
        bad = user(db_url, *args)
        assert bad.returncode == 2 and says in bad.stderr, (args, bad.stderr)
        clean(bad)
    gone = user(db_url, "remove", "ada@example.org")
    assert gone.returncode == 0 and members.count(conn) == 0
    log, _ = modlog.recent(conn)
    assert [(e["actor_name"], e["action"], e["target"]) for e in log] == [
        ("command line", "remove-member", "deleted member"), ("command line", "role", "deleted member")]


def test_password_from_stdin_then_sign_in_with_it(db_url, db, conn):
    add(conn, "ada@example.org")
    short = user(db_url, "password", "ada@example.org", input="short\n")
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
    r = user(db_url, "password", "ada@example.org", input="a long enough secret\n")
    assert r.returncode == 0, r.stderr
    assert passwords.check(db, "127.0.0.1", "ada@example.org", "a long enough secret").email == "ada@example.org"
    assert user(db_url, "password", "ada@example.org", "--remove").returncode == 0
    assert passwords.check(db, "127.0.0.1", "ada@example.org", "a long enough secret") is None


def test_link_signs_the_member_in_once(db_url, db, conn):
    add(conn, "ada@example.org")
    r = user(db_url, "link", "ada@example.org")
    assert r.returncode == 0, r.stderr
    (url,) = r.stdout.split()
    assert url.startswith("http://testserver/signin/")
    client = TestClient(create_app(db, cache_seconds=0, rate_limit=0), raise_server_exceptions=False)
    path = url.removeprefix("http://testserver")
    form = form_token(client.get(path).text)
    done = client.post(path, data={"csrf": form}, headers={"origin": "http://testserver"})
    assert done.status_code == 200 and client.get("/api/whoami").json()["email"] == "ada@example.org"
    assert client.get(path).status_code == 410
    assert user(db_url, "link", "nobody@example.org").returncode == 2
