"""The admin pages, all for the admin role only (401 for no one, 403 for members and
curators): /admin (members: invite, change a role, remove; the latest moderation) and the
status page with its JSON twin (what the hub holds, what it fetches and when, and how each
run went; the report itself is :mod:`paperboy.status`, shared with `paperboy status`).

Never cached, and search engines are asked not to index them. Each change is a POST
checked by auth.writer_with("admin") (the role first, then the session's CSRF token) and
logged in the moderation log by community/admin.py.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from paperboy import status
from paperboy.community import admin, members, modlog
from paperboy.community.members import ROLES, Member, MemberError
from paperboy.fetch.runs import NAMES
from paperboy.web.auth import current, role, writer_with
from paperboy.web.http import no_store, to_signin
from paperboy.web.templating import html

pages = APIRouter(include_in_schema=False)  # pages for people, their forms and twins
reader = Depends(role("admin"))
changer = Depends(writer_with("admin"))

FETCH_RUNS = 25  # the page has room for more runs than the terminal
PER_PAGE = 50
DONE = {"role": "The role is changed.", "removed": "The member is removed."}


def _report(request: Request) -> status.Status:
    with request.app.state.db.connection() as conn:
        # This node's own index (the app's, which a test may place outside PAPERBOY_HOME).
        return status.report(conn, request.app.state.config, index=request.app.state.searcher.index,
                             fetch_runs=FETCH_RUNS)


def _page(request: Request, page: int = 1, status_code: int = 200, **extra: Any) -> Response:
    page = max(1, page)
    with request.app.state.db.connection() as conn:
        people = members.all_members(conn, (page - 1) * PER_PAGE, PER_PAGE)
        total = members.count(conn)
        log, _ = modlog.recent(conn, 0, 20)
    pages = max(1, -(-total // PER_PAGE))
    return no_store(html(request, "admin.html", {
        "people": people, "total": total, "page": page, "pages": pages, "roles": ROLES, "log": log,
        **extra}, status_code))


def _visitor(request: Request) -> Response | None:
    """A visitor to an admin page is sent to sign in (as /account does); members below
    admin get the 403 of :func:`role`."""
    if current(request) is None:
        return no_store(to_signin(request.url.path, "admin"))
    role("admin")(request)
    return None


@pages.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, page: int = Query(1, ge=1, le=1_000_000), done: str = "") -> Response:
    return _visitor(request) or _page(request, page, notice=DONE.get(done))


@pages.post("/admin/invite", response_class=HTMLResponse)
def invite(request: Request, emails: str = Form(""), role_: str = Form("member", alias="role"),
           me: Member = changer) -> Response:
    state = request.app.state
    try:
        with state.db.connection() as conn:
            done = admin.invite(conn, state.config, state.base_url, me, admin.addresses(emails), role_)
    except MemberError as e:
        return _page(request, status_code=400, error=str(e), emails=emails[:20_000])
    if any(d.outcome == "invited" for d in done):
        state.mailer.wake()
    if not done:
        return _page(request, status_code=400, error="Type one or more email addresses to invite.")
    return _page(request, invited=done)


@pages.post("/admin/members/{member_id}/role", response_class=HTMLResponse)
def change_role(request: Request, member_id: int, role_: str = Form("", alias="role"),
                me: Member = changer) -> Response:
    try:
        with request.app.state.db.connection() as conn:
            admin.change_role(conn, me, member_id, role_)
    except MemberError as e:
        return _page(request, status_code=400, error=str(e))
    request.state.members.forget()
    return RedirectResponse("/admin?done=role", status_code=303)


@pages.post("/admin/members/{member_id}/remove", response_class=HTMLResponse)
def remove(request: Request, member_id: int, sure: str = Form(""), me: Member = changer) -> Response:
    if sure != "yes":
        return _page(request, status_code=400, error="Tick the box to confirm removing a member.")
    try:
        with request.app.state.db.connection() as conn:
            admin.remove(conn, me, member_id)
    except MemberError as e:
        return _page(request, status_code=400, error=str(e))
    request.state.members.forget()
    return RedirectResponse("/admin?done=removed", status_code=303)


@pages.get("/admin/status", response_class=HTMLResponse)
def status_page(request: Request) -> Response:
    return _visitor(request) or no_store(html(request, "admin_status.html", {"report": _report(request), "names": NAMES},
                                                        json="/admin/status.json"))


@pages.get("/admin/status.json")
def status_json(request: Request, me: Member = reader) -> Response:
    return no_store(JSONResponse(jsonable_encoder(_report(request).public())))
