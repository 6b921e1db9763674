"""Subscribers: double opt-in, single-use confirmation tokens, signed links, preferences."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import psycopg
from email_validator import EmailNotValidError, validate_email
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

CONFIRM_HOURS = 72
RESEND_MINUTES = 5  # at most one confirmation email per address in this time
MAX_TOPICS = 10


class InvalidInput(ValueError):
    """A user mistake, with a message fit to show them."""


def normalise_email(raw: str) -> str:
    """The address, validated and lower-cased; raises InvalidInput with the reason."""
    raw = (raw or "").strip()
    if not raw:
        raise InvalidInput("Please enter an email address.")
    if any(c in raw for c in "\r\n\0") or len(raw) > 254:
        raise InvalidInput("That is not an email address.")
    try:
        info = validate_email(raw, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as e:
        raise InvalidInput(f"That is not a valid email address: {e}") from None
    return info.normalized.lower()


def secret_key(conn: psycopg.Connection, configured: str | None) -> str:
    """PAPERBOY_SECRET_KEY, or one generated once and kept in the database (so every process
    and machine of the instance signs links alike)."""
    if configured:
        return configured
    conn.execute(
        "INSERT INTO settings (key, value) VALUES ('secret_key', %s) ON CONFLICT DO NOTHING",
        (secrets.token_urlsafe(32),),
    )
    value = conn.execute("SELECT value FROM settings WHERE key = 'secret_key'").fetchone()["value"]
    conn.commit()
    return value


# Links signed before they carried a time (no expiry) that are still honoured: unsubscribing
# must keep working from any email a reader still has; preferences wait for the next digest.
UNTIMED_OK = frozenset({"unsubscribe"})


class LinkExpired(Exception):
    """A link we signed, but too long ago (or an old untimed one no longer honoured)."""


def keys(secret: str) -> list[str]:
    """The keys in PAPERBOY_SECRET_KEY (spaces or commas between them): the last signs, all
    verify, so a new key can be added and the old one dropped once its links have aged out."""
    return [k for k in secret.replace(",", " ").split() if k] or [secret]


@lru_cache(maxsize=16)
def _timed(secret: str, purpose: str) -> URLSafeTimedSerializer:
    # its own salt, so an untimed link can never be read as a timed one, nor the reverse
    return URLSafeTimedSerializer(keys(secret), salt=f"paperboy-{purpose}-timed")


@lru_cache(maxsize=16)
def _untimed(secret: str, purpose: str) -> URLSafeSerializer:
    """How links were signed before they carried a time (read, never written, now)."""
    return URLSafeSerializer(keys(secret), salt=f"paperboy-{purpose}")


def sign(secret: str, purpose: str, subscriber_id: int) -> str:
    """A link token for ``purpose`` ('unsubscribe', 'preferences'), stamped with the time now."""
    return _timed(secret, purpose).dumps(subscriber_id)


def unsign(secret: str, purpose: str, token: str, max_age: float | None = None) -> int | None:
    """The subscriber a link token is for, or None when we did not sign it (for this purpose);
    raises LinkExpired when it is older than ``max_age`` seconds, or is an old untimed link
    whose purpose is not in UNTIMED_OK."""
    try:
        value = _timed(secret, purpose).loads(token, max_age=None if max_age is None else int(max_age))
    except SignatureExpired:
        raise LinkExpired(purpose) from None
    except BadSignature:
        try:
            value = _untimed(secret, purpose).loads(token)
        except BadSignature:
            return None
        if purpose not in UNTIMED_OK:
            raise LinkExpired(purpose) from None
    return value if isinstance(value, int) else None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Subscribed:
    subscriber_id: int
    token: str | None  # a new confirmation token to email, or None (nothing to send)
    state: str  # 'pending' (confirmation sent), 'recently-sent', or 'active'


def subscribe(conn: psycopg.Connection, email: str) -> Subscribed:
    """Start (or restart) a subscription: pending until the emailed link is confirmed."""
    address = normalise_email(email)
    with conn.transaction():
        row = conn.execute(
            "INSERT INTO subscribers (email) VALUES (%s) ON CONFLICT (email) DO UPDATE"
            " SET email = EXCLUDED.email RETURNING id, status",
            (address,),
        ).fetchone()
        if row["status"] == "active":
            return Subscribed(row["id"], None, "active")
        if row["status"] in ("unsubscribed", "paused"):
            conn.execute("UPDATE subscribers SET status = 'pending' WHERE id = %s", (row["id"],))
        recent = conn.execute(
            "SELECT 1 FROM email_tokens WHERE subscriber_id = %s AND purpose = 'confirm'"
            " AND expires > now() + %s",
            (row["id"], timedelta(hours=CONFIRM_HOURS) - timedelta(minutes=RESEND_MINUTES)),
        ).fetchone()
        if recent:
            return Subscribed(row["id"], None, "recently-sent")
        token = secrets.token_urlsafe(32)
        conn.execute(
            "INSERT INTO email_tokens (token_hash, subscriber_id, purpose, expires)"
            " VALUES (%s, %s, 'confirm', now() + %s)",
            (_hash(token), row["id"], timedelta(hours=CONFIRM_HOURS)),
        )
    return Subscribed(row["id"], token, "pending")


def check_token(conn: psycopg.Connection, token: str) -> str:
    """What a confirmation token is: 'valid', 'used', 'expired' or 'unknown' (changes nothing)."""
    row = conn.execute(
        "SELECT used, expires < now() AS expired FROM email_tokens WHERE token_hash = %s"
        " AND purpose = 'confirm'",
        (_hash(token),),
    ).fetchone()
    conn.commit()
    if row is None:
        return "unknown"
    if row["used"]:
        return "used"
    return "expired" if row["expired"] else "valid"


def confirm(conn: psycopg.Connection, token: str) -> str:
    """Use a confirmation token: 'confirmed', or why not ('used', 'expired', 'unknown')."""
    with conn.transaction():
        row = conn.execute(
            "SELECT subscriber_id, used, expires < now() AS expired FROM email_tokens"
            " WHERE token_hash = %s AND purpose = 'confirm' FOR UPDATE",
            (_hash(token),),
        ).fetchone()
        if row is None:
            return "unknown"
        if row["used"]:
            return "used"
        if row["expired"]:
            return "expired"
        conn.execute("UPDATE email_tokens SET used = now() WHERE token_hash = %s", (_hash(token),))
        conn.execute(
            "UPDATE subscribers SET status = 'active', confirmed = now(), failures = 0,"
            " unsubscribed = NULL WHERE id = %s",
            (row["subscriber_id"],),
        )
    return "confirmed"


def unsubscribe(conn: psycopg.Connection, subscriber_id: int) -> bool:
    with conn.transaction():
        cur = conn.execute(
            "UPDATE subscribers SET status = 'unsubscribed', unsubscribed = now() WHERE id = %s",
            (subscriber_id,),
        )
        # nothing still queued goes out after leaving
        conn.execute(
            "UPDATE outbox SET status = 'failed', last_error = 'unsubscribed'"
            " WHERE subscriber_id = %s AND status = 'pending' AND kind = 'digest'",
            (subscriber_id,),
        )
    return cur.rowcount == 1


def get(conn: psycopg.Connection, subscriber_id: int) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM subscribers WHERE id = %s", (subscriber_id,)).fetchone()
    if row is None:
        return None
    topics = conn.execute(
        "SELECT query FROM subscriber_topics WHERE subscriber_id = %s ORDER BY id", (subscriber_id,)
    ).fetchall()
    return {**row, "topics": [t["query"] for t in topics]}


TIMEZONES = sorted(available_timezones() | {"UTC"})


def save_preferences(conn: psycopg.Connection, subscriber_id: int, form: dict[str, str]) -> None:
    """Validate and store preferences; raise InvalidInput naming what is wrong."""
    frequency = form.get("frequency", "daily")
    if frequency not in ("daily", "weekly"):
        raise InvalidInput("Frequency must be daily or weekly.")
    try:
        weekday = int(form.get("weekday", "0"))
        send_hour = int(form.get("send_hour", "8"))
        max_papers = int(form.get("max_papers", "10"))
    except ValueError:
        raise InvalidInput("Day, hour and number of papers must be numbers.") from None
    if not 0 <= weekday <= 6 or not 0 <= send_hour <= 23 or not 1 <= max_papers <= 50:
        raise InvalidInput("Day must be 0–6, hour 0–23 and papers 1–50.")
    tz = form.get("timezone", "UTC").strip() or "UTC"
    try:
        ZoneInfo(tz)
    except (ValueError, KeyError, OSError):
        raise InvalidInput(f"Unknown time zone {tz[:60]!r}; use a name like Europe/Paris.") from None
    topics = [" ".join(t.split()) for t in form.get("topics", "").splitlines()]
    topics = list(dict.fromkeys(t for t in topics if t))
    if len(topics) > MAX_TOPICS:
        raise InvalidInput(f"At most {MAX_TOPICS} topics.")
    if any(len(t) > 250 for t in topics):
        raise InvalidInput("A topic can be at most 250 characters.")
    with conn.transaction():
        conn.execute(
            "UPDATE subscribers SET frequency = %s, weekday = %s, send_hour = %s, timezone = %s,"
            " max_papers = %s WHERE id = %s",
            (frequency, weekday, send_hour, tz, max_papers, subscriber_id),
        )
        conn.execute("DELETE FROM subscriber_topics WHERE subscriber_id = %s", (subscriber_id,))
        for t in topics:
            conn.execute(
                "INSERT INTO subscriber_topics (subscriber_id, query) VALUES (%s, %s)", (subscriber_id, t)
            )


def by_email(conn: psycopg.Connection, email: str) -> dict[str, Any] | None:
    """A subscriber of any status, with their topics, by (normalised) address."""
    row = conn.execute("SELECT id FROM subscribers WHERE email = %s", (email,)).fetchone()
    return get(conn, row["id"]) if row else None


def is_active(conn: psycopg.Connection, email: str) -> bool:
    return conn.execute(
        "SELECT 1 FROM subscribers WHERE email = %s AND status = 'active'", (email,)
    ).fetchone() is not None


def counts(conn: psycopg.Connection) -> dict[str, int]:
    """How many subscribers get digests ("active") and how many have yet to confirm ("pending")."""
    return conn.execute(
        "SELECT count(*) FILTER (WHERE status = 'active') AS active,"
        " count(*) FILTER (WHERE status = 'pending') AS pending FROM subscribers"
    ).fetchone()
