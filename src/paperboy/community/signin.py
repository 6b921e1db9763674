"""Signing in by a one-time link sent by email (and inviting someone with one).

A link is ``{base_url}/signin/{token}``: the token is random, only its SHA-256 is stored
(signin_tokens), it works once and expires after :data:`LINK_MINUTES` (an invitation's
after :data:`INVITE_DAYS`). Following it shows a page with a button; only the POST that
button sends uses it up (mail scanners open links), in one UPDATE … WHERE used IS NULL AND
expires > now() RETURNING, so two clicks can never both sign in.

The emails go out through the digest's outbox (kind 'signin' or 'invite', no subscriber)
and its mailer: no request talks to an SMTP server.

Asking for a link only records the request (signin_requests): the mailer, off the request,
finds out whether the address is a member or may join, and only then makes the link and
composes the email (:func:`send_requested`). The request does the same work whatever the
address, so its timing tells a member from a stranger no more than its answer does (a
member's link and email used to cost the request 5–7 ms more, enough to guess).

Asking for a link answers the same whatever the address: a member, an address that may
join (PAPERBOY_SIGNUP), or neither. The limits hold the stranger, not the address they
aim at. Requests are limited per client, and per mailbox from one client, in an hour
(digest/throttle.py, kind 'signin'), counted whatever the address, so the limit tells
nothing either; a refused request sends nothing and answers the same. Per mailbox, only
what its owner would not notice is held back: once :data:`LINKS_PER_MAILBOX` links to
the mailbox are waiting unused, an address that holds one of them gets no further email
(any of its links works); an address without a working link always gets one.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from urllib.parse import quote

import psycopg

from paperboy.community import members
from paperboy.community.members import Member
from paperboy.config import Config, DigestSettings
from paperboy.digest import render, throttle

LINK_MINUTES = 15
INVITE_DAYS = 7
LINKS_PER_CLIENT = 10  # sign-in emails one client (IP address, IPv6 /64) may ask for an hour
LINKS_PER_MAILBOX_FROM_CLIENT = 3  # … of them for one mailbox (ignoring +tags and case)
LINKS_PER_MAILBOX = 5  # working links to one mailbox beyond which an address holding one gets no more
_LIMITS = DigestSettings(subscribe_per_client=LINKS_PER_CLIENT, subscribe_per_mailbox=0,
                         subscribe_per_domain=0, subscribe_per_hour=0)

QUEUED, LIMITED = "queued", "limited"


class LinkRefused(Exception):
    """A sign-in link that cannot be used: ``reason`` is 'used', 'superseded' (another link to
    the address was used), 'expired', 'unknown' or 'not allowed' (the address may no longer
    join)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_link(conn: psycopg.Connection, email: str, lifetime: timedelta = timedelta(minutes=LINK_MINUTES)) -> str:
    """A new one-time sign-in token for ``email`` (normalised already): the only time its
    value is known."""
    token = secrets.token_urlsafe(32)
    with conn.transaction():
        conn.execute("DELETE FROM signin_tokens WHERE expires < now() - interval '1 day'")  # tidy as we go
        conn.execute("INSERT INTO signin_tokens (token_hash, email, expires) VALUES (%s, %s, now() + %s)",
                     (_hash(token), email, lifetime))
    return token


def link_url(base_url: str, token: str, next_path: str = "/") -> str:
    url = f"{base_url}/signin/{token}"
    return url if next_path == "/" else f"{url}?next={quote(next_path, safe='/')}"


def link_state(conn: psycopg.Connection, token: str) -> tuple[str, str | None]:
    """('valid', email), or ('used' | 'superseded' | 'expired' | 'unknown', None): superseded
    when another link to the same address was used first. Changes nothing."""
    row = conn.execute("SELECT email, used IS NOT NULL AS used, superseded, expires <= now() AS expired"
                       " FROM signin_tokens WHERE token_hash = %s", (_hash(token),)).fetchone()
    if row is None:
        return "unknown", None
    if row["superseded"]:
        return "superseded", None
    if row["used"]:
        return "used", None
    if row["expired"]:
        return "expired", None
    return "valid", row["email"]


