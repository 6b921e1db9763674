"""Subscribing, confirming, preferences and unsubscribing: the pages behind the emails.

GET never changes anything (mail scanners open links); each change is a POST. A request
holds at most one pool connection at a time (the signing key is loaded at startup, into
app.state.secret): with two, a burst of requests could each hold one and wait for a second.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse

from paperboy.digest import signup, subscriptions, throttle
from paperboy.digest.subscriptions import InvalidInput, LinkExpired
from paperboy.web import csrf
from paperboy.web.templating import html

pages = APIRouter(include_in_schema=False)  # pages for people, their forms and twins
DAY = 86400


def _secret(request: Request) -> str:
    return request.app.state.secret  # loaded by create_app, once


def _message(request: Request, title: str, text: str, status: int = 200, **extra) -> HTMLResponse:
    return html(request, "message.html", {"title": title, "text": text, **extra}, status)


@pages.get("/subscribe", response_class=HTMLResponse)
def subscribe_page(request: Request) -> HTMLResponse:
    return html(request, "subscribe.html", {})


@pages.post("/subscribe", response_class=HTMLResponse)
def subscribe(request: Request, email: str = Form("")) -> HTMLResponse:
    csrf.check(request)
    state = request.app.state
    client = request.client.host if request.client else None
    try:
        with state.db.connection() as conn:
            outcome = signup.request(conn, state.config, _secret(request), client, email)
    except InvalidInput as e:
        return html(request, "subscribe.html", {"error": str(e), "email": email[:254]}, 400)
    if outcome == signup.LIMITED:
        response = _message(request, "Too many subscription requests",
                            "Too many confirmation emails were asked for lately (from here or for "
                            "this address). Nothing was sent: please try again later.", 429)
        response.headers["Retry-After"] = str(int(throttle.WINDOW.total_seconds()))
        return response
    if outcome == signup.QUEUED:
        state.mailer.wake()  # sent from the mailer's thread: this answer waits on no SMTP server
    # The same answer whatever the address's state: it reveals nothing about who subscribed.
    return _message(request, "Check your inbox",
                    "If this address can receive email, a confirmation link is on its way. "
                    "Nothing will be sent until you use it.")


_TOKEN_TEXT = {
    "used": ("Already confirmed", "This link has been used already: your subscription is confirmed."),
    "expired": ("This link has expired", "Subscribe again to get a fresh confirmation link."),
    "unknown": ("Unknown link", "This confirmation link is not one we sent (or it was cut short)."),
}


@pages.get("/confirm/{token}", response_class=HTMLResponse)
def confirm_page(request: Request, token: str) -> HTMLResponse:
    with request.app.state.db.connection() as conn:
        state = subscriptions.check_token(conn, token[:200])
    if state != "valid":
        title, text = _TOKEN_TEXT[state]
        return _message(request, title, text, 200 if state == "used" else 404)
    return html(request, "confirm.html", {"token": token})


@pages.post("/confirm/{token}", response_class=HTMLResponse)
def confirm(request: Request, token: str) -> HTMLResponse:
    csrf.check(request)
    with request.app.state.db.connection() as conn:
        state = subscriptions.confirm(conn, token[:200])
    if state != "confirmed":
        title, text = _TOKEN_TEXT[state]
        return _message(request, title, text, 200 if state == "used" else 404)
    return _message(request, "Subscribed", "You will get the trending papers by email. Every email "
                    "links to your preferences and has a one-click unsubscribe link.")


def _subscriber(request: Request, purpose: str, token: str) -> int:
    """The subscriber a signed link is for; 404 when we did not sign it, 410 when it is too old.
    Lifetimes are settings (PAPERBOY_PREFERENCES_LINK_DAYS, PAPERBOY_UNSUBSCRIBE_LINK_DAYS)."""
    limits = request.app.state.config.digest
    days = limits.unsubscribe_link_days if purpose == "unsubscribe" else limits.preferences_link_days
    try:
        sid = subscriptions.unsign(_secret(request), purpose, token, max_age=days * DAY)
    except LinkExpired:
        raise HTTPException(410, "This link has expired. Every digest brings fresh links: use the "
                            "one in your latest digest.") from None
    if sid is None:
        raise HTTPException(404, "This link is not one we sent (or it was cut short).")
    return sid


@pages.get("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: str) -> HTMLResponse:
    _subscriber(request, "unsubscribe", token)
    return html(request, "unsubscribe.html", {"token": token})


@pages.post("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe(request: Request, token: str) -> HTMLResponse:
    # RFC 8058 one-click: mail clients POST "List-Unsubscribe=One-Click" without cookies or
    # Origin; the signed URL is the authority, so no CSRF check here.
    sid = _subscriber(request, "unsubscribe", token)
    with request.app.state.db.connection() as conn:
        subscriptions.unsubscribe(conn, sid)
    return _message(request, "Unsubscribed", "You will get no more digests. Changed your mind? "
                    "Subscribe again from any page.")


@pages.get("/preferences/{token}", response_class=HTMLResponse)
def preferences_page(request: Request, token: str, saved: bool = False) -> HTMLResponse:
    sid = _subscriber(request, "preferences", token)
    with request.app.state.db.connection() as conn:
        sub = subscriptions.get(conn, sid)
    if sub is None:
        raise HTTPException(404, "This subscription no longer exists.")
    return html(request, "preferences.html", {
        "sub": sub, "token": token, "saved": saved, "timezones": subscriptions.TIMEZONES,
        "form_token": csrf.token(_secret(request), request.url.path),
    })


@pages.post("/preferences/{token}", response_class=HTMLResponse)
def save_preferences(
    request: Request, token: str, frequency: str = Form("daily"), weekday: str = Form("0"),
    send_hour: str = Form("8"), timezone: str = Form("UTC"), max_papers: str = Form("10"),
    topics: str = Form(""), csrf_token: str = Form("", alias="csrf"),
) -> HTMLResponse:
    # A plain def: FastAPI runs it on a worker thread, so its database calls never block the
    # event loop (it was an async def that did).
    csrf.check(request)
    csrf.check_token(_secret(request), request.url.path, csrf_token)
    form = {"frequency": frequency, "weekday": weekday, "send_hour": send_hour,
            "timezone": timezone, "max_papers": max_papers, "topics": topics}
    sid = _subscriber(request, "preferences", token)
    db = request.app.state.db
    try:
        with db.connection() as conn:
            subscriptions.save_preferences(conn, sid, form)
            sub = subscriptions.get(conn, sid)
    except InvalidInput as e:
        with db.connection() as conn:
            sub = subscriptions.get(conn, sid)
        return html(request, "preferences.html", {
            "sub": {**sub, **form, "topics": topics.splitlines()}, "token": token,
            "error": str(e), "timezones": subscriptions.TIMEZONES,
            "form_token": csrf.token(_secret(request), request.url.path)}, 400)
    return html(request, "preferences.html", {
        "sub": sub, "token": token, "saved": True, "timezones": subscriptions.TIMEZONES,
        "form_token": csrf.token(_secret(request), request.url.path)})
