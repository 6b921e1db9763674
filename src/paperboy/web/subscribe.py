"""Subscribing, confirming, preferences and unsubscribing: the pages behind the emails.

GET never changes anything (mail scanners open links); each change is a POST. A request
holds at most one pool connection at a time (the signing key is loaded at startup, into
app.state.secret): with two, a burst of requests could each hold one and wait for a second.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse

from paperboy import config
from paperboy.digest import outbox, subscriptions, throttle
from paperboy.digest.subscriptions import InvalidInput, LinkExpired
from paperboy.web import csrf
from paperboy.web.app import html

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)
DAY = 86400


def _secret(request: Request) -> str:
    secret = getattr(request.app.state, "secret", None)
    if secret is None:  # an app built without create_app; never called with a connection held
        with request.app.state.db.connection() as conn:
            secret = request.app.state.secret = subscriptions.secret_key(conn, config.load().secret_key)
    return secret


def _message(request: Request, title: str, text: str, status: int = 200, **extra) -> HTMLResponse:
    return html(request, "message.html", {"title": title, "text": text, **extra}, status)


@router.get("/subscribe", response_class=HTMLResponse)
def subscribe_page(request: Request) -> HTMLResponse:
    return html(request, "subscribe.html", {})


@router.post("/subscribe", response_class=HTMLResponse)
def subscribe(request: Request, email: str = Form("")) -> HTMLResponse:
    csrf.check(request)
    cfg = config.load()
    db = request.app.state.db
    secret = _secret(request)
    try:
        address = subscriptions.normalise_email(email)
    except InvalidInput as e:
        return html(request, "subscribe.html", {"error": str(e), "email": email[:254]}, 400)
    wanted = throttle.describe(request.client.host if request.client else None, address)
    with db.connection() as conn:
        # Checked before the address is looked at, and counted whatever its state: a refusal
        # says nothing about who is subscribed.
        if not throttle.admit(conn, cfg.digest, wanted):
            response = _message(request, "Too many subscription requests",
                                "Too many confirmation emails were asked for lately (from here or for "
                                "this address). Nothing was sent: please try again later.", 429)
            response.headers["Retry-After"] = str(int(throttle.WINDOW.total_seconds()))
            return response
        result = subscriptions.subscribe(conn, address)
        if result.token:
            message_id = outbox.queue_confirmation(conn, cfg, secret, result)
    if result.token:
        try:
            outbox.send_now(db, cfg, [message_id])
        except Exception:  # it stays queued; the worker (or the next `digest send`) retries
            log.exception("sending a confirmation email failed")
    # The same answer whatever the address's state: it reveals nothing about who subscribed.
    return _message(request, "Check your inbox",
                    "If this address can receive email, a confirmation link is on its way. "
                    "Nothing will be sent until you use it.")


_TOKEN_TEXT = {
    "used": ("Already confirmed", "This link has been used already: your subscription is confirmed."),
    "expired": ("This link has expired", "Subscribe again to get a fresh confirmation link."),
    "unknown": ("Unknown link", "This confirmation link is not one we sent (or it was cut short)."),
}


@router.get("/confirm/{token}", response_class=HTMLResponse)
def confirm_page(request: Request, token: str) -> HTMLResponse:
    with request.app.state.db.connection() as conn:
        state = subscriptions.check_token(conn, token[:200])
    if state != "valid":
        title, text = _TOKEN_TEXT[state]
        return _message(request, title, text, 200 if state == "used" else 404)
    return html(request, "confirm.html", {"token": token})


@router.post("/confirm/{token}", response_class=HTMLResponse)
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
    limits = config.load().digest
    days = limits.unsubscribe_link_days if purpose == "unsubscribe" else limits.preferences_link_days
    try:
        sid = subscriptions.unsign(_secret(request), purpose, token, max_age=days * DAY)
    except LinkExpired:
        raise HTTPException(410, "This link has expired. Every digest brings fresh links: use the "
                            "one in your latest digest.") from None
    if sid is None:
        raise HTTPException(404, "This link is not one we sent (or it was cut short).")
    return sid


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: str) -> HTMLResponse:
    _subscriber(request, "unsubscribe", token)
    return html(request, "unsubscribe.html", {"token": token})


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe(request: Request, token: str) -> HTMLResponse:
    # RFC 8058 one-click: mail clients POST "List-Unsubscribe=One-Click" without cookies or
    # Origin; the signed URL is the authority, so no CSRF check here.
    sid = _subscriber(request, "unsubscribe", token)
    with request.app.state.db.connection() as conn:
        subscriptions.unsubscribe(conn, sid)
    return _message(request, "Unsubscribed", "You will get no more digests. Changed your mind? "
                    "Subscribe again from any page.")


@router.get("/preferences/{token}", response_class=HTMLResponse)
def preferences_page(request: Request, token: str, saved: bool = False) -> HTMLResponse:
    sid = _subscriber(request, "preferences", token)
    with request.app.state.db.connection() as conn:
        sub = subscriptions.get(conn, sid)
    if sub is None:
        raise HTTPException(404, "This subscription no longer exists.")
    return html(request, "preferences.html", {
        "sub": sub, "token": token, "saved": saved, "timezones": subscriptions.TIMEZONES,
        "csrf": csrf.token(_secret(request), request.url.path),
    })


@router.post("/preferences/{token}", response_class=HTMLResponse)
async def save_preferences(request: Request, token: str) -> HTMLResponse:
    csrf.check(request)
    form = {k: str(v) for k, v in (await request.form()).items()}
    csrf.check_token(_secret(request), request.url.path, form.get("csrf"))
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
            "sub": {**sub, **form, "topics": form.get("topics", "").splitlines()}, "token": token,
            "error": str(e), "timezones": subscriptions.TIMEZONES,
            "csrf": csrf.token(_secret(request), request.url.path)}, 400)
    return html(request, "preferences.html", {
        "sub": sub, "token": token, "saved": True, "timezones": subscriptions.TIMEZONES,
        "csrf": csrf.token(_secret(request), request.url.path)})
