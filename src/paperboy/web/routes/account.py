"""A member's account page (/account) and its forms, the export of their data, and
/api/whoami.

Personal pages: rendered for the member, never cached (Cache-Control: no-store). Every
change is a POST through auth.writer (signed in, and the session's CSRF token when signed
in by cookie); a plain form post is answered with a redirect back to the page, saying what
was done, so it works without JavaScript.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from paperboy.community import account, members, passwords, sessions, tokens
from paperboy.community.members import Member, MemberError
from paperboy.follows import store as follows
from paperboy.library import importer as library_entries
from paperboy.papers import view
from paperboy.web import auth
from paperboy.web.http import no_store, to_signin
from paperboy.web.routes.signin import BUSY, busy, signed_out
from paperboy.web.templating import html

api = APIRouter(tags=["account"])  # the HTTP API for programs (docs/api.md, /openapi.json)
pages = APIRouter(include_in_schema=False)  # pages for people, their forms and twins
WRITER = Depends(auth.writer)  # signed in, and the session's form token when by cookie
SIGNED_IN = Depends(auth.signed_in)

DONE = {
    "welcome": "Welcome! You are signed in. Choose the name shown beside your votes and comments below.",
    "name": "Your name is changed.",
    "password": "Your password is set: you can sign in with it from now on.",
    "password-removed": "Your password is removed: you sign in by emailed link only.",
    "revoked": "The token is revoked: it works no more.",
}


def _page(request: Request, member: Member, status: int = 200, **extra: Any) -> Response:
    with request.app.state.db.connection() as conn:
        fresh = members.get(conn, member.id) or member  # the password flag may have just changed
        lists = account.page(conn, fresh)
        lists["library"] = library_entries.library(conn, fresh.id)  # the #library section
        lists["follows"] = follows.of_member(conn, fresh.id)  # the #follows section
    return no_store(html(request, "account.html", {"member": fresh, "min_length": passwords.MIN_LENGTH,
                                                    **lists, **extra}, status))


def _done(what: str) -> Response:
    return RedirectResponse(f"/account?done={what}", status_code=303)


@pages.get("/account", response_class=HTMLResponse)
def account_page(request: Request, done: str = "") -> Response:
    member = auth.current(request)
    if member is None:
        return no_store(to_signin("/account"))
    return _page(request, member, notice=DONE.get(done))


@pages.post("/account/name", response_class=HTMLResponse)
def rename(request: Request, name: str = Form(""), member: Member = WRITER) -> Response:
    try:
        with request.app.state.db.connection() as conn:
            members.rename(conn, member.id, name)
    except MemberError as e:
        return _page(request, member, 400, error=str(e))
    request.state.members.forget()
    return _done("name")


@pages.post("/account/password", response_class=HTMLResponse)
def set_password(request: Request, password: str = Form(""), again: str = Form(""),
                 member: Member = WRITER) -> Response:
    if password != again:
        return _page(request, member, 400, error="The two passwords differ: type the same one twice.")
    try:
        with request.app.state.db.connection() as conn:
            passwords.set_password(conn, member.id, password)
    except MemberError as e:
        return _page(request, member, 400, error=str(e))
    except passwords.Busy:
        return busy(_page(request, member, 503, error=BUSY))
    return _done("password")


@pages.post("/account/password/remove", response_class=HTMLResponse)
def remove_password(request: Request, member: Member = WRITER) -> Response:
    with request.app.state.db.connection() as conn:
        passwords.remove_password(conn, member.id)
    return _done("password-removed")


@pages.post("/account/tokens", response_class=HTMLResponse)
def new_token(request: Request, name: str = Form(""), member: Member = WRITER) -> Response:
    """A new API token, shown on this answer only (it is stored hashed)."""
    with request.app.state.db.connection() as conn:
        token = tokens.create(conn, member.id, name or "token")
    return _page(request, member, new_token=token)


@pages.post("/account/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(request: Request, token_id: int, member: Member = WRITER) -> Response:
    try:
        with request.app.state.db.connection() as conn:
            tokens.revoke(conn, member.id, token_id)
    except MemberError as e:
        raise HTTPException(404, "There is no such token of yours.") from e
    request.state.members.forget()
    return _done("revoked")


@pages.post("/account/signout-everywhere", response_class=HTMLResponse)
def signout_everywhere(request: Request, member: Member = WRITER) -> Response:
    with request.app.state.db.connection() as conn:
        n = sessions.end_all(conn, member.id)
    return signed_out(request, lambda: html(request, "message.html", {
        "title": "Signed out everywhere",
        "text": f"{n} sign-in{'s' if n != 1 else ''} ended, this browser's included. API tokens still "
                "work: revoke them on your account page."}))


@pages.get("/account/export.json")
def export(request: Request, member: Member = SIGNED_IN) -> Response:
    with request.app.state.db.connection() as conn:
        data = account.export(conn, member.id)
    return no_store(JSONResponse(jsonable_encoder(data), headers={
        "Content-Disposition": 'attachment; filename="paperboy-account.json"'}))


@pages.post("/account/delete", response_class=HTMLResponse)
def delete(request: Request, confirm: str = Form(""), member: Member = WRITER) -> Response:
    if confirm.strip().lower() != member.email:
        return _page(request, member, 400, error="To delete your account, type its email address exactly.")
    with request.app.state.db.connection() as conn:
        account.delete(conn, member.id)
    return signed_out(request, lambda: html(request, "message.html", {
        "title": "Your account is deleted",
        "text": "Your votes, sign-ins, tokens and digest subscription are gone; your comments and "
                "submissions stay, shown as by a deleted member."}))


@api.get("/api/whoami")
def whoami(member: Member = SIGNED_IN) -> Response:
    """Who the token (or session) belongs to: ``{"name", "email", "role", "type": "user"}``;
    401 without one."""
    return no_store(JSONResponse({"name": member.name, "email": member.email, "role": member.role,
                                  "type": "user"}))


@api.get("/api/whoami-v2", include_in_schema=False)  # for huggingface_hub, not documented
def whoami_v2(request: Request, member: Member = SIGNED_IN) -> Response:
    """Hugging Face's name for the same call, in Hugging Face's shape (``huggingface_hub``'s
    ``whoami()`` and ``hf auth whoami`` read ``orgs`` and ``auth``): a member of paperboy
    belongs to no organisation, and a token may read and write what its member may."""
    auth_info: dict[str, Any] = {"type": "session"}
    if request.state.auth == "token":
        bearer = request.headers.get("authorization", "").partition(" ")[2].strip()
        with request.app.state.db.connection() as conn:
            token = tokens.describe(conn, bearer)
        auth_info = {"type": "access_token", "accessToken": {
            "displayName": token["name"] if token else "token", "role": "write",
            "createdAt": token["created"].isoformat() if token else None}}
    user = view.hf_user(member.name, here=True)
    return no_store(JSONResponse({
        **user, "id": user["_id"], "email": member.email, "emailVerified": True, "role": member.role,
        "canPay": False, "periodEnd": None, "orgs": [], "auth": auth_info}))
