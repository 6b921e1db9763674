"""/admin: for admins only (the status page too); inviting by email, changing roles,
removing members, each in the moderation log."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from paperboy.community import members, modlog
from paperboy.web.app import create_app
from tests.community.people import add, form_token, sign_in, token_for
from tests.digest.conftest import smtp  # noqa: F401 - a real SMTP server on loopback
from tests.helpers import Page

GETS = ["/admin", "/admin?page=2", "/admin/status", "/admin/status.json"]
POSTS = [("/admin/invite", {"emails": "x@example.org"}), ("/admin/members/1/role", {"role": "admin"}),
         ("/admin/members/1/remove", {"sure": "yes"})]


def test_every_admin_route_is_for_admins_only(client, conn):
    target = add(conn, "target@example.org")
    assert target.id == 1
    # A visitor at an admin page is sent to sign in, told why (as at /account); the JSON
    # twin answers 401.
    for path in GETS[:-1]:
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303, path
        assert r.headers["location"] == f"/signin?next={path.split('?')[0]}&why=admin"
        assert "Sign in as an admin" in client.get(path).text
    assert client.get(GETS[-1]).status_code == 401
    for path, data in POSTS:
        assert client.post(path, data=data).status_code == 401, path
    assert client.get("/admin/status.json").json()["status"] == 401
    for role in ("member", "curator"):
        csrf = sign_in(client, conn, f"{role}@example.org", role)
        headers = token_for(conn, f"{role}@example.org")
        anonymous = TestClient(client.app, raise_server_exceptions=False)
        for path in GETS:
            assert client.get(path).status_code == 403, (role, path)
            assert anonymous.get(path, headers=headers).status_code == 403, (role, path)
        for path, data in POSTS:
            assert client.post(path, data={**data, "csrf": csrf}).status_code == 403, (role, path)
            assert anonymous.post(path, data=data, headers=headers).status_code == 403, (role, path)
    # nothing happened
    assert members.get(conn, 1).role == "member" and members.count(conn) == 3
    assert modlog.recent(conn)[1] == 0


def test_an_admin_sees_the_pages_and_needs_the_form_token(client, conn, hub):
    csrf = sign_in(client, conn, "root@example.org", "admin")
    for path in GETS:
        r = client.get(path)
        assert r.status_code == 200 and "no-store" in r.headers["cache-control"], path
    add(conn, "ada@example.org")
    ada = members.by_email(conn, "ada@example.org")
    for data in ({"role": "curator"}, {"role": "curator", "csrf": "wrong"}):
        assert client.post(f"/admin/members/{ada.id}/role", data=data).status_code == 403
    assert members.get(conn, ada.id).role == "member"
    assert client.post(f"/admin/members/{ada.id}/role", data={"role": "curator", "csrf": csrf},
                       follow_redirects=False).status_code == 303
    assert members.get(conn, ada.id).role == "curator"


def test_members_are_listed_by_pages(client, conn):
    sign_in(client, conn, "root@example.org", "admin")
    for i in range(60):
        members.add(conn, f"m{i:02d}@example.org")
    conn.commit()
    first = Page(client.get("/admin").text).find("table", id="members").text
    second = Page(client.get("/admin?page=2").text).find("table", id="members").text
    assert "root@example.org" in first and "m48@example.org" in first and "m49@example.org" not in first
    assert "m49@example.org" in second and "m59@example.org" in second and "root@" not in second


@pytest.fixture
def mail(db, smtp):  # noqa: F811
    return TestClient(create_app(db, cache_seconds=0, rate_limit=0), raise_server_exceptions=False)


def test_inviting_sends_a_sign_in_link(mail, conn, smtp):  # noqa: F811
    csrf = sign_in(mail, conn, "root@example.org", "admin")
    add(conn, "ada@example.org", "curator")
    r = mail.post("/admin/invite", data={"emails": "New@Example.org, ada@example.org\nnot-an-address",
                                         "role": "member", "csrf": csrf})
    assert r.status_code == 200
    said = Page(r.text).find("ul", id="invited").text
    assert "new@example.org: invited" in said and "ada@example.org: already a member" in said
    assert "not-an-address" in said
    assert members.by_email(conn, "ada@example.org").role == "curator"  # unchanged
    assert mail.app.state.mailer.wait_idle(30)
    assert smtp.recipients() == ["new@example.org"]
    (msg,) = smtp.to("new@example.org")
    text = msg.get_body(("plain",)).get_content()
    assert msg["Subject"] == "You are invited to paperboy" and "root invited you" in text
    path = re.search(r"http://testserver(/signin/\S+)", text).group(1)
    invitee = TestClient(mail.app, raise_server_exceptions=False)
    form = form_token(invitee.get(path).text)
    done = invitee.post(path, data={"csrf": form}, headers={"origin": "http://testserver"}, follow_redirects=False)
    assert done.status_code == 303, done.text
    assert invitee.get("/api/whoami").json()["email"] == "new@example.org"
    log, _ = modlog.recent(conn)
    assert [(e["actor_name"], e["action"], e["target"]) for e in log] == [("root", "invite", "new")]
    bad = mail.post("/admin/invite", data={"emails": "a@example.org", "role": "king", "csrf": csrf})
    assert bad.status_code == 400 and "unknown role" in bad.text


def test_roles_and_removal_are_logged_and_not_on_oneself(client, conn):
    csrf = sign_in(client, conn, "root@example.org", "admin")
    root = members.by_email(conn, "root@example.org")
    ada = add(conn, "ada@example.org")
    assert client.post(f"/admin/members/{root.id}/role", data={"role": "member", "csrf": csrf}).status_code == 400
    assert client.post(f"/admin/members/{root.id}/remove", data={"sure": "yes", "csrf": csrf}).status_code == 400
    assert client.post(f"/admin/members/{ada.id}/remove", data={"csrf": csrf}).status_code == 400
    assert client.post("/admin/members/999/role", data={"role": "admin", "csrf": csrf}).status_code == 400
    client.post(f"/admin/members/{ada.id}/role", data={"role": "curator", "csrf": csrf})
    r = client.post(f"/admin/members/{ada.id}/remove", data={"sure": "yes", "csrf": csrf})
    assert r.status_code == 200 and "The member is removed" in r.text
    assert members.get(conn, ada.id) is None and members.get(conn, root.id).role == "admin"
    log, _ = modlog.recent(conn)
    assert [(e["actor_name"], e["action"], e["target"]) for e in log] == [
        ("root", "remove-member", "deleted member"), ("root", "role", "deleted member")]
    assert "ada@example.org" not in str(log)