def use_link(conn: psycopg.Connection, cfg: Config, token: str) -> tuple[Member, bool]:
    """The member a link signs in (made a member now when new and PAPERBOY_SIGNUP lets the
    address join) and whether they are new; the link is used up. Raises LinkRefused, and
    then nothing changed."""
    with conn.transaction():
        row = conn.execute(
            "UPDATE signin_tokens SET used = now() WHERE token_hash = %s AND used IS NULL"
            " AND expires > now() RETURNING email", (_hash(token),)).fetchone()
        if row is None:
            raise LinkRefused(link_state(conn, token)[0])
        email = row["email"]
        member = members.by_email(conn, email)
        new = member is None
        if member is None:
            if not members.may_join(cfg.community, email):
                raise LinkRefused("not allowed")  # rolls the UPDATE back: nothing changed
            member, new = members.add(conn, email)
        # The other links sent to this address are of no use now: none may sign in later.
        conn.execute("UPDATE signin_tokens SET used = now(), superseded = true WHERE email = %s AND used IS NULL",
                     (email,))
    return member, new


def queue_mail(conn: psycopg.Connection, cfg: Config, kind: str, email: str, url: str,
               inviter: str | None = None) -> None:
    """Queue the sign-in (kind 'signin') or invitation ('invite') email with ``url``; the
    caller wakes the mailer."""
    ctx = {"email": email, "url": url, "base_url": cfg.base_url, "inviter": inviter,
           "minutes": LINK_MINUTES, "days": INVITE_DAYS}
    subject = "You are invited to paperboy" if kind == "invite" else "Your paperboy sign-in link"
    msg = render.message(sender=cfg.mail_from, to=email, subject=subject,
                         text=render.render(f"{kind}.txt", **ctx), html=render.render(f"{kind}.html", **ctx))
    with conn.transaction():
        # Sent links are of no use once expired: forget them (the outbox holds whole messages).
        conn.execute("DELETE FROM outbox WHERE kind IN ('signin', 'invite') AND status <> 'pending'"
                     " AND created < now() - %s", (timedelta(days=INVITE_DAYS + 1),))
        conn.execute("INSERT INTO outbox (subscriber_id, kind, period, recipient, subject, message)"
                     " VALUES (NULL, %s, %s, %s, %s, %s)",
                     (kind, secrets.token_hex(8), email, subject, msg))


def _worth_sending(conn: psycopg.Connection, address: str, mailbox: str) -> bool:
    """Whether to email ``address`` a new link: unless its mailbox has LINKS_PER_MAILBOX
    working links waiting already and this address holds one of them (its owner can use
    that one: holding back the new one costs them nothing, and floods no one)."""
    n = conn.execute(
        "SELECT count(*) AS mailbox, count(*) FILTER (WHERE email = %(address)s) AS address"
        " FROM signin_tokens WHERE used IS NULL AND expires > now()"
        r" AND lower(regexp_replace(email, '^([^+@]+)\+[^@]*@', '\1@')) = %(mailbox)s",
        {"address": address, "mailbox": mailbox}).fetchone()
    return n["mailbox"] < LINKS_PER_MAILBOX or n["address"] == 0


def send_requested(conn: psycopg.Connection, cfg: Config, batch: int = 50) -> int:
    """Make the links and queue the emails that recorded requests ask for (the mailer runs
    this before delivering): to members, and to addresses that may join; the others are
    dropped unseen. Each batch is one transaction, so a crash loses no request and a rerun
    sends none twice. How many emails were queued."""
    queued = 0
    while True:
        with conn.transaction():
            rows = conn.execute(
                "DELETE FROM signin_requests WHERE id IN (SELECT id FROM signin_requests ORDER BY id"
                " LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING id, email, next_path, base_url",
                (batch,)).fetchall()
            for r in sorted(rows, key=lambda r: r["id"]):
                address = r["email"]
                if members.by_email(conn, address) is None and not members.may_join(cfg.community, address):
                    continue
                if not _worth_sending(conn, address, throttle.mailbox_key(address)[0]):
                    continue
                token = new_link(conn, address)
                queue_mail(conn, cfg, "signin", address, link_url(r["base_url"], token, r["next_path"]))
                queued += 1
        if len(rows) < batch:
            return queued


def request_link(conn: psycopg.Connection, base_url: str, client_host: str | None, email: str,
                 next_path: str = "/") -> str:
    """Someone asked for a sign-in link for ``email``: QUEUED (recorded for the mailer, who
    sends it if the address is a member or may join: :func:`send_requested`) or LIMITED.
    Raises members.MemberError for what is not an email address. Does the same work, and
    the caller answers the same, whatever the address."""
    address = members.address(email)
    req = throttle.describe(client_host, address)
    with conn.transaction():  # one commit for both
        if not throttle.admit(conn, _LIMITS, req, kind="signin",
                              per_mailbox_from_client=LINKS_PER_MAILBOX_FROM_CLIENT):
            return LIMITED
        conn.execute("INSERT INTO signin_requests (email, next_path, base_url) VALUES (%s, %s, %s)",
                     (address, next_path, base_url))
    return QUEUED
