"""Signing in and out: /signin (a one-time link by email, or a password), the link's own
page, /signout.

These pages are never cached. Anonymous forms are CSRF-protected twice over: the browser's
same-origin headers (csrf.check) and a token signed for the form's address
(csrf.token/check_token); signing out, as every member's change, needs the session's
token. GET never changes anything: mail scanners open links.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperboy.community import passwords, sessions, signin
from paperboy.community.members import Member, MemberError
from paperboy.web import auth, csrf
from paperboy.web.http import WHY, no_store, safe_next
from paperboy.web.templating import html

pages = APIRouter(include_in_schema=False)  # pages for people, their forms and twins

SENT = f"If this address may sign in, a link is on its way. It works once, for {signin.LINK_MINUTES} minutes."
WRONG = "That email address and password do not match a member with a password."
BUSY = "Too many passwords are being checked right now: try again in a few seconds."
_REFUSED = {
    "used": (410, "This link has been used already",
             "A sign-in link works once. Ask for a new one below."),
    "superseded": (410, "A newer link was used",
                   "Another sign-in link or invitation sent to this address was used, so this one "
                   "no longer works: the address is a member already. Sign in below."),
    "expired": (410, "This link has expired",
                f"A sign-in link works for {signin.LINK_MINUTES} minutes. Ask for a new one below."),
    "unknown": (400, "Unknown link", "This sign-in link is not one we sent (or it was cut short)."),
    "not allowed": (403, "This address may not join",
                    "This instance takes new members by invitation (or from some domains only)."),
}


def busy(response: Response) -> Response:
    """A 503 for passwords.Busy: the client may retry shortly."""
    response.headers["Retry-After"] = "5"
    return response


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def signed_in_as(request: Request, member: Member, to: str) -> Response:
    """Start a session for ``member`` (ending this browser's previous one) and go to ``to``."""
    state = request.app.state
    days = state.config.community.session_days
    with state.db.connection() as conn:
        if getattr(request.state, "session_key", None):
            sessions.end(conn, request.state.session_key)
        cookie = sessions.start(conn, state.secret, member.id, days)
    response = RedirectResponse(to, status_code=303)
    response.set_cookie(sessions.COOKIE, cookie, max_age=int(days * 86400), path="/", httponly=True,
                        samesite="lax", secure=state.base_url.startswith("https://"))
    request.state.members.forget()
    return no_store(response)


def signed_out(request: Request, answer: Callable[[], Response]) -> Response:
    """The ``answer`` (made now, as for no one) to a request that ended this browser's
    session: it also clears the cookie."""
    request.state.members.forget()  # this worker's lookups of the ended sessions
    request.state.member, request.state.auth, request.state.csrf = None, None, ""
    response = answer()
    response.delete_cookie(sessions.COOKIE, path="/", httponly=True, samesite="lax",
                           secure=request.app.state.base_url.startswith("https://"))
    return no_store(response)


def _page(request: Request, status: int = 200, **context) -> Response:
    settings = request.app.state.config.community
    context.setdefault("next", "/")
    return no_store(html(request, "signin.html", {
        "form_token": csrf.token(request.app.state.secret, "/signin"), "signup": settings.signup,
        "domains": settings.signup_domains, "minutes": signin.LINK_MINUTES, **context}, status))


@pages.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request, next: str = "/", why: str = "") -> Response:
    return _page(request, next=safe_next(next), why=WHY.get(why))


@pages.post("/signin", response_class=HTMLResponse)
def signin_post(request: Request, email: str = Form(""), password: str = Form(""),
                next: str = Form("/"), csrf_token: str = Form("", alias="csrf")) -> Response:
    csrf.check(request)
    csrf.check_token(request.app.state.secret, "/signin", csrf_token)
    to = safe_next(next)
    state = request.app.state
    if password:
        try:
            member = passwords.check(state.db, _client(request), email, password)
        except passwords.Limited:
            response = _page(request, 429, next=to, email=email[:254], error=(
                "Too many password attempts from here lately: try again in an hour, or sign in "
                "by email link."))
            response.headers["Retry-After"] = "3600"
            return response
        except passwords.Busy:
            return busy(_page(request, 503, next=to, email=email[:254], error=BUSY))
        if member is None:
            return _page(request, 400, next=to, email=email[:254], error=WRONG)
        return signed_in_as(request, member, to)
    try:
        with state.db.connection() as conn:
            signin.request_link(conn, state.base_url, _client(request), email, to)
    except MemberError as e:
        return _page(request, 400, next=to, email=email[:254], error=str(e))
    # The same answer, after the same work, whatever happened: it tells nothing about the
    # address. The mailer finds out whether to send anything, after the answer is made.
    response = no_store(html(request, "message.html", {"title": "Check your inbox", "text": SENT}))
    state.mailer.wake()
    return response


def _refused(request: Request, reason: str) -> Response:
    status, title, text = _REFUSED[reason]
    return _page(request, status, title=title, refused=text)


@pages.get("/signin/{token}", response_class=HTMLResponse)
def link_page(request: Request, token: str, next: str = "/") -> Response:
    with request.app.state.db.connection() as conn:
        state, email = signin.link_state(conn, token[:200])
    if state != "valid":
        return _refused(request, state)
    return no_store(html(request, "signin_link.html", {
        "email": email, "next": safe_next(next), "action": request.url.path,
        "form_token": csrf.token(request.app.state.secret, request.url.path)}))


@pages.post("/signin/{token}", response_class=HTMLResponse)
def use_link(request: Request, token: str, next: str = Form("/"),
             csrf_token: str = Form("", alias="csrf")) -> Response:
    csrf.check(request)
    csrf.check_token(request.app.state.secret, request.url.path, csrf_token)
    try:
        with request.app.state.db.connection() as conn:
            member, new = signin.use_link(conn, request.app.state.config, token[:200])
    except signin.LinkRefused as e:
        return _refused(request, e.reason)
    return signed_in_as(request, member, "/account?done=welcome" if new else safe_next(next))


@pages.post("/signout", dependencies=[Depends(auth.check_csrf)])
def signout(request: Request) -> Response:
    """Sign this browser out (a form in every page's account corner)."""
    key = getattr(request.state, "session_key", None)
    if key:
        with request.app.state.db.connection() as conn:
            sessions.end(conn, key)
    return signed_out(request, lambda: RedirectResponse("/", status_code=303))
